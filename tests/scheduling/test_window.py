"""The discussion window: days counted on the server's wall clock, the reminder in real hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.window import MAX_DAYS, Window, discussion_window, window_problem

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("opened", "days", "hours", "closes", "reminds"),
    [
        # an ordinary week: Monday 09:00 Berlin to Monday 09:00
        ("2026-11-23T09:00+01:00", 7, 24, "2026-11-30T09:00+01:00", "2026-11-29T09:00+01:00"),
        # across the spring change (29 March 2026): still 09:00 local, 167 hours later
        ("2026-03-23T09:00+01:00", 7, 24, "2026-03-30T09:00+02:00", "2026-03-29T09:00+02:00"),
        # across the autumn change (25 October 2026): 169 hours
        ("2026-10-19T09:00+02:00", 7, 2, "2026-10-26T09:00+01:00", "2026-10-26T07:00+01:00"),
        # opened at a wall time that the spring night skips a week later: shifted past the gap
        ("2026-03-22T02:30+01:00", 7, 0, "2026-03-29T03:30+02:00", None),
        # one day, reminded an hour before
        ("2026-11-23T09:00+01:00", 1, 1, "2026-11-24T09:00+01:00", "2026-11-24T08:00+01:00"),
    ],
)
def test_window_in_the_servers_zone(opened, days, hours, closes, reminds):
    window = discussion_window(at(opened), BERLIN, days, hours)
    assert window == Window(at(closes), at(reminds) if reminds else None)
    assert window is not None and window.closes_at.tzinfo is UTC


def test_spring_week_is_167_hours_and_autumn_week_169():
    spring = discussion_window(at("2026-03-23T09:00+01:00"), BERLIN, 7, 0)
    autumn = discussion_window(at("2026-10-19T09:00+02:00"), BERLIN, 7, 0)
    assert spring is not None and autumn is not None
    assert spring.closes_at - at("2026-03-23T09:00+01:00") == timedelta(hours=167)
    assert autumn.closes_at - at("2026-10-19T09:00+02:00") == timedelta(hours=169)


def test_a_reminder_that_would_come_before_the_opening_is_none():
    # Spring: 167 real hours in a "7 day" window; a reminder 167 hours before comes at the opening.
    window = discussion_window(at("2026-03-23T09:00+01:00"), BERLIN, 7, 167)
    assert window is not None and window.remind_at is None


def test_a_window_past_the_end_of_the_calendar_never_closes():
    assert discussion_window(datetime(9999, 12, 28, tzinfo=UTC), BERLIN, 7, 24) is None


@pytest.mark.parametrize(
    ("days", "hours", "problem"),
    [
        (7, 24, None),
        (1, 23, None),
        (MAX_DAYS, 0, None),
        (0, 0, "from 1 to 60 days, not 0"),
        (MAX_DAYS + 1, 0, "from 1 to 60 days, not 61"),
        (1, 24, "would come before the discussion opens (1 day is 24 hours)"),
        (7, 168, "(7 days is 168 hours)"),
        (7, -1, "0 (no reminder) or more"),
    ],
)
def test_window_problems_are_one_sentence(days, hours, problem):
    found = window_problem(days, hours)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and found.endswith(".")
