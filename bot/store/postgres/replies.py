"""Replies in PostgreSQL (table ``replies``): batched writes in one transaction, reads, counts.

One row per Discord message, keyed by its id, so storing the same message twice (live event and
start-up backfill) is harmless. An older edit never overwrites a newer one, whatever order events
and backfill arrive in: the upsert and the edit both compare ``edited_at``.

Rows travel as arrays, one per column, unnested on the server: one statement and one round trip
for any number of rows (``executemany`` would send one bind per row). A batch that comes down to
one statement (a burst of new replies) is sent alone, without BEGIN and COMMIT around it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from bot.store.postgres.connection import Connection, Record, utc, utc_or_none
from bot.store.rows import (
    AuthorCount,
    Reply,
    ReplyActivity,
    ReplyChanges,
    ReplyEdit,
    ReplyStats,
    ThreadReading,
)

_COLUMNS = (
    "message_id, thread_id, guild_id, author_id, author_name, content, attachments, created_at, edited_at"
)

# The newer version of a message wins: a row is replaced unless it carries a later edit.
_UPSERT = (
    f"INSERT INTO replies ({_COLUMNS}) "
    "SELECT m, t, g, a, n, c, j::jsonb, ca, ea FROM unnest("
    "$1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], "
    "$8::timestamptz[], $9::timestamptz[]) AS r(m, t, g, a, n, c, j, ca, ea) "
    "ON CONFLICT (message_id) DO UPDATE SET "
    "author_name = excluded.author_name, content = excluded.content, "
    "attachments = excluded.attachments, edited_at = excluded.edited_at "
    "WHERE replies.edited_at IS NULL "
    "OR (excluded.edited_at IS NOT NULL AND excluded.edited_at >= replies.edited_at)"
)
_EDIT = (
    "UPDATE replies SET content = e.c, edited_at = e.ea, "
    "attachments = COALESCE(e.j::jsonb, replies.attachments) "
    "FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[]) AS e(m, c, ea, j) "
    "WHERE replies.message_id = e.m AND (replies.edited_at IS NULL OR replies.edited_at <= e.ea)"
)
_DELETE = "DELETE FROM replies WHERE message_id = ANY($1::bigint[])"
_DELETE_THREAD = "DELETE FROM replies WHERE thread_id = $1"
# A read point only rises; a thread gone stays gone.
_READ_UP_TO = (
    "INSERT INTO thread_reads (thread_id, message_id) "
    "SELECT t, m FROM unnest($1::bigint[], $2::bigint[]) AS r(t, m) "
    "ON CONFLICT (thread_id) DO UPDATE SET message_id = excluded.message_id "
    "WHERE thread_reads.message_id IS NULL OR thread_reads.message_id < excluded.message_id"
)
_GONE = (
    "INSERT INTO thread_reads (thread_id, gone) VALUES ($1, 1) "
    "ON CONFLICT (thread_id) DO UPDATE SET gone = 1"
)


def _reply(row: Record) -> Reply:
    return Reply(
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        content=row["content"],
        attachments=tuple(json.loads(row["attachments"])),
        created_at=row["created_at"],
        edited_at=row["edited_at"],
    )


def _upsert_columns(replies: Sequence[Reply]) -> list[list[object]]:
    """The replies as nine column arrays, in ``_COLUMNS`` order (runs once per reply stored)."""
    columns: list[list[object]] = [[] for _ in range(9)]
    m, t, g, a, n, c, j, ca, ea = columns
    for reply in replies:
        m.append(reply.message_id)
        t.append(reply.thread_id)
        g.append(reply.guild_id)
        a.append(reply.author_id)
        n.append(reply.author_name)
        c.append(reply.content)
        j.append(json.dumps(list(reply.attachments)) if reply.attachments else "[]")
        created = reply.created_at
        ca.append(created if created.tzinfo is UTC else utc(created))
        ea.append(utc_or_none(reply.edited_at))
    return columns


def _edit_columns(edits: Sequence[ReplyEdit]) -> list[list[object]]:
    columns: list[list[object]] = [[], [], [], []]
    m, c, ea, j = columns
    for edit in edits:
        m.append(edit.message_id)
        c.append(edit.content)
        ea.append(utc(edit.edited_at))
        j.append(None if edit.attachments is None else json.dumps(list(edit.attachments)))
    return columns


def _statements(batch: Sequence[ReplyChanges]) -> list[tuple[str, Sequence[object]]]:
    """The batch as statements with their parameters, in the order they must run."""
    statements: list[tuple[str, Sequence[object]]] = []
    for changes in batch:
        if changes.deletes:
            statements.append((_DELETE, [[int(i) for i in changes.deletes]]))
        if changes.upserts:
            statements.append((_UPSERT, _upsert_columns(changes.upserts)))
        if changes.edits:
            statements.append((_EDIT, _edit_columns(changes.edits)))
        if changes.read_up_to:
            statements.append((_READ_UP_TO, [list(changes.read_up_to), list(changes.read_up_to.values())]))
        if changes.forget_thread is not None:
            statements.append((_DELETE_THREAD, [changes.forget_thread]))
            statements.append((_GONE, [changes.forget_thread]))
    return statements


class PostgresReplies:
    """``ports.Replies`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def apply(self, batch: Sequence[ReplyChanges]) -> None:
        statements = _statements(batch)
        if len(statements) == 1:
            # A burst of new replies is one upsert: a single statement is a transaction of its
            # own, and BEGIN and COMMIT would add two round trips to the one that does the work.
            sql, params = statements[0]
            await self._db.execute(sql, *params)
            return
        if not statements:
            return
        async with self._db.transaction() as tx:
            for sql, params in statements:
                await tx.execute(sql, *params)

    async def for_thread(self, thread_id: int) -> list[Reply]:
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM replies WHERE thread_id = $1 ORDER BY created_at, message_id", thread_id
        )
        return [_reply(r) for r in rows]

    async def latest_id(self, thread_id: int) -> int | None:
        return await self._db.fetchval("SELECT MAX(message_id) FROM replies WHERE thread_id = $1", thread_id)

    async def latest_ids(self) -> dict[int, int]:
        rows = await self._db.fetch("SELECT thread_id, MAX(message_id) AS m FROM replies GROUP BY thread_id")
        return {r["thread_id"]: r["m"] for r in rows}

    async def reading(self) -> ThreadReading:
        rows = await self._db.fetch("SELECT thread_id, message_id, gone FROM thread_reads")
        return ThreadReading(
            read_up_to={
                r["thread_id"]: r["message_id"] for r in rows if not r["gone"] and r["message_id"] is not None
            },
            gone=frozenset(r["thread_id"] for r in rows if r["gone"]),
        )

    async def stats(
        self, guild_id: int, thread_ids: Collection[int] | None = None, *, top: int = 5
    ) -> ReplyStats:
        where = "guild_id = $1"
        params: list[object] = [guild_id]
        if thread_ids is not None:
            where += " AND thread_id = ANY($2::bigint[])"
            params.append([int(t) for t in thread_ids])
        limit = f"${len(params) + 1}"
        # One snapshot for the totals and the ranking: a repeatable-read transaction would cost
        # two more statements, so both come from one query over the same rows.
        rows = await self._db.fetch(
            "WITH mine AS (SELECT author_id, author_name, created_at, message_id "
            f"FROM replies WHERE {where}), "
            "ranked AS (SELECT author_id, COUNT(*) AS n, MAX(created_at) AS last, "
            "(ARRAY_AGG(author_name ORDER BY created_at DESC, message_id DESC))[1] AS name "
            "FROM mine GROUP BY author_id ORDER BY n DESC, last ASC, author_id LIMIT " + limit + ") "
            "SELECT (SELECT COUNT(*) FROM mine) AS total, "
            "(SELECT COUNT(DISTINCT author_id) FROM mine) AS people, "
            "ranked.author_id, ranked.name, ranked.n FROM (SELECT 1) AS one "
            "LEFT JOIN ranked ON true ORDER BY ranked.n DESC, ranked.last ASC, ranked.author_id",
            *params,
            top,
        )
        first = rows[0]
        return ReplyStats(
            replies=first["total"],
            participants=first["people"],
            top=tuple(
                AuthorCount(r["author_id"], r["name"], r["n"]) for r in rows if r["author_id"] is not None
            ),
        )

    async def activity(
        self,
        guild_id: int,
        *,
        thread_ids: Collection[int] | None = None,
        author_id: int | None = None,
    ) -> list[ReplyActivity]:
        where = "guild_id = $1"
        params: list[object] = [guild_id]
        if thread_ids is not None:
            params.append([int(t) for t in thread_ids])
            where += f" AND thread_id = ANY(${len(params)}::bigint[])"
        if author_id is not None:
            params.append(author_id)
            where += f" AND author_id = ${len(params)}"
        rows = await self._db.fetch(
            "SELECT thread_id, author_id, author_name, message_id, created_at FROM replies "
            f"WHERE {where} ORDER BY created_at, message_id",
            *params,
        )
        return [
            ReplyActivity(r["thread_id"], r["author_id"], r["author_name"], r["message_id"], r["created_at"])
            for r in rows
        ]

    async def earliest(
        self, guild_id: int, author_ids: Collection[int], *, excluding_thread: int
    ) -> dict[int, datetime]:
        rows = await self._db.fetch(
            "SELECT author_id, MIN(created_at) AS first FROM replies WHERE guild_id = $1 "
            "AND author_id = ANY($2::bigint[]) AND thread_id <> $3 GROUP BY author_id",
            guild_id,
            [int(a) for a in author_ids],
            excluding_thread,
        )
        return {r["author_id"]: r["first"] for r in rows}
