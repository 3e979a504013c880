"""Lesson posts in SQLite (table ``posts``), and the jobs of their discussions (``schedules``)."""

from __future__ import annotations

from datetime import datetime

from bot.store.rows import NewPost, Post, ShardSet
from bot.store.sqlite.codec import from_text, from_text_or_none, to_text, to_text_or_none
from bot.store.sqlite.connection import Connection, Row, Sql
from bot.store.sqlite.shards import shard_sql

_COLUMNS = (
    "id, guild_id, channel_id, message_id, thread_id, lesson_id, posted_at, schedule_id, occurrence, "
    "closes_at"
)

# The discussions still open in the channel close now: their close moves to the new post's time
# (never later than planned), their reminder is dropped.
_CLOSE_EARLIER = (
    "UPDATE schedules SET next_run = ? WHERE kind = 'close' AND state = 'pending' AND post_id IS NOT NULL "
    "AND channel_id = ? AND guild_id = ? AND post_id != ? AND next_run > ?"
)
_DROP_REMINDERS = (
    "UPDATE schedules SET state = 'cancelled', next_run = NULL WHERE kind = 'remind' AND state = 'pending' "
    "AND post_id IS NOT NULL AND channel_id = ? AND guild_id = ? AND post_id != ?"
)
_JOB = (
    "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, timezone, next_run, state, created_by, "
    "created_at, post_id) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)"
)


def _post(row: Row) -> Post:
    return Post(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        message_id=int(row["message_id"]),
        thread_id=row["thread_id"],
        lesson_id=row["lesson_id"],
        posted_at=from_text(row["posted_at"]),
        schedule_id=row["schedule_id"],
        occurrence=from_text_or_none(row["occurrence"]),
        closes_at=from_text_or_none(row["closes_at"]),
    )


def _record(sql: Sql, post: NewPost) -> int:
    posted_at = to_text(post.posted_at)
    window = post.discussion
    with sql.transaction():
        post_id = sql.insert(
            "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, lesson_id, posted_at,"
            " schedule_id, occurrence, closes_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                post.guild_id,
                post.channel_id,
                post.message_id,
                post.thread_id,
                post.lesson_id,
                posted_at,
                post.schedule_id,
                to_text_or_none(post.occurrence),
                None if window is None else to_text(window.closes_at),
            ),
        )
        where = (post.channel_id, post.guild_id, post_id)
        sql.execute(_CLOSE_EARLIER, (posted_at, *where, posted_at))
        sql.execute(_DROP_REMINDERS, where)
        if window is not None:
            jobs = [("close", window.closes_at)]
            if window.remind_at is not None and window.remind_at > post.posted_at:
                jobs.append(("remind", window.remind_at))
            sql.executemany(
                _JOB,
                [
                    (
                        post.guild_id,
                        post.channel_id,
                        kind,
                        post.lesson_id,
                        window.timezone,
                        to_text(at),
                        window.created_by,
                        posted_at,
                        post_id,
                    )
                    for kind, at in jobs
                ],
            )
    return post_id


def _one(sql: Sql, where: str, params: tuple[object, ...]) -> Post | None:
    row = sql.one(f"SELECT {_COLUMNS} FROM posts WHERE {where}", params)
    return None if row is None else _post(row)


def _all(sql: Sql, where: str, params: list[object] | tuple[object, ...]) -> list[Post]:
    return [
        _post(r)
        for r in sql.all(f"SELECT {_COLUMNS} FROM posts WHERE {where} ORDER BY posted_at, id", params)
    ]


def _lesson_ids(sql: Sql, guild_id: int) -> set[str]:
    return {
        r["lesson_id"]
        for r in sql.all("SELECT DISTINCT lesson_id FROM posts WHERE guild_id = ?", (guild_id,))
    }


class SqlitePosts:
    """``ports.Posts`` over SQLite."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def record(self, post: NewPost) -> Post:
        post_id = await self._db.run(_record, post)
        window = post.discussion
        return Post(
            id=post_id,
            guild_id=post.guild_id,
            channel_id=post.channel_id,
            message_id=post.message_id,
            thread_id=post.thread_id,
            lesson_id=post.lesson_id,
            posted_at=from_text(to_text(post.posted_at)),
            schedule_id=post.schedule_id,
            occurrence=from_text_or_none(to_text_or_none(post.occurrence)),
            closes_at=None if window is None else from_text(to_text(window.closes_at)),
        )

    async def get(self, post_id: int) -> Post | None:
        return await self._db.run(_one, "id = ?", (post_id,))

    async def latest(self, guild_id: int) -> Post | None:
        return await self._db.run(_one, "guild_id = ? ORDER BY posted_at DESC, id DESC LIMIT 1", (guild_id,))

    async def for_lesson(self, guild_id: int, lesson_id: str) -> list[Post]:
        return await self._db.run(_all, "guild_id = ? AND lesson_id = ?", (guild_id, lesson_id))

    async def in_guild(self, guild_id: int) -> list[Post]:
        return await self._db.run(_all, "guild_id = ?", (guild_id,))

    async def posted_lesson_ids(self, guild_id: int) -> set[str]:
        return await self._db.run(_lesson_ids, guild_id)

    async def with_threads(self, *, shards: ShardSet | None = None) -> list[Post]:
        where, params = shard_sql(shards)
        return await self._db.run(_all, f"thread_id IS NOT NULL{where}", params)

    async def for_occurrence(self, schedule_id: int, occurrence: datetime) -> Post | None:
        return await self._db.run(
            _one, "schedule_id = ? AND occurrence = ?", (schedule_id, to_text(occurrence))
        )
