"""A lesson's discussion window: when it closes and when it is reminded, from when it opened.

Pure, like the rest of ``bot.scheduling``. The window is counted in the server's time zone: a
discussion opened Monday 09:00 with ``days=7`` closes the next Monday at 09:00 local time, also
across a daylight-saving change (so 167 or 169 hours later). The reminder is ``reminder_hours``
of real time before the end ("24 hours left" means 24 hours). A wall time that the change skips
is shifted forward past the gap, as weekly posts are (``recurrence.local_to_utc``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling.recurrence import local_to_utc

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_REMINDER_HOURS",
    "MAX_DAYS",
    "Window",
    "discussion_window",
    "window_problem",
]

DEFAULT_DAYS = 7
DEFAULT_REMINDER_HOURS = 24
MAX_DAYS = 60  # two months: beyond that a "weekly" discussion is not one any more


@dataclass(frozen=True, slots=True)
class Window:
    closes_at: datetime  # UTC
    remind_at: datetime | None  # UTC; None: no reminder


def window_problem(days: int, reminder_hours: int) -> str | None:
    """The sentence refusing a window a moderator asked for, or None if it is usable."""
    if not 1 <= days <= MAX_DAYS:
        return f"A discussion stays open from 1 to {MAX_DAYS} days, not {days}."
    if reminder_hours < 0:
        return "reminder_hours is the number of hours before the end: 0 (no reminder) or more."
    if reminder_hours >= days * 24:
        return (
            f"A reminder {reminder_hours} hours before the end would come before the discussion "
            f"opens ({days} day{'s' if days != 1 else ''} is {days * 24} hours); choose fewer hours, "
            "or 0 for no reminder."
        )
    return None


def discussion_window(opened_at: datetime, zone: ZoneInfo, days: int, reminder_hours: int) -> Window | None:
    """The window of a discussion opened at ``opened_at``; None when it would end past the
    calendar's last day (the discussion then simply never closes by itself)."""
    try:
        wall = opened_at.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
        closes_at = local_to_utc(wall, zone)
    except OverflowError:
        return None
    if reminder_hours <= 0:
        return Window(closes_at, None)
    remind_at = closes_at - timedelta(hours=reminder_hours)
    return Window(closes_at, remind_at if remind_at > opened_at else None)
