"""Compact builders for participation histories: a lesson per week, replies as (author, minutes in)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.stats.records import LessonActivity, PostedLesson, ReplyRecord

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GUILD = 111
CHANNEL = 222
NAMES = {1: "Ada", 2: "Bo", 3: "Cy", 4: "Di", 5: "Ed"}

# (author id, minutes after the post, reactions)
Reply = tuple[int, int, int] | tuple[int, int]


def posting(index: int, *, week: int | None = None, closes_days: float | None = 7) -> PostedLesson:
    posted = START + timedelta(weeks=index if week is None else week)
    return PostedLesson(
        post_id=index + 1,
        lesson_id=f"lesson-{index + 1}",
        title=f"Lesson {index + 1}",
        posted_at=posted,
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=10_000 + index,
        thread_id=20_000 + index,
        closes_at=None if closes_days is None else posted + timedelta(days=closes_days),
    )


def activity(lesson: PostedLesson, replies: Sequence[Reply]) -> LessonActivity:
    records = []
    for n, spec in enumerate(replies):
        author, minutes = spec[0], spec[1]
        reactions = spec[2] if len(spec) > 2 else 0
        records.append(
            ReplyRecord(
                author_id=author,
                author_name=NAMES.get(author, f"member{author}"),
                message_id=lesson.message_id * 1000 + n,
                created_at=lesson.posted_at + timedelta(minutes=minutes),
                reactions=reactions,
            )
        )
    return LessonActivity(lesson, tuple(records))


def history(*weeks: Sequence[Reply], closes_days: float | None = 7) -> list[LessonActivity]:
    """One posting a week, in order, with the given replies."""
    return [activity(posting(i, closes_days=closes_days), replies) for i, replies in enumerate(weeks)]
