"""The weekly queue: which lesson a weekly schedule posts next, and each lesson's state.

Pure: the callers read posts and schedules from the database and pass plain values in, so the
weekly poster and /lesson list can never disagree about the queue.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.content.models import Lesson, LessonState


class PendingSchedule(Protocol):
    """What the queue reads of a pending schedule (the store's ``Schedule`` row has it)."""

    @property
    def kind(self) -> str: ...
    @property
    def lesson_id(self) -> str | None: ...
    @property
    def next_run(self) -> datetime | None: ...


def lesson_queue(lessons: Sequence[Lesson], posted: Collection[str], booked: Collection[str]) -> list[Lesson]:
    """The lessons a weekly schedule will post, in order.

    A lesson already posted in the server is done; one booked by a pending one-off is the
    moderator's to post on its own date, so the queue moves past both.
    """
    return [lesson for lesson in lessons if lesson.id not in posted and lesson.id not in booked]


def lesson_states(
    lessons: Sequence[Lesson],
    posted: Mapping[str, datetime],
    booked: Mapping[str, datetime | None],
    weekly_runs: Sequence[datetime],
) -> list[LessonState]:
    """Every lesson's state; ``booked`` maps a lesson to its one-off's time (None: posting now).

    ``weekly_runs`` are the next runs of the server's weekly schedules: the n-th queued lesson
    goes out at the n-th of them, when that is known.
    """
    queued = {lesson.id: place for place, lesson in enumerate(lesson_queue(lessons, posted, booked), start=1)}
    runs = sorted(weekly_runs)
    states = []
    for lesson in lessons:
        if lesson.id in posted:
            states.append(LessonState(lesson, posted_at=posted[lesson.id]))
        elif lesson.id in booked:
            at = booked[lesson.id]
            states.append(LessonState(lesson, scheduled_at=at, posting_now=at is None))
        else:
            place = queued[lesson.id]
            weekly_at = runs[place - 1] if place <= len(runs) else None
            states.append(LessonState(lesson, queue_position=place, weekly_at=weekly_at))
    return states


def booked_lessons(pending: Iterable[PendingSchedule]) -> dict[str, datetime | None]:
    """Lessons booked by pending one-offs, with their time (None while being posted)."""
    return {s.lesson_id: s.next_run for s in pending if s.kind == "once" and s.lesson_id}
