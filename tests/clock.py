"""A clock that tests move: time only passes when they say so.

``advance`` returns once every task sleeping on the clock has handled what became due, so a
test never waits on wall-clock time. The bot takes any ``bot.services.clock.Clock``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass(eq=False)
class _Sleeper:
    when: datetime
    wake: asyncio.Event
    done: asyncio.Future[None]
    task: asyncio.Task[object] | None = field(default=None)


class ClockNotSettled(RuntimeError):
    """Tasks on a ManualClock kept running without going back to sleep (a bug in the test or code)."""


class ManualClock:
    """A clock that only moves when told to.

    Every task that calls ``sleep_until`` becomes a *participant*. The clock is *settled* when
    every participant has finished or is sleeping on it with a deadline still in the future and
    its wake event unset. ``advance``/``set`` move time step by step through the sleepers'
    deadlines (so a weekly schedule sees each week, not one jump over three), waking the due
    sleepers and awaiting settlement after each step. ``settle()`` waits for settlement without
    moving time, e.g. after starting a dispatcher or calling ``notify_changed()``.

    ``settle_timeout`` is a real-time safety net only: it turns a hang into ClockNotSettled.
    """

    def __init__(self, start: datetime, *, settle_timeout: float = 10.0) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._sleepers: list[_Sleeper] = []
        self._participants: set[asyncio.Task[object]] = set()
        self._changed = asyncio.Event()
        self.settle_timeout = settle_timeout

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> bool:
        task = asyncio.current_task()
        if task is not None and task not in self._participants:
            self._participants.add(task)
            task.add_done_callback(self._participant_done)
        if wake.is_set():
            return True
        if when <= self._now:
            return False
        sleeper = _Sleeper(when, wake, asyncio.get_running_loop().create_future(), task)
        self._sleepers.append(sleeper)
        self._changed.set()
        waiter = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait({sleeper.done, waiter}, return_when=asyncio.FIRST_COMPLETED)
            return wake.is_set()
        finally:
            waiter.cancel()
            self._sleepers.remove(sleeper)
            self._changed.set()

    def _participant_done(self, task: asyncio.Task[object]) -> None:
        self._participants.discard(task)
        self._changed.set()

    def _settled(self) -> bool:
        sleeping = {
            s.task for s in self._sleepers if not s.done.done() and not s.wake.is_set() and s.when > self._now
        }
        return all(t.done() or t in sleeping for t in self._participants)

    async def settle(self, *, require_participant: bool = True) -> None:
        """Return once every participant is asleep (deadline ahead) or finished.

        With ``require_participant`` it first waits for some task to sleep on the clock, so
        ``dispatcher.start(); await clock.settle()`` waits for the dispatcher's first sleep.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.settle_timeout
        while True:
            self._changed.clear()
            await asyncio.sleep(0)  # let freshly woken tasks take their first step
            if (self._participants or not require_participant) and self._settled():
                return
            if self._changed.is_set():
                continue
            try:
                async with asyncio.timeout_at(give_up):
                    await self._changed.wait()
            except TimeoutError:
                raise ClockNotSettled(
                    f"tasks sleeping on the ManualClock did not go back to sleep within "
                    f"{self.settle_timeout} s of real time"
                ) from None

    async def set(self, when: datetime) -> None:
        """Move time forward to ``when``, stopping at each sleeper's deadline on the way."""
        target = when.astimezone(UTC)
        if target < self._now:
            raise ValueError(f"ManualClock cannot go back in time ({target} < {self._now})")
        while True:
            ahead = [s.when for s in self._sleepers if not s.done.done() and s.when <= target]
            self._now = max(self._now, min(ahead) if ahead else target)
            for sleeper in list(self._sleepers):
                if sleeper.when <= self._now and not sleeper.done.done():
                    sleeper.done.set_result(None)
            await self.settle(require_participant=False)
            if self._now >= target and not any(
                s.when <= target and not s.done.done() for s in self._sleepers
            ):
                return

    async def advance(self, delta: timedelta) -> None:
        """Move time forward by ``delta``; see ``set``."""
        await self.set(self._now + delta)
