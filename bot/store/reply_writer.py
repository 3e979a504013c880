"""Batched, ordered writes of collected replies, off the event loop's hot path.

Message events arrive one by one, sometimes thousands a minute. Writing each with its own
statement and commit would cost a thread hop and an fsync per message; instead the event handler
appends an operation to an in-memory queue (O(1), synchronous, never awaits) and one background
task drains it in batches: up to ``batch_size`` operations, or whatever arrived within
``max_delay`` of the first, in one transaction (multi-row upserts, one ``executemany`` for the
edits and one for the deletes) that goes to aiosqlite's thread in one trip: the loop only
prepares parameters, and each batch costs one wake-up of each thread, not one per statement.

Order is the order of enqueueing, with these refinements, applied per batch:
- a delete wins over an earlier add or edit of the same message, and a deleted id is remembered
  so a late add (a backfill racing the delete) cannot bring the message back;
- an edit that arrives before the add of its message is merged into the add (also across batches,
  for a bounded number of recent edits), and an older edit never overwrites a newer one;
- forgetting a thread (thread deleted) removes everything enqueued for it before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.store import replies
from bot.store.database import Database
from bot.store.replies import Reply, ReplyEdit, ReplyRow, merge_edit

log = logging.getLogger(__name__)

RECENT_DELETES = 50_000
RECENT_EDITS = 10_000


_Segment = tuple[list[ReplyRow], list[ReplyEdit], list[int], int | None]  # a replies.ReplyChanges


@dataclass(frozen=True, slots=True)
class _ForgetThread:
    thread_id: int


# A queued operation, told apart by its type: a row tuple (add), a ReplyEdit (edit), an int (the
# id of a deleted message) or a _ForgetThread. Adds, the hot path's, are queued as they come.
_Op = ReplyRow | ReplyEdit | int | _ForgetThread


@dataclass(slots=True)
class _Flush:
    target: int
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

    def __init__(self, db: Database, *, batch_size: int = 500, max_delay: float = 0.05) -> None:
        self._db = db
        self.batch_size = batch_size
        self.max_delay = max_delay
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
        self.lost = 0  # operations dropped after a failed retry (should stay 0)

    # -- enqueueing: synchronous and O(1), safe to call from any event handler ------------------

    def add(self, reply: Reply) -> None:
        """Store (or refresh) one reply."""
        self.add_row(reply.params())

    def add_row(self, row: ReplyRow) -> None:
        """Store one reply given as its row (``Reply.params()`` order): the hot path's form."""
        # _push's work, trimmed: this runs for every thread message.
        if self._closing:
            log.warning("Reply write after the writer closed; dropped (message %s).", row[0])
            return
        ops = self._ops
        ops.append(row)
        queued = len(ops)
        if queued == 1:
            self._wake.set()
        elif queued == self.batch_size:
            self._hurry.set()

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
        """Forget every reply of a thread, including those still queued."""
        self._push(_ForgetThread(int(thread_id)))

    @property
    def db(self) -> Database:
        return self._db

    @property
    def pending(self) -> int:
        """Operations enqueued and not yet committed."""
        return self._enqueued - self._done

    @property
    def _enqueued(self) -> int:
        """Operations ever enqueued."""
        return self._taken + len(self._ops)

    def _push(self, op: _Op) -> None:
        """Queue an edit, delete or thread deletion (adds have ``add_row``)."""
        if self._closing:
            log.warning("Reply write after the writer closed; dropped (%r).", op)
            return
        ops = self._ops
        self._other_at = self._taken + len(ops)
        ops.append(op)
        queued = len(ops)
        if queued == 1:
            self._wake.set()
        elif queued == self.batch_size:
            self._hurry.set()

    # -- life cycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background task (call once, from the running loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="reply-writer")

    async def flush(self) -> None:
        """Wait until every operation enqueued before this call is committed."""
        target = self._enqueued
        if self._done >= target:
            return
        if self._task is None or self._task.done():
            raise RuntimeError("ReplyWriter is not running: call start() first")
        waiter = _Flush(target, asyncio.get_running_loop().create_future())
        self._flushes.append(waiter)
        self._hurry.set()
        await waiter.done

    async def close(self) -> None:
        """Flush what is queued, then stop the task. Later writes are dropped with a warning."""
        if self._task is None:
            self._closing = True
            return
        if not self._task.done():
            await self.flush()
        self._closing = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    # -- the background task -----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if not self._ops:
                self._wake.clear()
                await self._wake.wait()
            if len(self._ops) < self.batch_size and not self._hurry.is_set():
                # Let a burst gather into one batch, but never hold a write longer than max_delay.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), self.max_delay)
            taken = self._take()
            if taken is None:
                continue
            count, prepared = taken
            if prepared is not None:
                await self._write(prepared, count)
            self._done += count
            self._wake_flushes()

    def _take(self) -> tuple[int, replies.PreparedChanges | None] | None:
        """Pop the next batch (up to ``batch_size`` operations) and prepare its statements: how
        many operations were taken and their writes, or None if none is queued.

        A batch that cannot even be prepared is counted as lost (and its writes are None).
        """
        self._hurry.clear()
        ops = self._ops
        count = min(len(ops), self.batch_size)
        if count == 0:
            return None
        first = self._taken
        batch = [ops.popleft() for _ in range(count)]
        self._taken = first + count
        if len(ops) >= self.batch_size:
            self._hurry.set()
        try:
            return count, replies.prepare_changes(self._plan(batch, adds_only=self._other_at < first))
        except Exception:
            self.lost += count
            log.exception("Preparing a batch of %d reply operations failed; they are lost.", count)
            return count, None

    def _wake_flushes(self) -> None:
        if not self._flushes:
            return
        still: list[_Flush] = []
        for waiter in self._flushes:
            if waiter.target <= self._done:
                if not waiter.done.done():
                    waiter.done.set_result(None)
            else:
                still.append(waiter)
        self._flushes = still
        if still:
            self._hurry.set()

    async def _write(self, prepared: replies.PreparedChanges, count: int) -> None:
        """Commit a planned batch of ``count`` operations; retried once, then given up with a log."""
        for attempt in (1, 2):
            try:
                await replies.apply_prepared(self._db, prepared)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                if attempt == 1:
                    log.exception("Writing a batch of %d reply operations failed; retrying once.", count)
                else:
                    self.lost += count
                    log.exception(
                        "Writing a batch of %d reply operations failed again; %d operations lost.",
                        count,
                        count,
                    )

    def _plan(self, batch: list[_Op], *, adds_only: bool = False) -> list[_Segment]:
        """Reduce a batch to one net operation per message, in segments split at thread deletions.

        ``adds_only``: the batch holds nothing but rows (the burst case), planned by a shortcut.
        """
        deleted = self._deleted.members  # the plain set: a C-level lookup per operation
        orphans = self._orphan_edits
        if adds_only and not orphans:
            if deleted:
                rows: dict[int, ReplyRow] = {row[0]: row for row in batch if row[0] not in deleted}  # type: ignore[index]
            else:
                rows = {row[0]: row for row in batch}  # type: ignore[index]
            # The last version of a message wins (an upsert cannot touch one row twice).
            return [(batch if len(rows) == len(batch) else list(rows.values()), [], [], None)]  # type: ignore[list-item]

        segments: list[_Segment] = []
        state: dict[int, object] = {}  # message id -> row tuple (upsert) | ReplyEdit (edit) | None (delete)

        def close_segment(forget: int | None) -> None:
            upserts: list[ReplyRow] = []
            edits: list[ReplyEdit] = []
            deletes: list[int] = []
            for message_id, net in state.items():
                if net is None:
                    deletes.append(message_id)
                elif type(net) is tuple:
                    upserts.append(net)
                else:
                    edits.append(net)  # type: ignore[arg-type]
            if forget is not None:
                # Drop what was queued for the thread before it went; the DELETE removes the rest.
                upserts = [row for row in upserts if row[1] != forget]
            segments.append((upserts, edits, deletes, forget))
            state.clear()

        for op in batch:
            kind = type(op)
            if kind is ReplyEdit:
                edit: ReplyEdit = op  # type: ignore[assignment]
                message_id = edit.message_id
                if message_id in deleted:
                    continue
                previous = state.get(message_id)
                if type(previous) is tuple:
                    state[message_id] = merge_edit(previous, edit)
                elif type(previous) is ReplyEdit:
                    if edit.edited_at >= previous.edited_at:
                        state[message_id] = edit
                        self._remember_edit(edit)
                else:
                    state[message_id] = edit
                    self._remember_edit(edit)
            elif kind is int:  # a deleted message's id
                message_id = op  # type: ignore[assignment]
                self._deleted.add(message_id)
                orphans.pop(message_id, None)
                state[message_id] = None
            elif kind is _ForgetThread:
                close_segment(op.thread_id)  # type: ignore[union-attr]
            else:  # a row to store
                row: ReplyRow = tuple(op)  # type: ignore[arg-type]
                message_id = row[0]
                if message_id in deleted:
                    continue
                previous = state.get(message_id)
                if type(previous) is ReplyEdit:
                    row = merge_edit(row, previous)
                if orphans:
                    early = orphans.pop(message_id, None)
                    if early is not None:
                        row = merge_edit(row, early)
                state[message_id] = row
        if state:
            close_segment(None)
        return segments

    def _remember_edit(self, edit: ReplyEdit) -> None:
        """Keep an edit whose add has not been seen, so a later add of that message includes it."""
        self._orphan_edits[edit.message_id] = edit
        self._orphan_edits.move_to_end(edit.message_id)
        if len(self._orphan_edits) > RECENT_EDITS:
            self._orphan_edits.popitem(last=False)
