"""A member's participation over a server's lessons: replies, lessons answered, streaks.

A **streak** counts consecutive *postings* answered, in the order the server's lessons were
posted. "Answered" means at least one reply by the member in that posting's thread, written at
any time. Only postings count, not calendar weeks: a week in which no lesson was posted is not in
the sequence, so it never breaks a streak; a lesson that was posted and not answered does.

- **best streak**: the longest run of answered postings in the whole history;
- **current streak**: the run that ends with the newest posting. While the newest lesson's
  discussion is still open (``now`` before its ``closes_at``) and the member has not answered it
  yet, it is left out: their streak is still alive, it just has not grown this week. Once the
  discussion has closed unanswered (or its end is unknown), the current streak is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.stats.participation import latest_names
from bot.stats.records import LessonActivity, in_posting_order

__all__ = ["MemberFigures", "member_figures", "streaks"]


@dataclass(frozen=True, slots=True)
class MemberFigures:
    """One member's participation in a server."""

    author_id: int
    name: str | None  # latest display name in their replies; None if they never replied
    replies: int
    lessons_answered: int
    lessons_posted: int
    current_streak: int
    best_streak: int
    newest_pending: bool  # the newest lesson is open and not answered by them yet


def streaks(answered: Sequence[bool], *, newest_open: bool = False) -> tuple[int, int]:
    """(current, best) for postings in order, ``answered[i]`` meaning posting i was answered.

    ``newest_open``: the last posting's discussion is still open, so if it is not answered yet
    it is left out of the current streak (see the module docstring).
    """
    best = run = 0
    for done in answered:
        run = run + 1 if done else 0
        best = max(best, run)
    if answered and not answered[-1] and newest_open:
        current = 0
        for done in reversed(answered[:-1]):
            if not done:
                break
            current += 1
        return current, best
    return run, best


def member_figures(history: Iterable[LessonActivity], author_id: int, *, now: datetime) -> MemberFigures:
    """``author_id``'s replies, lessons answered and streaks over the server's ``history``."""
    ordered = in_posting_order(history)
    answered = [any(r.author_id == author_id for r in a.replies) for a in ordered]
    theirs = [r for a in ordered for r in a.replies if r.author_id == author_id]
    newest = ordered[-1].lesson if ordered else None
    newest_open = newest is not None and newest.closes_at is not None and now < newest.closes_at
    current, best = streaks(answered, newest_open=newest_open)
    return MemberFigures(
        author_id=author_id,
        name=latest_names(theirs).get(author_id),
        replies=len(theirs),
        lessons_answered=sum(answered),
        lessons_posted=len(ordered),
        current_streak=current,
        best_streak=best,
        newest_pending=bool(answered) and newest_open and not answered[-1],
    )
