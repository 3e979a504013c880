"""The plain values participation is computed from: a server's posted lessons and their replies.

The store hands these over; nothing here knows where they came from. Times are aware datetimes
(UTC in practice); a lesson posted twice in a server is two postings, told apart by ``post_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["LessonActivity", "PostedLesson", "ReplyRecord", "in_posting_order"]


@dataclass(frozen=True, slots=True)
class PostedLesson:
    """One posting of a lesson in a server: where its article and its discussion thread are."""

    post_id: int
    lesson_id: str
    title: str
    posted_at: datetime
    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int | None
    # When its discussion window ends (None: unknown). Only used to tell whether the newest
    # lesson is still open, so that not having answered it *yet* does not end a streak.
    closes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """One member's message in a lesson's thread, as participation needs it (never its text)."""

    author_id: int
    author_name: str  # the display name when the message was stored
    message_id: int
    created_at: datetime
    reactions: int = 0  # all reactions on the message, every emoji counted


@dataclass(frozen=True, slots=True)
class LessonActivity:
    """A posted lesson and the replies in its thread."""

    lesson: PostedLesson
    replies: tuple[ReplyRecord, ...] = ()


def in_posting_order(history: Iterable[LessonActivity]) -> list[LessonActivity]:
    """The postings oldest first (ties by post id), whatever order the caller had them in."""
    return sorted(history, key=lambda a: (a.lesson.posted_at, a.lesson.post_id))
