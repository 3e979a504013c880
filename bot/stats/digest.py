"""The figures of a closing discussion's digest: replies, participants, first-timers, top replies.

A **first-time participant** of a lesson is a member whose first reply in the server is in that
lesson's thread: their earliest reply there is strictly earlier than any reply of theirs in the
server's other lesson threads (by creation time; a tie to the millisecond is not "first").
Replying late in an older lesson's thread does not make anyone a first-timer twice: only the
thread holding their earliest reply counts.

The **most-reacted replies** are those with at least one reaction, most reactions first; ties go
to the earlier reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.stats.participation import MemberCount, latest_names
from bot.stats.records import LessonActivity, ReplyRecord

__all__ = ["DIGEST_TOP", "DigestFigures", "digest_figures", "earliest_replies"]

DIGEST_TOP = 3


@dataclass(frozen=True, slots=True)
class DigestFigures:
    replies: int
    participants: int
    first_timers: tuple[MemberCount, ...]  # in the order of their first reply
    top_replies: tuple[ReplyRecord, ...]  # most reactions first


def earliest_replies(history: Iterable[LessonActivity], *, excluding_post: int) -> dict[int, datetime]:
    """Each author's earliest reply time over every posting but ``excluding_post``.

    What :func:`digest_figures` needs to know about the rest of the server; a store can answer
    it with one ``MIN(created_at) ... GROUP BY author_id`` instead of loading every reply.
    """
    earliest: dict[int, datetime] = {}
    for activity in history:
        if activity.lesson.post_id == excluding_post:
            continue
        for reply in activity.replies:
            seen = earliest.get(reply.author_id)
            if seen is None or reply.created_at < seen:
                earliest[reply.author_id] = reply.created_at
    return earliest


def digest_figures(
    activity: LessonActivity, earliest_elsewhere: Mapping[int, datetime], *, top: int = DIGEST_TOP
) -> DigestFigures:
    """The digest of ``activity``; ``earliest_elsewhere`` maps authors to their earliest reply in
    the server's other lesson threads (absent: they have none)."""
    replies = activity.replies
    first_here: dict[int, ReplyRecord] = {}
    for reply in replies:
        seen = first_here.get(reply.author_id)
        if seen is None or (reply.created_at, reply.message_id) < (seen.created_at, seen.message_id):
            first_here[reply.author_id] = reply
    names = latest_names(replies)
    counts: dict[int, int] = {}
    for reply in replies:
        counts[reply.author_id] = counts.get(reply.author_id, 0) + 1
    newcomers = sorted(
        (
            first
            for author, first in first_here.items()
            if author not in earliest_elsewhere or first.created_at < earliest_elsewhere[author]
        ),
        key=lambda r: (r.created_at, r.message_id),
    )
    reacted = sorted(
        (r for r in replies if r.reactions > 0), key=lambda r: (-r.reactions, r.created_at, r.message_id)
    )
    return DigestFigures(
        replies=len(replies),
        participants=len(first_here),
        first_timers=tuple(
            MemberCount(r.author_id, names[r.author_id], counts[r.author_id]) for r in newcomers
        ),
        top_replies=tuple(reacted[: max(0, top)]),
    )
