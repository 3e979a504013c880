"""Lesson posts in PostgreSQL (table ``posts``), and the jobs of their discussions (``schedules``)."""

from __future__ import annotations

from datetime import datetime

from bot.store.postgres.connection import Connection, Record, utc, utc_or_none
from bot.store.postgres.shards import shard_sql
from bot.store.rows import NewPost, Post, ShardSet

_COLUMNS = (
    "id, guild_id, channel_id, message_id, thread_id, lesson_id, posted_at, schedule_id, occurrence, "
    "closes_at"
)

# The discussions still open in the channel close now: their close moves to the new post's time
# (never later than planned), their reminder is dropped.
_CLOSE_EARLIER = (
    "UPDATE schedules SET next_run = $1 WHERE kind = 'close' AND state = 'pending' AND post_id IS NOT NULL "
    "AND channel_id = $2 AND guild_id = $3 AND post_id <> $4 AND next_run > $1"
)
_DROP_REMINDERS = (
    "UPDATE schedules SET state = 'cancelled', next_run = NULL WHERE kind = 'remind' AND state = 'pending' "
    "AND post_id IS NOT NULL AND channel_id = $1 AND guild_id = $2 AND post_id <> $3"
)
_JOB = (
    "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, timezone, next_run, state, created_by, "
    "created_at, post_id) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9)"
)


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
        closes_at=row["closes_at"],
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
        posted_at = utc(post.posted_at)
        window = post.discussion
        jobs: list[tuple[str, datetime]] = []
        if window is not None:
            jobs.append(("close", utc(window.closes_at)))
            if window.remind_at is not None and utc(window.remind_at) > posted_at:
                jobs.append(("remind", utc(window.remind_at)))
        async with self._db.transaction() as tx:
            row = await tx.fetchrow(
                "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, lesson_id, posted_at, "
                "schedule_id, occurrence, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                f"RETURNING {_COLUMNS}",
                post.guild_id,
                post.channel_id,
                post.message_id,
                post.thread_id,
                post.lesson_id,
                posted_at,
                post.schedule_id,
                utc_or_none(post.occurrence),
                None if window is None else utc(window.closes_at),
            )
            assert row is not None  # INSERT ... RETURNING always returns the row
            recorded = _post(row)
            await tx.execute(_CLOSE_EARLIER, posted_at, post.channel_id, post.guild_id, recorded.id)
            await tx.execute(_DROP_REMINDERS, post.channel_id, post.guild_id, recorded.id)
            for kind, at in jobs:
                assert window is not None
                await tx.execute(
                    _JOB,
                    post.guild_id,
                    post.channel_id,
                    kind,
                    post.lesson_id,
                    window.timezone,
                    at,
                    window.created_by,
                    posted_at,
                    recorded.id,
                )
        return recorded

    async def get(self, post_id: int) -> Post | None:
        row = await self._db.fetchrow(f"SELECT {_COLUMNS} FROM posts WHERE id = $1", post_id)
        return None if row is None else _post(row)

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
