"""Batched, ordered writes of collected replies, off the event loop's hot path.

Message events arrive one by one, sometimes thousands a minute. Writing each with its own
statement and commit would cost a thread hop and an fsync per message; instead the event handler
appends an operation to an in-memory queue (O(1), synchronous, never awaits) and one background
task drains it in batches: up to ``batch_size`` operations, or whatever arrived within
``max_delay`` of the first, in one transaction with one ``executemany`` per kind. SQL runs on
aiosqlite's thread, so the loop only prepares parameters.

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

_ADD = 0
_EDIT = 1
_DELETE = 2
_FORGET_THREAD = 3

RECENT_DELETES = 50_000
RECENT_EDITS = 10_000


_Segment = tuple[list[ReplyRow], list[ReplyEdit], list[int], int | None]


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
        self._ops: deque[tuple[int, object]] = deque()
        self._enqueued = 0  # operations ever enqueued
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
        # _push inlined: this runs for every thread message.
        if self._closing:
            log.warning("Reply write after the writer closed; dropped (message %s).", row[0])
            return
        ops = self._ops
        ops.append((_ADD, row))
        self._enqueued += 1
        if not self._wake.is_set():
            self._wake.set()
        if len(ops) >= self.batch_size and not self._hurry.is_set():
            self._hurry.set()

    def edit(
        self,
        message_id: int,
        content: str,
        edited_at: datetime,
        attachments: tuple[str, ...] | None = None,
    ) -> None:
        """Apply an edit; ``attachments`` None keeps the stored ones."""
        self._push(_EDIT, ReplyEdit(message_id, content, edited_at, attachments))

    def delete(self, message_ids: Iterable[int]) -> None:
        """Forget these messages."""
        for message_id in message_ids:
            self._push(_DELETE, int(message_id))

    def forget_thread(self, thread_id: int) -> None:
        """Forget every reply of a thread, including those still queued."""
        self._push(_FORGET_THREAD, int(thread_id))

    @property
    def db(self) -> Database:
        return self._db

    @property
    def pending(self) -> int:
        """Operations enqueued and not yet committed."""
        return self._enqueued - self._done

    def _push(self, kind: int, item: object) -> None:
        if self._closing:
            log.warning("Reply write after the writer closed; dropped (kind %d).", kind)
            return
        self._ops.append((kind, item))
        self._enqueued += 1
        if not self._wake.is_set():
            self._wake.set()
        if len(self._ops) >= self.batch_size and not self._hurry.is_set():
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
            self._hurry.clear()
            count = min(len(self._ops), self.batch_size)
            if count == 0:
                continue
            batch = [self._ops.popleft() for _ in range(count)]
            if len(self._ops) >= self.batch_size:
                self._hurry.set()
            await self._write(batch)
            self._done += count
            self._wake_flushes()

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

    async def _write(self, batch: list[tuple[int, object]]) -> None:
        try:
            segments = self._plan(batch)
        except Exception:
            self.lost += len(batch)
            log.exception("Preparing a batch of %d reply operations failed; they are lost.", len(batch))
            return
        for attempt in (1, 2):
            try:
                async with self._db.transaction():
                    for upserts, edits, deletes, forget in segments:
                        if deletes:
                            await replies.delete_many(self._db, deletes)
                        if upserts:
                            await replies.upsert_rows(self._db, upserts)
                        if edits:
                            await replies.apply_edits(self._db, edits)
                        if forget is not None:
                            await replies.delete_thread(self._db, forget)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                if attempt == 1:
                    log.exception("Writing a batch of %d reply operations failed; retrying once.", len(batch))
                else:
                    self.lost += len(batch)
                    log.exception(
                        "Writing a batch of %d reply operations failed again; %d operations lost.",
                        len(batch),
                        len(batch),
                    )

    def _plan(self, batch: list[tuple[int, object]]) -> list[_Segment]:
        """Reduce a batch to one net operation per message, in segments split at thread deletions."""
        deleted = self._deleted.members  # the plain set: a C-level lookup per operation
        orphans = self._orphan_edits
        if not orphans and not any(kind for kind, _ in batch):  # only adds (kind 0): the burst case
            rows: dict[int, ReplyRow] = {row[0]: row for _, row in batch if row[0] not in deleted}  # type: ignore[index]
            return [(list(rows.values()), [], [], None)]

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

        for kind, item in batch:
            if kind == _ADD:
                row: ReplyRow = item  # type: ignore[assignment]
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
            elif kind == _EDIT:
                edit: ReplyEdit = item  # type: ignore[assignment]
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
            elif kind == _DELETE:
                message_id = item  # type: ignore[assignment]
                self._deleted.add(message_id)
                orphans.pop(message_id, None)
                state[message_id] = None
            else:
                close_segment(item)  # type: ignore[arg-type]
        if state:
            close_segment(None)
        return segments

    def _remember_edit(self, edit: ReplyEdit) -> None:
        """Keep an edit whose add has not been seen, so a later add of that message includes it."""
        self._orphan_edits[edit.message_id] = edit
        self._orphan_edits.move_to_end(edit.message_id)
        if len(self._orphan_edits) > RECENT_EDITS:
            self._orphan_edits.popitem(last=False)
