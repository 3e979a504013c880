"""Replies collected from lesson threads: stored, edited, deleted, listed and counted.

One row per Discord message, keyed by its id, so storing the same message twice (live event and
start-up backfill) is harmless. Edits carry Discord's ``edited_timestamp`` and an older edit never
overwrites a newer one, whatever order events and backfill arrive in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from typing import Any

from bot.store.database import Database, Row, Statement, parse_utc, parse_utc_or_none, utc_text

_COLUMNS = (
    "message_id, thread_id, guild_id, author_id, author_name, content, attachments, created_at, edited_at"
)

# The newer version of a message wins: a row is replaced unless it carries a later edit.
_UPSERT = (
    f"INSERT INTO replies ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (message_id) DO UPDATE SET "
    "author_name = excluded.author_name, content = excluded.content, "
    "attachments = excluded.attachments, edited_at = excluded.edited_at "
    "WHERE replies.edited_at IS NULL "
    "OR (excluded.edited_at IS NOT NULL AND excluded.edited_at >= replies.edited_at)"
)
# 9 parameters a row: 500 rows stay well under SQLite's 32,766 parameters per statement.
ROWS_PER_STATEMENT = 500


@cache
def _upsert_sql(rows: int) -> str:
    """The multi-row upsert for ``rows`` rows (text memoised; SQLite caches the compiled form)."""
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * rows)
    return _UPSERT.replace("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", f"VALUES {values}", 1)


_EDIT = (
    "UPDATE replies SET content = ?, edited_at = ?, attachments = COALESCE(?, attachments) "
    "WHERE message_id = ? AND (edited_at IS NULL OR edited_at <= ?)"
)
_DELETE = "DELETE FROM replies WHERE message_id = ?"
_DELETE_THREAD = "DELETE FROM replies WHERE thread_id = ?"


# A reply as stored: the parameters of one row in _COLUMNS order (what Reply.params() returns).
# The collector builds these directly from Discord messages on the hot path.
ReplyRow = tuple[int, int, int, int, str, str, str, str, str | None]

# One group of ``apply_changes``: upserts, edits, deleted message ids, a deleted thread (or None).
ReplyChanges = tuple[Sequence[ReplyRow], Sequence["ReplyEdit"], Sequence[int], int | None]


@dataclass(slots=True)
class Reply:
    """One stored message. Not frozen: it is built once per gateway message on the hot path, and a
    frozen dataclass's ``__init__`` costs about twice as much; treat it as immutable all the same."""

    message_id: int
    thread_id: int
    guild_id: int
    author_id: int
    author_name: str
    content: str
    attachments: tuple[str, ...]
    created_at: datetime
    edited_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> Reply:
        return cls(
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            guild_id=row["guild_id"],
            author_id=row["author_id"],
            author_name=row["author_name"],
            content=row["content"],
            attachments=tuple(json.loads(row["attachments"])),
            created_at=parse_utc(row["created_at"]),
            edited_at=parse_utc_or_none(row["edited_at"]),
        )

    def params(self) -> ReplyRow:
        """The row's parameters in ``_COLUMNS`` order."""
        created = self.created_at
        edited = self.edited_at
        return (
            self.message_id,
            self.thread_id,
            self.guild_id,
            self.author_id,
            self.author_name,
            self.content,
            json.dumps(self.attachments) if self.attachments else "[]",
            # utc_text inlined for the common case (UTC already): this runs once per reply.
            created.isoformat() if created.tzinfo is UTC else utc_text(created),
            None if edited is None else utc_text(edited),
        )


@dataclass(frozen=True, slots=True)
class ReplyEdit:
    """A MESSAGE_UPDATE: the new text, when it was edited, and the attachments if Discord sent them."""

    message_id: int
    content: str
    edited_at: datetime
    attachments: tuple[str, ...] | None = None

    def params(self) -> tuple[Any, ...]:
        edited = utc_text(self.edited_at)
        attachments = None if self.attachments is None else json.dumps(list(self.attachments))
        return (self.content, edited, attachments, self.message_id, edited)


def merge_edit(row: ReplyRow, edit: ReplyEdit) -> ReplyRow:
    """``row`` with the edit merged in, unless the row is already the newer version.

    Used by the writer when an edit is queued before the add of its message.
    """
    edited = utc_text(edit.edited_at)
    if row[8] is not None and row[8] > edited:  # same ISO-8601 UTC form: text order is time order
        return row
    attachments = row[6] if edit.attachments is None else json.dumps(list(edit.attachments))
    return (row[0], row[1], row[2], row[3], row[4], edit.content, attachments, row[7], edited)


@dataclass(frozen=True)
class ReplyStats:
    replies: int
    participants: int
    top: list[tuple[int, str, int]] = field(default_factory=list)  # (author_id, author_name, count)


async def upsert_many(db: Database, replies: Iterable[Reply]) -> None:
    """Store replies (one transaction); a message already stored is updated unless it has a newer edit."""
    rows = [r.params() for r in replies]
    if rows:
        await upsert_rows(db, rows)


async def upsert_rows(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """``upsert_many`` for rows already made with ``Reply.params`` (the writer prepares them)."""
    await db.execute_all(_upsert_statements(rows))


def _upsert_statements(rows: Sequence[tuple[Any, ...]]) -> list[Statement]:
    """Multi-row INSERT statements of up to ``ROWS_PER_STATEMENT`` rows: one statement instead of
    one step per row, which measured about 1.4x the rows/s of ``executemany`` (bench/ingest.py)."""
    if len(rows) <= ROWS_PER_STATEMENT:
        return [Statement(_upsert_sql(len(rows)), list(chain.from_iterable(rows)))] if rows else []
    statements = []
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        part = rows[start : start + ROWS_PER_STATEMENT]
        statements.append(Statement(_upsert_sql(len(part)), list(chain.from_iterable(part))))
    return statements


@dataclass(frozen=True, slots=True)
class PreparedChanges:
    """Groups of changes made into statements ahead of the write (``prepare_changes``)."""

    statements: list[Statement]
    operations: int  # how many rows, edits, deletes and thread deletions they carry


def prepare_changes(changes: Iterable[ReplyChanges]) -> PreparedChanges:
    """The statements applying groups of changes in order; within a group: the deletes, then the
    upserts, then the edits, then the thread's deletion. Synchronous, so the reply writer makes
    the next batch's while the database thread writes the last one."""
    statements: list[Statement] = []
    operations = 0
    for upserts, edits, deletes, forget_thread in changes:
        if deletes:
            statements.append(Statement(_DELETE, [(int(i),) for i in deletes], many=True))
        if upserts:
            statements.extend(_upsert_statements(upserts))
        if edits:
            statements.append(Statement(_EDIT, [e.params() for e in edits], many=True))
        if forget_thread is not None:
            statements.append(Statement(_DELETE_THREAD, (forget_thread,)))
        operations += len(deletes) + len(upserts) + len(edits) + (forget_thread is not None)
    return PreparedChanges(statements, operations)


async def apply_prepared(db: Database, prepared: PreparedChanges) -> None:
    """Apply prepared changes in one transaction: one trip to the database thread."""
    await db.execute_all(prepared.statements)


async def apply_changes(db: Database, changes: Iterable[ReplyChanges]) -> None:
    """Apply groups of changes in order, all in one transaction (see ``prepare_changes``)."""
    await apply_prepared(db, prepare_changes(changes))


async def apply_edit(
    db: Database,
    message_id: int,
    content: str,
    edited_at: datetime,
    attachments: tuple[str, ...] | None = None,
) -> bool:
    """Apply one edit; False when the message is not stored (or a newer edit already is)."""
    changed = await db.execute(_EDIT, ReplyEdit(message_id, content, edited_at, attachments).params())
    return changed > 0


async def apply_edits(db: Database, edits: Iterable[ReplyEdit]) -> None:
    """Apply several edits in one transaction."""
    rows = [e.params() for e in edits]
    if rows:
        await db.execute_all([Statement(_EDIT, rows, many=True)])


async def delete_many(db: Database, message_ids: Iterable[int]) -> None:
    """Forget these messages (deleted on Discord: members' privacy)."""
    rows = [(int(i),) for i in message_ids]
    if rows:
        await db.execute_all([Statement(_DELETE, rows, many=True)])


async def delete_thread(db: Database, thread_id: int) -> int:
    """Forget every reply of a deleted thread; return how many."""
    return await db.execute(_DELETE_THREAD, (thread_id,))


async def replies_for_thread(db: Database, thread_id: int) -> list[Reply]:
    """The thread's replies in the order they were written."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM replies WHERE thread_id = ? ORDER BY created_at, message_id",
        (thread_id,),
    )
    return [Reply.from_row(r) for r in rows]


async def latest_reply_id(db: Database, thread_id: int) -> int | None:
    """The newest stored message id of the thread: backfill fetches history after it."""
    row = await db.fetch_one("SELECT MAX(message_id) AS m FROM replies WHERE thread_id = ?", (thread_id,))
    return None if row is None or row["m"] is None else int(row["m"])


async def latest_reply_ids(db: Database) -> dict[int, int]:
    """The newest stored message id of every thread that has replies (read once at start-up)."""
    rows = await db.fetch_all("SELECT thread_id, MAX(message_id) AS m FROM replies GROUP BY thread_id")
    return {int(r["thread_id"]): int(r["m"]) for r in rows}


async def stats(
    db: Database, guild_id: int, thread_ids: Iterable[int] | None = None, *, top: int = 5
) -> ReplyStats:
    """Replies, distinct participants and the most active members, for some threads or the whole server."""
    where = "guild_id = ?"
    params: list[Any] = [guild_id]
    if thread_ids is not None:
        where += " AND thread_id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps([int(t) for t in thread_ids]))
    totals = await db.fetch_one(
        f"SELECT COUNT(*) AS n, COUNT(DISTINCT author_id) AS p FROM replies WHERE {where}", params
    )
    # SQLite takes bare columns from the row that holds MAX(): the author's latest display name.
    rows = await db.fetch_all(
        f"SELECT author_id, author_name, MAX(created_at) AS last, COUNT(*) AS n FROM replies WHERE {where} "
        "GROUP BY author_id ORDER BY n DESC, last ASC, author_id LIMIT ?",
        [*params, top],
    )
    return ReplyStats(
        replies=int(totals["n"]) if totals is not None else 0,
        participants=int(totals["p"]) if totals is not None else 0,
        top=[(int(r["author_id"]), str(r["author_name"]), int(r["n"])) for r in rows],
    )
