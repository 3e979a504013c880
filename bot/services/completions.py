"""Outcomes of claimed occurrences, recorded together when they finish together.

The dispatcher posts every occurrence due at one instant at once; their outcomes come back
within the same moment, and recording each in its own transaction would cost one round trip
(and a pool connection) per post. ``Completions.complete`` queues an outcome and waits for it;
one flusher task sends whatever is queued as one ``Schedules.complete_many``, and what arrives
while that statement is out goes in the next one. Nothing waits on a timer: a lone outcome is
sent at once, exactly as ``complete`` would; only outcomes that pile up while the database is
busy share a statement.

Each caller still gets its own answer (True: recorded; False: the claim was lost) or its own
exception. Should the shared statement fail (a deadlock victim, a dropped connection), each
outcome is tried again on its own with ``complete``, so one bad outcome never fails the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from bot.store.ports import Schedules
from bot.store.rows import Claim, RunOutcome

log = logging.getLogger(__name__)

MAX_BATCH = 500  # outcomes per statement: a bounded statement, like the dispatcher's batches


@dataclass(frozen=True)
class _Waiting:
    claim: Claim
    outcome: RunOutcome
    answer: asyncio.Future[bool]

    @property
    def key(self) -> tuple[int, object]:
        return (self.claim.schedule.id, self.claim.occurrence)


class Completions:
    """``complete`` for the dispatcher, batching the outcomes that arrive together."""

    def __init__(self, schedules: Schedules) -> None:
        self._schedules = schedules
        self._queue: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None

    async def complete(self, claim: Claim, outcome: RunOutcome) -> bool:
        """Record the outcome if the claim is still its holder's (``Schedules.complete``)."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(claim, outcome, answer))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="schedule-completions")
        return await answer

    async def close(self) -> None:
        """Stop the flusher (the dispatcher is stopping); outcomes not recorded yet stay as
        claims, taken back at the next start like any claim without an outcome."""
        flusher, self._flusher = self._flusher, None
        if flusher is not None and not flusher.done():
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        for waiting in self._queue:
            waiting.answer.cancel()
        self._queue.clear()

    async def _flush(self) -> None:
        while self._queue:
            batch = self._take()
            try:
                await self._record(batch)
            finally:
                for waiting in batch:  # cancelled mid-statement: the callers hear so
                    if not waiting.answer.done():
                        waiting.answer.cancel()

    def _take(self) -> list[_Waiting]:
        """Up to MAX_BATCH queued outcomes, one per occurrence (a second outcome of the same
        occurrence waits for the next statement, so it meets the first one's result)."""
        batch: list[_Waiting] = []
        keys: set[tuple[int, object]] = set()
        rest: list[_Waiting] = []
        for waiting in self._queue:
            if len(batch) < MAX_BATCH and waiting.key not in keys:
                keys.add(waiting.key)
                batch.append(waiting)
            else:
                rest.append(waiting)
        self._queue = rest
        return batch

    async def _record(self, batch: list[_Waiting]) -> None:
        try:
            recorded = await self._schedules.complete_many([(w.claim, w.outcome) for w in batch])
        except Exception as error:
            if len(batch) == 1:
                _answer(batch[0], error)
                return
            log.warning(
                "Recording %d outcomes together failed (%s: %s); recording each on its own",
                len(batch),
                type(error).__name__,
                error,
            )
            for waiting in batch:
                try:
                    ok = await self._schedules.complete(waiting.claim, waiting.outcome)
                except Exception as failure:
                    _answer(waiting, failure)
                else:
                    _answer(waiting, ok)
            return
        for waiting, ok in zip(batch, recorded, strict=True):
            _answer(waiting, ok)


def _answer(waiting: _Waiting, result: bool | Exception) -> None:
    """Tell the caller, unless it stopped waiting (cancelled: nobody would read it)."""
    if waiting.answer.done():
        return
    if isinstance(result, Exception):
        waiting.answer.set_exception(result)
    else:
        waiting.answer.set_result(result)
