"""Time as a parameter: the dispatcher asks a Clock for "now" and to sleep, never the system.

``SystemClock`` is the real thing; tests hand the bot a clock they move (``tests/clock.py``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Where the dispatcher gets the time from."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> bool:
        """Sleep until ``when`` or until ``wake`` is set; True if woken by ``wake``.

        Does not clear ``wake``: the sleeper decides what being woken means.
        """
        ...


class SystemClock:
    """Wall-clock ``now()``; sleeps on the event loop's monotonic clock.

    The delay is computed once from the wall clock and then measured on ``loop.time()``, so a
    wall-clock jump (NTP step, manual change) during a sleep neither cuts it short nor stretches
    it; the dispatcher re-reads ``now()`` when it wakes and sleeps again if it woke early.
    """

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> bool:
        if wake.is_set():
            return True
        delay = (when - self.now()).total_seconds()
        if delay <= 0:
            return False
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(loop.time() + delay):
                await wake.wait()
        except TimeoutError:
            return False
        return True
