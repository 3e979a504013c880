"""A server's posted lessons and who replied, read from the store as ``bot.stats`` records.

The one bridge between the store's rows and the pure participation maths: /stats and the
discussions' reminders and digests read through here, so they count the same way. Replies come
without their text (``Replies.activity``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.stats.records import LessonActivity, PostedLesson, ReplyRecord
from bot.store.rows import Post, ReplyActivity

if TYPE_CHECKING:
    from bot.app import StudyBot


def posted_lesson(post: Post, title: str) -> PostedLesson:
    return PostedLesson(
        post_id=post.id,
        lesson_id=post.lesson_id,
        title=title,
        posted_at=post.posted_at,
        guild_id=post.guild_id,
        channel_id=post.channel_id,
        message_id=post.message_id,
        thread_id=post.thread_id,
        closes_at=post.closes_at,
    )


def reply_record(row: ReplyActivity, reactions: int = 0) -> ReplyRecord:
    return ReplyRecord(row.author_id, row.author_name, row.message_id, row.created_at, reactions)


async def titles(bot: StudyBot, guild_id: int, posts: Iterable[Post]) -> dict[str, str]:
    """Each posted lesson's title as the server sees it (its id if the lesson is gone)."""
    view = await bot.content.view(guild_id)
    found: dict[str, str] = {}
    for post in posts:
        lesson = view.lesson(post.lesson_id)
        found[post.lesson_id] = lesson.title if lesson is not None else post.lesson_id
    return found


async def lesson_history(
    bot: StudyBot, guild_id: int, posts: Sequence[Post], *, author_id: int | None = None
) -> list[LessonActivity]:
    """``posts`` (of one server) with their threads' replies (only ``author_id``'s when given),
    in one read of the replies."""
    threads = [p.thread_id for p in posts if p.thread_id is not None]
    rows = (
        await bot.store.replies.activity(guild_id, thread_ids=threads, author_id=author_id) if threads else []
    )
    by_thread: dict[int, list[ReplyRecord]] = {}
    for row in rows:
        by_thread.setdefault(row.thread_id, []).append(reply_record(row))
    named = await titles(bot, guild_id, posts)
    return [
        LessonActivity(
            posted_lesson(post, named[post.lesson_id]),
            tuple(by_thread.get(post.thread_id, ())) if post.thread_id is not None else (),
        )
        for post in posts
    ]
