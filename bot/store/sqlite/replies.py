"""Replies in SQLite (table ``replies``): batched writes in one transaction, reads, counts.

One row per Discord message, keyed by its id, so storing the same message twice (live event and
start-up backfill) is harmless. An older edit never overwrites a newer one, whatever order events
and backfill arrive in: the upsert and the edit both compare ``edited_at``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from json.encoder import encode_basestring_ascii
from typing import Any

from bot.store.rows import AuthorCount, Reply, ReplyActivity, ReplyChanges, ReplyStats, ThreadReading
from bot.store.sqlite.codec import UtcTexts, from_text, from_text_or_none, to_text
from bot.store.sqlite.connection import Connection, Row, Sql

_COLUMNS = (
    "message_id, thread_id, guild_id, author_id, author_name, content, attachments, created_at, edited_at"
)
_ONE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
# The newer version of a message wins: a row is replaced unless it carries a later edit.
_UPSERT = (
    f"INSERT INTO replies ({_COLUMNS}) VALUES {{values}} "
    "ON CONFLICT (message_id) DO UPDATE SET "
    "author_name = excluded.author_name, content = excluded.content, "
    "attachments = excluded.attachments, edited_at = excluded.edited_at "
    "WHERE replies.edited_at IS NULL "
    "OR (excluded.edited_at IS NOT NULL AND excluded.edited_at >= replies.edited_at)"
)
# 9 parameters a row: 500 rows stay well under SQLite's 32,766 parameters per statement.
ROWS_PER_STATEMENT = 500

_EDIT = (
    "UPDATE replies SET content = ?, edited_at = ?, attachments = COALESCE(?, attachments) "
    "WHERE message_id = ? AND (edited_at IS NULL OR edited_at <= ?)"
)
_DELETE = "DELETE FROM replies WHERE message_id = ?"
_DELETE_THREAD = "DELETE FROM replies WHERE thread_id = ?"
# A read point only rises; a thread gone stays gone.
_READ_UP_TO = (
    "INSERT INTO thread_reads (thread_id, message_id) VALUES (?, ?) "
    "ON CONFLICT (thread_id) DO UPDATE SET message_id = excluded.message_id "
    "WHERE thread_reads.message_id IS NULL OR thread_reads.message_id < excluded.message_id"
)
_GONE = (
    "INSERT INTO thread_reads (thread_id, gone) VALUES (?, 1) "
    "ON CONFLICT (thread_id) DO UPDATE SET gone = 1"
)


@cache
def _upsert_sql(rows: int) -> str:
    """The multi-row upsert for ``rows`` rows (text memoised; SQLite caches the compiled form).
    One statement instead of one step per row measured about 1.4x the rows/s of
    ``executemany`` (bench/ingest.py)."""
    return _UPSERT.format(values=", ".join([_ONE_ROW] * rows))


def _urls_json(urls: Sequence[str]) -> str:
    """``json.dumps(list(urls))``, text for text, with json's own C string encoder and without
    ``dumps``' per-call set-up (a tenth of the time)."""
    return "[" + ", ".join([encode_basestring_ascii(url) for url in urls]) + "]"


def _flat_params(replies: Sequence[Reply], texts: UtcTexts) -> list[object]:
    """The replies' row parameters, in ``_COLUMNS`` order, one after the other: the parameters of
    one multi-row upsert. Runs once per reply stored, so it is written for speed."""
    params: list[object] = []
    extend = params.extend
    for reply, created in zip(replies, texts.many([reply.created_at for reply in replies]), strict=True):
        attachments = reply.attachments
        edited = reply.edited_at
        extend(
            (
                reply.message_id,
                reply.thread_id,
                reply.guild_id,
                reply.author_id,
                reply.author_name,
                reply.content,
                _urls_json(attachments) if attachments else "[]",
                created,
                None if edited is None else texts(edited),
            )
        )
    return params


def _reply(row: Row) -> Reply:
    return Reply(
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        content=row["content"],
        attachments=tuple(json.loads(row["attachments"])),
        created_at=from_text(row["created_at"]),
        edited_at=from_text_or_none(row["edited_at"]),
    )


@dataclass(frozen=True, slots=True)
class _Statement:
    """One statement of a batch: ``params`` is one parameter row, or with ``many`` a list of rows."""

    sql: str
    params: Sequence[Any]
    many: bool = False


def _statements(batch: Sequence[ReplyChanges], texts: UtcTexts) -> list[_Statement]:
    """The statements applying a batch, in order: per group the deletes, the upserts (multi-row,
    up to ``ROWS_PER_STATEMENT`` a statement), the edits, the read points, the thread's deletion."""
    statements: list[_Statement] = []
    for changes in batch:
        if changes.deletes:
            statements.append(_Statement(_DELETE, [(int(i),) for i in changes.deletes], many=True))
        upserts = changes.upserts
        for start in range(0, len(upserts), ROWS_PER_STATEMENT):
            part = upserts[start : start + ROWS_PER_STATEMENT]
            statements.append(_Statement(_upsert_sql(len(part)), _flat_params(part, texts)))
        if changes.edits:
            rows = []
            for edit in changes.edits:
                edited = to_text(edit.edited_at)
                attachments = None if edit.attachments is None else _urls_json(edit.attachments)
                rows.append((edit.content, edited, attachments, edit.message_id, edited))
            statements.append(_Statement(_EDIT, rows, many=True))
        if changes.read_up_to:
            statements.append(_Statement(_READ_UP_TO, list(changes.read_up_to.items()), many=True))
        if changes.forget_thread is not None:
            statements.append(_Statement(_DELETE_THREAD, (changes.forget_thread,)))
            statements.append(_Statement(_GONE, (changes.forget_thread,)))
    return statements


def _apply(sql: Sql, statements: Sequence[_Statement]) -> None:
    with sql.transaction():
        for statement in statements:
            if statement.many:
                sql.executemany(statement.sql, statement.params)
            else:
                sql.execute(statement.sql, statement.params)


def _for_thread(sql: Sql, thread_id: int) -> list[Reply]:
    rows = sql.all(
        f"SELECT {_COLUMNS} FROM replies WHERE thread_id = ? ORDER BY created_at, message_id", (thread_id,)
    )
    return [_reply(r) for r in rows]


def _latest_id(sql: Sql, thread_id: int) -> int | None:
    row = sql.one("SELECT MAX(message_id) AS m FROM replies WHERE thread_id = ?", (thread_id,))
    return None if row is None or row["m"] is None else int(row["m"])


def _latest_ids(sql: Sql) -> dict[int, int]:
    rows = sql.all("SELECT thread_id, MAX(message_id) AS m FROM replies GROUP BY thread_id")
    return {int(r["thread_id"]): int(r["m"]) for r in rows}


def _reading(sql: Sql) -> ThreadReading:
    read_up_to: dict[int, int] = {}
    gone: set[int] = set()
    for row in sql.all("SELECT thread_id, message_id, gone FROM thread_reads"):
        if row["gone"]:
            gone.add(int(row["thread_id"]))
        elif row["message_id"] is not None:
            read_up_to[int(row["thread_id"])] = int(row["message_id"])
    return ThreadReading(read_up_to=read_up_to, gone=frozenset(gone))


def _stats(sql: Sql, guild_id: int, thread_ids: list[int] | None, top: int) -> ReplyStats:
    where = "guild_id = ?"
    params: list[object] = [guild_id]
    if thread_ids is not None:
        where += " AND thread_id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(thread_ids))
    totals = sql.one(
        f"SELECT COUNT(*) AS n, COUNT(DISTINCT author_id) AS p FROM replies WHERE {where}", params
    )
    # SQLite takes bare columns from the row that holds MAX(): the author's latest display name.
    rows = sql.all(
        f"SELECT author_id, author_name, MAX(created_at) AS last, COUNT(*) AS n FROM replies WHERE {where} "
        "GROUP BY author_id ORDER BY n DESC, last ASC, author_id LIMIT ?",
        [*params, top],
    )
    return ReplyStats(
        replies=int(totals["n"]) if totals is not None else 0,
        participants=int(totals["p"]) if totals is not None else 0,
        top=tuple(AuthorCount(int(r["author_id"]), str(r["author_name"]), int(r["n"])) for r in rows),
    )


def activity_query(
    guild_id: int, threads: list[int] | None, author_id: int | None
) -> tuple[str, list[object]]:
    """The statement ``Replies.activity`` runs, and its parameters (tests read its query plan:
    a server's lessons through replies_guild_thread, a member through replies_guild_author)."""
    where = "guild_id = ?"
    params: list[object] = [guild_id]
    if threads is not None:
        where += " AND thread_id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(threads))
    if author_id is not None:
        where += " AND author_id = ?"
        params.append(author_id)
    statement = (
        "SELECT thread_id, author_id, author_name, message_id, created_at FROM replies "
        f"WHERE {where} ORDER BY created_at, message_id"
    )
    return statement, params


def _activity(
    sql: Sql, guild_id: int, threads: list[int] | None, author_id: int | None
) -> list[ReplyActivity]:
    rows = sql.all(*activity_query(guild_id, threads, author_id))
    return [
        ReplyActivity(
            int(r["thread_id"]),
            int(r["author_id"]),
            str(r["author_name"]),
            int(r["message_id"]),
            from_text(r["created_at"]),
        )
        for r in rows
    ]


def _earliest(sql: Sql, guild_id: int, authors: list[int], excluding_thread: int) -> dict[int, datetime]:
    rows = sql.all(
        "SELECT author_id, MIN(created_at) AS first FROM replies WHERE guild_id = ? "
        "AND author_id IN (SELECT value FROM json_each(?)) AND thread_id != ? GROUP BY author_id",
        (guild_id, json.dumps(authors), excluding_thread),
    )
    return {int(r["author_id"]): from_text(r["first"]) for r in rows}


class SqliteReplies:
    """``ports.Replies`` over SQLite."""

    def __init__(self, db: Connection) -> None:
        self._db = db
        self._texts = UtcTexts()

    async def apply(self, batch: Sequence[ReplyChanges]) -> None:
        # The parameters are made here, on the loop, and only the SQL runs on the connection's
        # thread: in a burst that thread is the bottleneck (bench/ingest.py: its CPU time was
        # about twice the loop's), and making the parameters there cost it about a tenth more.
        statements = _statements(batch, self._texts)
        if statements:
            await self._db.run(_apply, statements)

    async def for_thread(self, thread_id: int) -> list[Reply]:
        return await self._db.run(_for_thread, thread_id)

    async def latest_id(self, thread_id: int) -> int | None:
        return await self._db.run(_latest_id, thread_id)

    async def latest_ids(self) -> dict[int, int]:
        return await self._db.run(_latest_ids)

    async def reading(self) -> ThreadReading:
        return await self._db.run(_reading)

    async def stats(
        self, guild_id: int, thread_ids: Collection[int] | None = None, *, top: int = 5
    ) -> ReplyStats:
        threads = None if thread_ids is None else [int(t) for t in thread_ids]
        return await self._db.run(_stats, guild_id, threads, top)

    async def activity(
        self,
        guild_id: int,
        *,
        thread_ids: Collection[int] | None = None,
        author_id: int | None = None,
    ) -> list[ReplyActivity]:
        threads = None if thread_ids is None else [int(t) for t in thread_ids]
        return await self._db.run(_activity, guild_id, threads, author_id)

    async def earliest(
        self, guild_id: int, author_ids: Collection[int], *, excluding_thread: int
    ) -> dict[int, datetime]:
        return await self._db.run(_earliest, guild_id, [int(a) for a in author_ids], excluding_thread)
