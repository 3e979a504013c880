"""Lessons and concepts added in a server, in SQLite (tables ``server_lessons``, ``server_concepts``).

Each change is one ``BEGIN IMMEDIATE`` transaction: the title check, the id, the lesson, its
concept and the tidying of concepts no lesson teaches any more happen together or not at all.
See ``bot.store.ports.ServerLessons`` for the contract.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.store.rows import AddedConcept, AddedContent, AddedLesson, LessonText, NewConcept, Refused
from bot.store.sqlite.codec import from_text, from_text_or_none, to_text
from bot.store.sqlite.connection import Connection, Row, Sql

_LESSON_COLUMNS = (
    "position, guild_id, lesson_id, title, document, concept_key, added_by, added_at, edited_by, edited_at"
)
_SERVED = "guild_id = ? AND lesson_id = ? AND removed_at IS NULL"


def _lesson(row: Row) -> AddedLesson:
    return AddedLesson(
        position=int(row["position"]),
        guild_id=int(row["guild_id"]),
        lesson_id=row["lesson_id"],
        title=row["title"],
        document=row["document"],
        concept_key=row["concept_key"],
        added_by=int(row["added_by"]),
        added_at=from_text(row["added_at"]),
        edited_by=row["edited_by"],
        edited_at=from_text_or_none(row["edited_at"]),
    )


def _served(sql: Sql, guild_id: int, lesson_id: str) -> AddedLesson | None:
    row = sql.one(f"SELECT {_LESSON_COLUMNS} FROM server_lessons WHERE {_SERVED}", (guild_id, lesson_id))
    return None if row is None else _lesson(row)


def _title_holder(sql: Sql, guild_id: int, title_key: str, *, other_than: str | None = None) -> str | None:
    row = sql.one(
        "SELECT lesson_id FROM server_lessons WHERE guild_id = ? AND title_key = ? AND removed_at IS NULL"
        " AND lesson_id IS NOT ?",
        (guild_id, title_key, other_than),
    )
    return None if row is None else str(row["lesson_id"])


def _free_id(sql: Sql, guild_id: int, wanted: str, reserved: Collection[str]) -> str:
    """``wanted``, or the first of ``wanted-2``, ``wanted-3``, ... that no lesson of the server
    (even a removed one) has and that is not reserved."""
    rows = sql.all(
        "SELECT lesson_id FROM server_lessons WHERE guild_id = ?"
        " AND (lesson_id = ? OR substr(lesson_id, 1, ?) = ?)",
        (guild_id, wanted, len(wanted) + 1, wanted + "-"),
    )
    taken = {str(r["lesson_id"]) for r in rows}
    candidate, number = wanted, 1
    while candidate in taken or candidate in reserved:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def _text_params(text: LessonText) -> tuple[str, str, str, str, str]:
    return (text.title, text.title_key, text.article, text.document, text.concept_key)


def _define(sql: Sql, guild_id: int, lesson_id: str, concept: NewConcept | None) -> None:
    """A new concept joins the server, defined by this lesson; one this lesson defines changes."""
    if concept is None:
        return
    row = sql.one(
        "SELECT lesson_id FROM server_concepts WHERE guild_id = ? AND key = ?", (guild_id, concept.key)
    )
    if row is None:
        sql.execute(
            "INSERT INTO server_concepts (guild_id, key, term, definition, lesson_id) VALUES (?, ?, ?, ?, ?)",
            (guild_id, concept.key, concept.term, concept.definition, lesson_id),
        )
    elif row["lesson_id"] == lesson_id:
        sql.execute(
            "UPDATE server_concepts SET term = ?, definition = ? WHERE guild_id = ? AND key = ?",
            (concept.term, concept.definition, guild_id, concept.key),
        )


def _tidy(sql: Sql, guild_id: int) -> None:
    """Concepts no served lesson teaches leave; one whose defining lesson no longer teaches it
    passes to the earliest served lesson that does."""
    sql.execute(
        "DELETE FROM server_concepts WHERE guild_id = ? AND key NOT IN"
        " (SELECT concept_key FROM server_lessons WHERE guild_id = ? AND removed_at IS NULL)",
        (guild_id, guild_id),
    )
    sql.execute(
        "UPDATE server_concepts SET lesson_id = ("
        "  SELECT l.lesson_id FROM server_lessons l WHERE l.guild_id = server_concepts.guild_id"
        "  AND l.concept_key = server_concepts.key AND l.removed_at IS NULL ORDER BY l.position LIMIT 1)"
        " WHERE guild_id = ? AND NOT EXISTS ("
        "  SELECT 1 FROM server_lessons l WHERE l.guild_id = server_concepts.guild_id"
        "  AND l.lesson_id = server_concepts.lesson_id AND l.concept_key = server_concepts.key"
        "  AND l.removed_at IS NULL)",
        (guild_id,),
    )


def _add(
    sql: Sql,
    guild_id: int,
    wanted: str,
    text: LessonText,
    by: int,
    at: str,
    reserved: Collection[str],
) -> AddedLesson | Refused:
    with sql.transaction():
        holder = _title_holder(sql, guild_id, text.title_key)
        if holder is not None:
            return Refused("title_taken", lesson_id=holder)
        lesson_id = _free_id(sql, guild_id, wanted, reserved)
        sql.insert(
            "INSERT INTO server_lessons (guild_id, lesson_id, title, title_key, article, document,"
            " concept_key, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, lesson_id, *_text_params(text), by, at),
        )
        _define(sql, guild_id, lesson_id, text.concept)
        added = _served(sql, guild_id, lesson_id)
    assert added is not None
    return added


def _replace(
    sql: Sql, guild_id: int, lesson_id: str, text: LessonText, by: int, at: str
) -> AddedLesson | Refused:
    with sql.transaction():
        if _served(sql, guild_id, lesson_id) is None:
            return Refused("unknown", lesson_id=lesson_id)
        holder = _title_holder(sql, guild_id, text.title_key, other_than=lesson_id)
        if holder is not None:
            return Refused("title_taken", lesson_id=holder)
        sql.execute(
            "UPDATE server_lessons SET title = ?, title_key = ?, article = ?, document = ?, concept_key = ?,"
            f" edited_by = ?, edited_at = ? WHERE {_SERVED}",
            (*_text_params(text), by, at, guild_id, lesson_id),
        )
        _define(sql, guild_id, lesson_id, text.concept)
        _tidy(sql, guild_id)
        replaced = _served(sql, guild_id, lesson_id)
    assert replaced is not None
    return replaced


def _remove(sql: Sql, guild_id: int, lesson_id: str, by: int, at: str) -> AddedLesson | Refused:
    with sql.transaction():
        lesson = _served(sql, guild_id, lesson_id)
        if lesson is None:
            return Refused("unknown", lesson_id=lesson_id)
        booking = sql.one(
            "SELECT id FROM schedules WHERE guild_id = ? AND lesson_id = ? AND kind = 'once'"
            " AND state = 'pending' ORDER BY id LIMIT 1",
            (guild_id, lesson_id),
        )
        if booking is not None:
            return Refused("booked", lesson_id=lesson_id, schedule_id=int(booking["id"]))
        sql.execute(
            f"UPDATE server_lessons SET removed_by = ?, removed_at = ? WHERE {_SERVED}",
            (by, at, guild_id, lesson_id),
        )
        _tidy(sql, guild_id)
    return lesson


def _content(sql: Sql, guild_id: int) -> AddedContent:
    # Two reads of one snapshot: a change never lands between them.
    sql.execute("BEGIN")
    try:
        lessons = sql.all(
            f"SELECT {_LESSON_COLUMNS} FROM server_lessons WHERE guild_id = ? AND removed_at IS NULL"
            " ORDER BY position",
            (guild_id,),
        )
        concepts = sql.all(
            "SELECT guild_id, key, term, definition, lesson_id FROM server_concepts"
            " WHERE guild_id = ? ORDER BY key",
            (guild_id,),
        )
    finally:
        sql.execute("COMMIT")
    return AddedContent(
        lessons=tuple(_lesson(r) for r in lessons),
        concepts=tuple(
            AddedConcept(int(r["guild_id"]), r["key"], r["term"], r["definition"], r["lesson_id"])
            for r in concepts
        ),
    )


def _article(sql: Sql, guild_id: int, lesson_id: str) -> str | None:
    row = sql.one(f"SELECT article FROM server_lessons WHERE {_SERVED}", (guild_id, lesson_id))
    return None if row is None else str(row["article"])


class SqliteServerLessons:
    """``ports.ServerLessons`` over SQLite."""

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
        return await self._db.run(_add, guild_id, lesson_id, text, by, to_text(at), reserved)

    async def replace(
        self, guild_id: int, lesson_id: str, text: LessonText, *, by: int, at: datetime
    ) -> AddedLesson | Refused:
        text.check()
        return await self._db.run(_replace, guild_id, lesson_id, text, by, to_text(at))

    async def remove(self, guild_id: int, lesson_id: str, *, by: int, at: datetime) -> AddedLesson | Refused:
        return await self._db.run(_remove, guild_id, lesson_id, by, to_text(at))

    async def content(self, guild_id: int) -> AddedContent:
        return await self._db.run(_content, guild_id)

    async def article(self, guild_id: int, lesson_id: str) -> str | None:
        return await self._db.run(_article, guild_id, lesson_id)
