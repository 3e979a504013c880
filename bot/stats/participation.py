"""How many replied, and who replied most: per lesson, and over a server's recent lessons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.stats.records import LessonActivity, PostedLesson, ReplyRecord, in_posting_order

__all__ = [
    "CHART_LESSONS",
    "LessonFigures",
    "MemberCount",
    "latest_names",
    "lesson_figures",
    "lesson_series",
    "most_active",
]

CHART_LESSONS = 12  # how many of the latest lessons the server overview shows


@dataclass(frozen=True, slots=True)
class LessonFigures:
    """A lesson's replies (messages) and participants (distinct authors)."""

    lesson: PostedLesson
    replies: int
    participants: int


@dataclass(frozen=True, slots=True)
class MemberCount:
    """A member and how many replies they wrote, under their latest display name."""

    author_id: int
    name: str
    replies: int


def lesson_figures(activity: LessonActivity) -> LessonFigures:
    replies = activity.replies
    return LessonFigures(activity.lesson, len(replies), len({r.author_id for r in replies}))


def lesson_series(history: Iterable[LessonActivity], last: int = CHART_LESSONS) -> list[LessonFigures]:
    """The figures of the ``last`` most recently posted lessons, oldest first (as a chart reads)."""
    ordered = in_posting_order(history)
    return [lesson_figures(a) for a in ordered[max(0, len(ordered) - last) :]] if last > 0 else []


def latest_names(replies: Iterable[ReplyRecord]) -> dict[int, str]:
    """Each author's display name as of their latest reply (names change; the newest is theirs now)."""
    newest: dict[int, ReplyRecord] = {}
    for reply in replies:
        seen = newest.get(reply.author_id)
        if seen is None or (reply.created_at, reply.message_id) > (seen.created_at, seen.message_id):
            newest[reply.author_id] = reply
    return {author: reply.author_name for author, reply in newest.items()}


def most_active(replies: Sequence[ReplyRecord], limit: int = 5) -> list[MemberCount]:
    """The members with the most replies, at most ``limit`` of them.

    Ties go to whoever's latest reply came first (they got there first), then the lower id, the
    same order as the store's ``replies.stats`` so both views agree.
    """
    counts: dict[int, int] = {}
    last: dict[int, tuple[datetime, int]] = {}
    for reply in replies:
        counts[reply.author_id] = counts.get(reply.author_id, 0) + 1
        key = (reply.created_at, reply.message_id)
        if reply.author_id not in last or key > last[reply.author_id]:
            last[reply.author_id] = key
    names = latest_names(replies)
    ranked = sorted(counts, key=lambda a: (-counts[a], last[a], a))
    return [MemberCount(a, names[a], counts[a]) for a in ranked[: max(0, limit)]]
