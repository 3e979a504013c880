"""The next run of a weekly schedule at the end of the calendar finishes it, never raises
(issue 10, item 13)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.services.dispatcher import following_occurrence
from bot.store.rows import Schedule


def weekly(timezone: str) -> Schedule:
    return Schedule(
        id=7,
        guild_id=1,
        channel_id=2,
        kind="weekly",
        lesson_id=None,
        weekday=0,
        local_time=time(9),
        timezone=timezone,
        next_run=None,
        state="pending",
        last_error=None,
        created_by=3,
        created_at=datetime(2026, 11, 25, tzinfo=UTC),
    )


def test_a_weekly_schedule_runs_on_until_the_calendar_ends(caplog):
    schedule = weekly("America/Los_Angeles")
    assert following_occurrence(schedule, datetime(9999, 12, 13, tzinfo=UTC)) == datetime(
        9999, 12, 13, 17, 0, tzinfo=UTC
    )
    assert following_occurrence(schedule, datetime(9999, 12, 27, 17, 0, tzinfo=UTC)) is None
    assert "Schedule 7 has no next occurrence" in caplog.text
