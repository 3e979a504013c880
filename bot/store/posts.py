"""Lesson posts: which lesson went to which server, channel, message and discussion thread.

The thread id links a post to its replies (``bot.store.replies``); the collector loads the set of
thread ids at start-up so it knows which channels' messages to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.database import Database, Row, parse_utc, parse_utc_or_none, utc_text

_COLUMNS = "id, guild_id, channel_id, message_id, thread_id, lesson_id, posted_at, schedule_id, occurrence"


@dataclass(frozen=True)
class Post:
    id: int
    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int | None
    lesson_id: str
    posted_at: datetime
    schedule_id: int | None = None
    occurrence: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> Post:
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            lesson_id=row["lesson_id"],
            posted_at=parse_utc(row["posted_at"]),
            schedule_id=row["schedule_id"],
            occurrence=parse_utc_or_none(row["occurrence"]),
        )


async def record_post(
    db: Database,
    *,
    guild_id: int,
    channel_id: int,
    message_id: int,
    thread_id: int | None,
    lesson_id: str,
    posted_at: datetime,
    schedule_id: int | None = None,
    occurrence: datetime | None = None,
) -> Post:
    """Record a lesson that was just posted and return it with its id."""
    post_id = await db.insert(
        "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, lesson_id, posted_at,"
        " schedule_id, occurrence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            channel_id,
            message_id,
            thread_id,
            lesson_id,
            utc_text(posted_at),
            schedule_id,
            utc_text(occurrence) if occurrence is not None else None,
        ),
    )
    return Post(
        id=post_id,
        guild_id=guild_id,
        channel_id=channel_id,
        message_id=message_id,
        thread_id=thread_id,
        lesson_id=lesson_id,
        posted_at=parse_utc(utc_text(posted_at)),
        schedule_id=schedule_id,
        occurrence=parse_utc(utc_text(occurrence)) if occurrence is not None else None,
    )


async def latest_post(db: Database, guild_id: int) -> Post | None:
    """The most recent post in the server (the default of ``/lesson show`` and ``/discussion``)."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM posts WHERE guild_id = ? ORDER BY posted_at DESC, id DESC LIMIT 1",
        (guild_id,),
    )
    return Post.from_row(row) if row is not None else None


async def posts_for_lesson(db: Database, guild_id: int, lesson_id: str) -> list[Post]:
    """Every post of one lesson in the server, oldest first (a lesson may be posted again)."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM posts WHERE guild_id = ? AND lesson_id = ? ORDER BY posted_at, id",
        (guild_id, lesson_id),
    )
    return [Post.from_row(r) for r in rows]


async def post_by_thread(db: Database, thread_id: int) -> Post | None:
    """The post whose discussion thread this is, if any."""
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM posts WHERE thread_id = ?", (thread_id,))
    return Post.from_row(row) if row is not None else None


async def posted_lesson_ids(db: Database, guild_id: int) -> set[str]:
    """The lessons already posted in the server (the weekly queue skips them)."""
    rows = await db.fetch_all("SELECT DISTINCT lesson_id FROM posts WHERE guild_id = ?", (guild_id,))
    return {r["lesson_id"] for r in rows}


async def posts_in_guild(db: Database, guild_id: int) -> list[Post]:
    """All posts of the server, oldest first (``/lesson list``)."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM posts WHERE guild_id = ? ORDER BY posted_at, id", (guild_id,)
    )
    return [Post.from_row(r) for r in rows]


async def all_threads(db: Database) -> list[Post]:
    """Every post that has a discussion thread, in every server (start-up tracking and backfill)."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM posts WHERE thread_id IS NOT NULL ORDER BY posted_at, id"
    )
    return [Post.from_row(r) for r in rows]


async def post_for_occurrence(db: Database, schedule_id: int, occurrence: datetime) -> Post | None:
    """The post a schedule made for one occurrence, if it got as far as being recorded.

    A retry after a crash asks this first, so a post recorded just before the crash is not sent
    again (for a weekly schedule, not even as the *next* lesson of the queue).
    """
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM posts WHERE schedule_id = ? AND occurrence = ?",
        (schedule_id, utc_text(occurrence)),
    )
    return Post.from_row(row) if row is not None else None
