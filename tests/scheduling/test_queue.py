"""The weekly queue and each lesson's state, from plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.content.models import Lesson
from bot.scheduling.queue import lesson_queue, lesson_states

LESSONS = [
    Lesson(id=f"w{n}", title=f"Week {n}", prompt="?", concept="gpu", opening=".", week=n)
    for n in (1, 2, 3, 4)
]
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def ids(lessons):
    return [lesson.id for lesson in lessons]


def test_queue_skips_posted_and_booked_lessons_in_order():
    assert ids(lesson_queue(LESSONS, posted={"w1"}, booked={"w3"})) == ["w2", "w4"]
    assert lesson_queue(LESSONS, posted={"w1", "w2"}, booked={"w3", "w4"}) == []


def test_states_number_the_queue_and_date_the_next_weekly_runs():
    states = lesson_states(
        LESSONS,
        posted={"w1": MONDAY - timedelta(weeks=1)},
        booked={"w3": MONDAY + timedelta(days=2), "w4": None},
        weekly_runs=[MONDAY],
    )
    by_id = {state.lesson.id: state for state in states}
    assert by_id["w1"].posted_at == MONDAY - timedelta(weeks=1)
    assert by_id["w2"].queue_position == 1 and by_id["w2"].weekly_at == MONDAY
    assert by_id["w3"].scheduled_at == MONDAY + timedelta(days=2) and not by_id["w3"].posting_now
    assert by_id["w4"].posting_now and by_id["w4"].scheduled_at is None
    assert ids(state.lesson for state in states) == ["w1", "w2", "w3", "w4"]


def test_later_queue_places_have_no_known_time_with_one_weekly_schedule():
    states = lesson_states(LESSONS, posted={}, booked={}, weekly_runs=[MONDAY])
    assert [(s.queue_position, s.weekly_at) for s in states] == [(1, MONDAY), (2, None), (3, None), (4, None)]
