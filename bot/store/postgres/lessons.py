"""Lessons and concepts added in a server, in PostgreSQL (tables ``server_lessons``, ``server_concepts``).

Each change is one transaction holding a per-server advisory lock: the title check, the free id,
the lesson, its concept and the tidying of concepts no lesson teaches any more happen together,
and two processes changing the same server's lessons take turns (a check-then-insert would
otherwise race). See ``bot.store.ports.ServerLessons`` for the contract.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.store.postgres.connection import Connection, Record, Tx, utc
from bot.store.rows import AddedConcept, AddedContent, AddedLesson, LessonText, NewConcept, Refused

_LESSON_COLUMNS = (
    "position, guild_id, lesson_id, title, document, concept_key, added_by, added_at, edited_by, edited_at"
)
_SERVED = "guild_id = $1 AND lesson_id = $2 AND removed_at IS NULL"
# One lock per server's lessons, on any key no other lock user of the database picks.
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('studybot.server_lessons', $1))"


def _lesson(row: Record) -> AddedLesson:
    return AddedLesson(
        position=row["position"],
        guild_id=row["guild_id"],
        lesson_id=row["lesson_id"],
        title=row["title"],
        document=row["document"],
        concept_key=row["concept_key"],
        added_by=row["added_by"],
        added_at=row["added_at"],
        edited_by=row["edited_by"],
        edited_at=row["edited_at"],
    )


async def _served(tx: Tx, guild_id: int, lesson_id: str) -> AddedLesson | None:
    row = await tx.fetchrow(
        f"SELECT {_LESSON_COLUMNS} FROM server_lessons WHERE {_SERVED}", guild_id, lesson_id
    )
    return None if row is None else _lesson(row)


async def _title_holder(
    tx: Tx, guild_id: int, title_key: str, *, other_than: str | None = None
) -> str | None:
    return await tx.fetchval(
        "SELECT lesson_id FROM server_lessons WHERE guild_id = $1 AND title_key = $2 AND removed_at IS NULL"
        " AND lesson_id IS DISTINCT FROM $3",
        guild_id,
        title_key,
        other_than,
    )


async def _free_id(tx: Tx, guild_id: int, wanted: str, reserved: Collection[str]) -> str:
    """``wanted``, or the first of ``wanted-2``, ``wanted-3``, ... that no lesson of the server
    (even a removed one) has and that is not reserved."""
    rows = await tx.fetch(
        "SELECT lesson_id FROM server_lessons WHERE guild_id = $1"
        " AND (lesson_id = $2 OR starts_with(lesson_id, $3))",
        guild_id,
        wanted,
        wanted + "-",
    )
    taken = {r["lesson_id"] for r in rows}
    candidate, number = wanted, 1
    while candidate in taken or candidate in reserved:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


async def _define(tx: Tx, guild_id: int, lesson_id: str, concept: NewConcept | None) -> None:
    """A new concept joins the server, defined by this lesson; one this lesson defines changes."""
    if concept is None:
        return
    await tx.execute(
        "INSERT INTO server_concepts (guild_id, key, term, definition, lesson_id) "
        "VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET term = excluded.term, definition = excluded.definition "
        "WHERE server_concepts.lesson_id = excluded.lesson_id",
        guild_id,
        concept.key,
        concept.term,
        concept.definition,
        lesson_id,
    )


async def _tidy(tx: Tx, guild_id: int) -> None:
    """Concepts no served lesson teaches leave; one whose defining lesson no longer teaches it
    passes to the earliest served lesson that does."""
    await tx.execute(
        "DELETE FROM server_concepts c WHERE c.guild_id = $1 AND NOT EXISTS ("
        " SELECT 1 FROM server_lessons l WHERE l.guild_id = $1 AND l.concept_key = c.key"
        " AND l.removed_at IS NULL)",
        guild_id,
    )
    await tx.execute(
        "UPDATE server_concepts c SET lesson_id = ("
        "  SELECT l.lesson_id FROM server_lessons l WHERE l.guild_id = c.guild_id"
        "  AND l.concept_key = c.key AND l.removed_at IS NULL ORDER BY l.position LIMIT 1)"
        " WHERE c.guild_id = $1 AND NOT EXISTS ("
        "  SELECT 1 FROM server_lessons l WHERE l.guild_id = c.guild_id"
        "  AND l.lesson_id = c.lesson_id AND l.concept_key = c.key AND l.removed_at IS NULL)",
        guild_id,
    )


class PostgresServerLessons:
    """``ports.ServerLessons`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def add(
        self,
        guild_id: int,
        lesson_id: str,
        text: LessonText,
        *,
        by: int,
        at: datetime,
        reserved: Collection[str] = (),
    ) -> AddedLesson | Refused:
        text.check()
        at = utc(at)
        async with self._db.transaction() as tx:
            await tx.execute(_LOCK, guild_id)
            holder = await _title_holder(tx, guild_id, text.title_key)
            if holder is not None:
                return Refused("title_taken", lesson_id=holder)
            lesson_id = await _free_id(tx, guild_id, lesson_id, reserved)
            row = await tx.fetchrow(
                "INSERT INTO server_lessons (guild_id, lesson_id, title, title_key, article, document,"
                " concept_key, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                f" RETURNING {_LESSON_COLUMNS}",
                guild_id,
                lesson_id,
                text.title,
                text.title_key,
                text.article,
                text.document,
                text.concept_key,
                by,
                at,
            )
            await _define(tx, guild_id, lesson_id, text.concept)
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _lesson(row)

    async def replace(
        self, guild_id: int, lesson_id: str, text: LessonText, *, by: int, at: datetime
    ) -> AddedLesson | Refused:
        text.check()
        at = utc(at)
        async with self._db.transaction() as tx:
            await tx.execute(_LOCK, guild_id)
            if await _served(tx, guild_id, lesson_id) is None:
                return Refused("unknown", lesson_id=lesson_id)
            holder = await _title_holder(tx, guild_id, text.title_key, other_than=lesson_id)
            if holder is not None:
                return Refused("title_taken", lesson_id=holder)
            row = await tx.fetchrow(
                "UPDATE server_lessons SET title = $3, title_key = $4, article = $5, document = $6, "
                f"concept_key = $7, edited_by = $8, edited_at = $9 WHERE {_SERVED} "
                f"RETURNING {_LESSON_COLUMNS}",
                guild_id,
                lesson_id,
                text.title,
                text.title_key,
                text.article,
                text.document,
                text.concept_key,
                by,
                at,
            )
            await _define(tx, guild_id, lesson_id, text.concept)
            await _tidy(tx, guild_id)
        assert row is not None  # the lesson is served: checked above, under the lock
        return _lesson(row)

    async def remove(self, guild_id: int, lesson_id: str, *, by: int, at: datetime) -> AddedLesson | Refused:
        at = utc(at)
        async with self._db.transaction() as tx:
            await tx.execute(_LOCK, guild_id)
            lesson = await _served(tx, guild_id, lesson_id)
            if lesson is None:
                return Refused("unknown", lesson_id=lesson_id)
            booking = await tx.fetchval(
                "SELECT id FROM schedules WHERE guild_id = $1 AND lesson_id = $2 AND kind = 'once'"
                " AND state = 'pending' ORDER BY id LIMIT 1",
                guild_id,
                lesson_id,
            )
            if booking is not None:
                return Refused("booked", lesson_id=lesson_id, schedule_id=booking)
            await tx.execute(
                f"UPDATE server_lessons SET removed_by = $3, removed_at = $4 WHERE {_SERVED}",
                guild_id,
                lesson_id,
                by,
                at,
            )
            await _tidy(tx, guild_id)
        return lesson

    async def content(self, guild_id: int) -> AddedContent:
        async with self._db.transaction(snapshot=True) as tx:  # a change never lands between the reads
            lessons = await tx.fetch(
                f"SELECT {_LESSON_COLUMNS} FROM server_lessons WHERE guild_id = $1 AND removed_at IS NULL"
                " ORDER BY position",
                guild_id,
            )
            concepts = await tx.fetch(
                "SELECT guild_id, key, term, definition, lesson_id FROM server_concepts"
                ' WHERE guild_id = $1 ORDER BY key COLLATE "C"',  # byte order, as SQLite sorts
                guild_id,
            )
        return AddedContent(
            lessons=tuple(_lesson(r) for r in lessons),
            concepts=tuple(
                AddedConcept(r["guild_id"], r["key"], r["term"], r["definition"], r["lesson_id"])
                for r in concepts
            ),
        )

    async def article(self, guild_id: int, lesson_id: str) -> str | None:
        return await self._db.fetchval(
            f"SELECT article FROM server_lessons WHERE {_SERVED}", guild_id, lesson_id
        )
