"""Batched, ordered writes of collected replies, off the event loop's hot path.

Message events arrive one by one, sometimes thousands a minute. Writing each with its own
statement and commit would cost a thread hop and an fsync per message; instead the event handler
appends an operation to an in-memory queue (O(1), synchronous, never awaits) and one background
task drains it in batches: up to ``batch_size`` operations, or whatever arrived within
``max_delay`` of the first, handed to ``Replies.apply`` as one transaction.

Order is the order of enqueueing, with these refinements, applied per batch:
- a delete wins over an earlier add or edit of the same message, and a deleted id is remembered
  so a late add (a backfill racing the delete) cannot bring the message back;
- an edit that arrives before the add of its message is merged into the add (also across batches,
  for a bounded number of recent edits), and an older edit never overwrites a newer one;
- forgetting a thread (thread deleted) removes everything enqueued for it before.

A batch the database does not take (locked, busy, unreachable) is kept and retried with backoff
(``retry_delays``), never dropped; the failure is logged once per episode, and its end. Memory
stays bounded meanwhile: past ``max_queued`` operations queued in memory (besides the batch being
tried), the ones after go, in order, to a spill file (``bot.store.reply_spill``) and come back
once the database takes writes again, with one log line when it starts. Closing while the
database still refuses writes keeps what is left in that file (``close``), and a writer started
beside it stores it before anything newer. Without a ``spill_path`` the queue is not bounded.

Read points (``note_read``: every message of a thread up to this one is enqueued, or is not a
reply) are not queued one per message: the newest per thread is kept aside and written with the
first batch that leaves the queue empty (or alone, when nothing is queued), since by then
everything enqueued before it is in that batch or committed. They are not operations:
``pending`` does not count them, ``flush`` waits for them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.store.ports import Replies
from bot.store.reply_spill import ForgetThread, Op, SpillFile, write_all
from bot.store.rows import Reply, ReplyChanges, ReplyEdit

log = logging.getLogger(__name__)

RECENT_DELETES = 50_000
RECENT_EDITS = 10_000
MAX_QUEUED = 50_000  # operations held in memory while the database refuses writes (a few tens of MB)
# Waits between attempts at a batch the database refused; the last one repeats.
RETRY_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
STILL_FAILING_EVERY = 300.0  # seconds between "still failing" log lines within one episode
CLOSE_TIMEOUT = 10.0  # seconds a closing writer waits for the database before keeping the rest on disk


def merge_edit(reply: Reply, edit: ReplyEdit) -> Reply:
    """``reply`` with the edit merged in, unless the reply is already the newer version.

    Used when an edit is queued before the add of its message.
    """
    if reply.edited_at is not None and reply.edited_at > edit.edited_at:
        return reply
    return Reply(
        message_id=reply.message_id,
        thread_id=reply.thread_id,
        guild_id=reply.guild_id,
        author_id=reply.author_id,
        author_name=reply.author_name,
        content=edit.content,
        attachments=reply.attachments if edit.attachments is None else edit.attachments,
        created_at=reply.created_at,
        edited_at=edit.edited_at,
    )


# A queued operation, told apart by its type: a Reply (add), a ReplyEdit (edit), an int (the id
# of a deleted message) or a ForgetThread. Adds, the hot path's, are queued as they come.
_ForgetThread = ForgetThread
_Op = Op


@dataclass(slots=True)
class _Flush:
    target: int
    reads: int  # read points noted before the flush
    done: asyncio.Future[None]


class _Bounded:
    """A set that forgets its oldest members beyond ``limit`` (memory stays bounded)."""

    def __init__(self, limit: int) -> None:
        self._order: deque[int] = deque()
        self.members: set[int] = set()
        self._limit = limit

    def add(self, item: int) -> None:
        if item in self.members:
            return
        self.members.add(item)
        self._order.append(item)
        if len(self._order) > self._limit:
            self.members.discard(self._order.popleft())

    def __contains__(self, item: object) -> bool:
        return item in self.members


class ReplyWriter:
    """Queue of reply writes applied in order, in batches, by one background task."""

    def __init__(
        self,
        replies: Replies,
        *,
        batch_size: int = 500,
        max_delay: float = 0.05,
        max_queued: int = MAX_QUEUED,
        spill_path: Path | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        close_timeout: float = CLOSE_TIMEOUT,
    ) -> None:
        self._replies = replies
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.max_queued = max(max_queued, batch_size)
        self.retry_delays = tuple(retry_delays) or (1.0,)
        self.spill_path = spill_path
        self.close_timeout = close_timeout
        self._spill: SpillFile | None = None  # operations kept on disk, newer than the queue's
        self._in_flight: list[_Op] = []  # the batch being written, as queued
        self._ops: deque[_Op] = deque()
        self._taken = 0  # operations ever taken from the queue into a batch
        self._other_at = -1  # queue position (counted from the first operation ever) of the last non-add
        self._done = 0  # operations ever committed (or given up on)
        self._flushes: list[_Flush] = []
        self._wake = asyncio.Event()  # something is queued
        self._hurry = asyncio.Event()  # a batch is full or someone flushes: do not wait max_delay
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._deleted = _Bounded(RECENT_DELETES)
        self._orphan_edits: OrderedDict[int, ReplyEdit] = OrderedDict()
        self._reads: dict[int, int] = {}  # read points noted and not yet taken into a batch
        self._noted = 0  # read points ever noted
        self._noted_done = 0  # of those, how many are written (or given up on)
        self.lost = 0  # operations dropped because their batch could not be planned (should stay 0)

    # -- enqueueing: synchronous and O(1), safe to call from any event handler ------------------

    def add(self, reply: Reply) -> None:
        """Store (or refresh) one reply: the hot path, called for every thread message."""
        # _push's work, trimmed.
        if self._closing:
            log.warning("Reply write after the writer closed; dropped (message %s).", reply.message_id)
            return
        if self._spill is not None:
            self._spill.append(reply)
            return
        ops = self._ops
        ops.append(reply)
        queued = len(ops)
        if queued == 1:
            self._wake.set()
        elif queued == self.batch_size:
            self._hurry.set()
        elif queued >= self.max_queued:
            self._start_spilling()

    def edit(
        self,
        message_id: int,
        content: str,
        edited_at: datetime,
        attachments: tuple[str, ...] | None = None,
    ) -> None:
        """Apply an edit; ``attachments`` None keeps the stored ones."""
        self._push(ReplyEdit(message_id, content, edited_at, attachments))

    def delete(self, message_ids: Iterable[int]) -> None:
        """Forget these messages."""
        for message_id in message_ids:
            self._push(int(message_id))

    def forget_thread(self, thread_id: int) -> None:
        """Forget every reply of a thread, including those still queued, and mark it gone."""
        self._push(_ForgetThread(int(thread_id)))

    def note_read(self, thread_id: int, message_id: int) -> None:
        """Every message of the thread up to ``message_id`` is enqueued (or is not a reply): its
        read point may rise there once they are stored. O(1); queued only when the queue is idle."""
        if self._closing:
            return
        reads = self._reads
        if reads.get(thread_id, 0) < message_id:
            reads[thread_id] = message_id
        self._noted += 1
        if not self._ops:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Operations enqueued and not yet committed."""
        return self._enqueued - self._done

    @property
    def in_memory(self) -> int:
        """Operations held in memory (queued, or in the batch being written)."""
        return len(self._ops) + len(self._in_flight)

    @property
    def spilled(self) -> int:
        """Operations kept on disk, waiting for room in memory."""
        return 0 if self._spill is None else self._spill.unread

    @property
    def _enqueued(self) -> int:
        """Operations ever enqueued."""
        return self._taken + len(self._ops) + self.spilled

    def _push(self, op: _Op) -> None:
        """Queue an edit, delete or thread deletion (adds have their own copy of this)."""
        if self._closing:
            log.warning("Reply write after the writer closed; dropped (%r).", op)
            return
        self._other_at = self._enqueued
        if self._spill is not None:
            self._spill.append(op)
            return
        ops = self._ops
        ops.append(op)
        queued = len(ops)
        if queued == 1:
            self._wake.set()
        elif queued == self.batch_size:
            self._hurry.set()
        elif queued >= self.max_queued:
            self._start_spilling()

    def _start_spilling(self) -> None:
        """The queue is full (the database has not taken writes for a while): the operations
        after it go to the spill file, in order, until the queue has room again."""
        if self.spill_path is None or self._spill is not None:
            return
        self._spill = SpillFile(self.spill_path)
        log.warning(
            "The database has not taken reply writes for a while: %d are held in memory; the ones "
            "after go to %s until it does (nothing is dropped).",
            len(self._ops),
            self.spill_path,
        )

    def _refill(self) -> None:
        """Bring operations kept on disk back into the queue while it has room; once all are
        back, the file goes and new operations are queued in memory again."""
        spill = self._spill
        if spill is None or len(self._ops) > self.max_queued // 2:
            return
        back = spill.read(self.max_queued - len(self._ops))
        if back:
            self._ops.extend(back)
            # Their kinds are not tracked: the batches holding them are planned in full.
            self._other_at = max(self._other_at, self._taken + len(self._ops) - 1)
        if spill.unread == 0:
            spill.finish()
            self._spill = None
            log.info("The reply writes kept on disk are back in memory; the spill file is removed.")

    # -- life cycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background task (call once, from the running loop). Operations a previous
        run left in the spill file come first."""
        if self._task is None:
            if self.spill_path is not None and self._spill is None:
                self._spill = SpillFile.resume(self.spill_path)
                if self._spill is not None:
                    log.info(
                        "%d reply writes kept in %s by an earlier run are stored first.",
                        self._spill.unread,
                        self.spill_path,
                    )
            self._task = asyncio.get_running_loop().create_task(self._run(), name="reply-writer")

    async def flush(self) -> None:
        """Wait until every operation enqueued (and read point noted) before this call is committed."""
        target = self._enqueued
        reads = self._noted
        if self._done >= target and self._noted_done >= reads:
            return
        if self._task is None or self._task.done():
            raise RuntimeError("ReplyWriter is not running: call start() first")
        waiter = _Flush(target, reads, asyncio.get_running_loop().create_future())
        self._flushes.append(waiter)
        self._hurry.set()
        await waiter.done

    async def close(self) -> None:
        """Flush what is queued, then stop the task. If the database does not take it within
        ``close_timeout`` seconds, what is left is kept in the spill file for the next start.
        Later writes are dropped with a warning."""
        if self._task is None:
            self._closing = True
            return
        stored = True
        if not self._task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self.flush()), self.close_timeout)
            except TimeoutError:
                stored = False
        self._closing = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if not stored:
            self._keep_the_rest()

    def _keep_the_rest(self) -> None:
        """Stopping while the database refuses writes: the batch in hand, the queue and the spill
        file's unread part go to the spill file, in order (the batch may also have been stored:
        applying an operation twice changes nothing)."""
        first = [*self._in_flight, *self._ops]
        kept = len(first) + self.spilled
        if self.spill_path is None:
            log.error("Stopped with %d reply writes the database did not take; they are lost.", kept)
            return
        if self._spill is not None:
            self._spill.rewrite(first)
        else:
            write_all(self.spill_path, first)
        self._spill = None
        self._in_flight, self._ops = [], deque()
        log.warning(
            "Stopped with %d reply writes the database did not take: they are kept in %s and stored "
            "at the next start.",
            kept,
            self.spill_path,
        )

    # -- the background task -----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._refill()
            if not self._ops and not self._reads:
                self._wake.clear()
                await self._wake.wait()
            if len(self._ops) < self.batch_size and not self._hurry.is_set():
                # Let a burst gather into one batch, but never hold a write longer than max_delay.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), self.max_delay)
            taken = self._take()
            if taken is None:
                continue
            count, batch, noted = taken
            if batch is not None:
                await self._write(batch, count)
            self._in_flight = []
            self._done += count
            if noted is not None:
                self._noted_done = noted
            self._wake_flushes()

    def _take(self) -> tuple[int, list[ReplyChanges] | None, int | None] | None:
        """Pop the next batch (up to ``batch_size`` operations) and plan it: how many operations
        were taken, their net changes, and (when the batch carries the read points noted so far)
        how many read points were noted by then; None if nothing is queued or noted.

        A batch that cannot even be planned is counted as lost (and its changes are None).
        """
        self._hurry.clear()
        ops = self._ops
        count = min(len(ops), self.batch_size)
        if count == 0:
            if not self._reads or self.spilled:
                return None
            reads, self._reads = self._reads, {}
            return 0, [ReplyChanges(read_up_to=reads)], self._noted
        first = self._taken
        batch = [ops.popleft() for _ in range(count)]
        self._in_flight = batch
        self._taken = first + count
        if len(ops) >= self.batch_size:
            self._hurry.set()
        noted = None
        try:
            planned = self._plan(batch, adds_only=self._other_at < first)
            if not ops and not self.spilled and self._reads:
                # The queue is empty: everything enqueued before these points is in this batch.
                reads, self._reads = self._reads, {}
                noted = self._noted
                planned.append(ReplyChanges(read_up_to=reads))
            return count, planned, noted
        except Exception:
            self.lost += count
            log.exception("Preparing a batch of %d reply operations failed; they are lost.", count)
            return count, None, noted

    def _wake_flushes(self) -> None:
        if not self._flushes:
            return
        still: list[_Flush] = []
        for waiter in self._flushes:
            if waiter.target <= self._done and waiter.reads <= self._noted_done:
                if not waiter.done.done():
                    waiter.done.set_result(None)
            else:
                still.append(waiter)
        self._flushes = still
        if still:
            self._hurry.set()

    async def _write(self, batch: list[ReplyChanges], count: int) -> None:
        """Commit a planned batch of ``count`` operations, trying again with backoff until the
        database takes it: never dropped. Logged once when an episode starts (and every few
        minutes while it lasts), and once when it ends."""
        loop = asyncio.get_running_loop()
        failures = 0
        started = told = 0.0
        while True:
            try:
                await self._replies.apply(batch)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                now = loop.time()
                if failures == 0:
                    started = told = now
                    log.warning(
                        "The database refused a batch of %d reply writes (%s); it is kept and tried "
                        "again until the database takes it.",
                        count,
                        type(error).__name__,
                        exc_info=True,
                    )
                elif now - told >= STILL_FAILING_EVERY:
                    told = now
                    log.warning(
                        "The database still refuses reply writes after %.0f s (%s); %d held in "
                        "memory, %d on disk.",
                        now - started,
                        type(error).__name__,
                        self.in_memory,
                        self.spilled,
                    )
                await asyncio.sleep(self.retry_delays[min(failures, len(self.retry_delays) - 1)])
                failures += 1
                continue
            if failures:
                log.info(
                    "The database takes reply writes again, after %.1f s and %d failed attempts.",
                    loop.time() - started,
                    failures,
                )
            return

    def _plan(self, batch: list[_Op], *, adds_only: bool = False) -> list[ReplyChanges]:
        """Reduce a batch to one net operation per message, in groups split at thread deletions.

        ``adds_only``: the batch holds nothing but replies (the burst case), planned by a shortcut.
        """
        deleted = self._deleted.members  # the plain set: a C-level lookup per operation
        orphans = self._orphan_edits
        if adds_only and not orphans:
            adds: list[Reply] = batch  # type: ignore[assignment]  # adds_only: nothing else queued
            if deleted:
                latest = {r.message_id: r for r in adds if r.message_id not in deleted}
            else:
                latest = {r.message_id: r for r in adds}
            # The last version of a message wins (an upsert cannot touch one row twice).
            return [ReplyChanges(upserts=adds if len(latest) == len(adds) else list(latest.values()))]

        groups: list[ReplyChanges] = []
        state: dict[int, Reply | ReplyEdit | None] = {}  # message id -> upsert | edit | None (delete)

        def close_group(forget: int | None) -> None:
            upserts: list[Reply] = []
            edits: list[ReplyEdit] = []
            deletes: list[int] = []
            for message_id, net in state.items():
                if net is None:
                    deletes.append(message_id)
                elif type(net) is Reply:
                    upserts.append(net)
                else:
                    edits.append(net)  # type: ignore[arg-type]  # neither None nor a Reply
            if forget is not None:
                # Drop what was queued for the thread before it went; the deletion removes the rest.
                upserts = [reply for reply in upserts if reply.thread_id != forget]
            groups.append(ReplyChanges(upserts, edits, deletes, forget))
            state.clear()

        for op in batch:
            if type(op) is ReplyEdit:
                message_id = op.message_id
                if message_id in deleted:
                    continue
                previous = state.get(message_id)
                if type(previous) is Reply:
                    state[message_id] = merge_edit(previous, op)
                elif type(previous) is ReplyEdit:
                    if op.edited_at >= previous.edited_at:
                        state[message_id] = op
                        self._remember_edit(op)
                else:
                    state[message_id] = op
                    self._remember_edit(op)
            elif type(op) is int:  # a deleted message's id
                self._deleted.add(op)
                orphans.pop(op, None)
                state[op] = None
            elif type(op) is _ForgetThread:
                close_group(op.thread_id)
            else:  # a reply to store
                reply: Reply = op  # type: ignore[assignment]  # the one type left
                message_id = reply.message_id
                if message_id in deleted:
                    continue
                previous = state.get(message_id)
                if type(previous) is ReplyEdit:
                    reply = merge_edit(reply, previous)
                if orphans:
                    early = orphans.pop(message_id, None)
                    if early is not None:
                        reply = merge_edit(reply, early)
                state[message_id] = reply
        if state:
            close_group(None)
        return groups

    def _remember_edit(self, edit: ReplyEdit) -> None:
        """Keep an edit whose add has not been seen, so a later add of that message includes it."""
        self._orphan_edits[edit.message_id] = edit
        self._orphan_edits.move_to_end(edit.message_id)
        if len(self._orphan_edits) > RECENT_EDITS:
            self._orphan_edits.popitem(last=False)
