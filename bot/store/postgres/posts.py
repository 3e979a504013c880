"""Lesson posts in PostgreSQL (table ``posts``)."""

from __future__ import annotations

from datetime import datetime

from bot.store.postgres.connection import Connection, Record, utc, utc_or_none
from bot.store.postgres.shards import shard_sql
from bot.store.rows import NewPost, Post, ShardSet

_COLUMNS = "id, guild_id, channel_id, message_id, thread_id, lesson_id, posted_at, schedule_id, occurrence"


def _post(row: Record) -> Post:
    return Post(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        lesson_id=row["lesson_id"],
        posted_at=row["posted_at"],
        schedule_id=row["schedule_id"],
        occurrence=row["occurrence"],
    )


class PostgresPosts:
    """``ports.Posts`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def _all(self, where: str, *params: object) -> list[Post]:
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM posts WHERE {where} ORDER BY posted_at, id", *params
        )
        return [_post(r) for r in rows]

    async def record(self, post: NewPost) -> Post:
        row = await self._db.fetchrow(
            "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, lesson_id, posted_at, "
            f"schedule_id, occurrence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_COLUMNS}",
            post.guild_id,
            post.channel_id,
            post.message_id,
            post.thread_id,
            post.lesson_id,
            utc(post.posted_at),
            post.schedule_id,
            utc_or_none(post.occurrence),
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _post(row)

    async def latest(self, guild_id: int) -> Post | None:
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM posts WHERE guild_id = $1 ORDER BY posted_at DESC, id DESC LIMIT 1",
            guild_id,
        )
        return None if row is None else _post(row)

    async def for_lesson(self, guild_id: int, lesson_id: str) -> list[Post]:
        return await self._all("guild_id = $1 AND lesson_id = $2", guild_id, lesson_id)

    async def in_guild(self, guild_id: int) -> list[Post]:
        return await self._all("guild_id = $1", guild_id)

    async def posted_lesson_ids(self, guild_id: int) -> set[str]:
        rows = await self._db.fetch("SELECT DISTINCT lesson_id FROM posts WHERE guild_id = $1", guild_id)
        return {r["lesson_id"] for r in rows}

    async def with_threads(self, *, shards: ShardSet | None = None) -> list[Post]:
        where, params = shard_sql(shards, 1)
        return await self._all(f"thread_id IS NOT NULL{where}", *params)

    async def for_occurrence(self, schedule_id: int, occurrence: datetime) -> Post | None:
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM posts WHERE schedule_id = $1 AND occurrence = $2 ORDER BY id LIMIT 1",
            schedule_id,
            utc(occurrence),
        )
        return None if row is None else _post(row)
