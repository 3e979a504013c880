"""The discussion window a server's next post opens, from its settings (``/settings discussion``).

Read when the post is recorded, so a changed window applies to the discussions opened after it;
the jobs already scheduled keep theirs.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.scheduling.recurrence import UnknownTimezone, resolve_timezone
from bot.scheduling.window import DEFAULT_DAYS, DEFAULT_REMINDER_HOURS, discussion_window
from bot.store.rows import DiscussionWindow, GuildSettings

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


def window_settings(stored: GuildSettings) -> tuple[int, int]:
    """(days, reminder_hours) in force for the server: its own, else the defaults."""
    days = stored.discussion_days if stored.discussion_days is not None else DEFAULT_DAYS
    hours = stored.reminder_hours if stored.reminder_hours is not None else DEFAULT_REMINDER_HOURS
    return days, hours


def server_zone(bot: StudyBot, stored: GuildSettings) -> ZoneInfo:
    """The server's zone (``/settings timezone``, else DEFAULT_TIMEZONE; UTC if neither is known
    here any more, as after a tzdata update that dropped a name)."""
    name = stored.timezone or bot.settings.default_timezone
    try:
        return resolve_timezone(name)
    except UnknownTimezone:
        log.warning("Guild %d: time zone %r is unknown here; counting in UTC", stored.guild_id, name)
        return ZoneInfo("UTC")


async def window_for(
    bot: StudyBot, guild_id: int, opened_at: datetime, *, by: int
) -> DiscussionWindow | None:
    """The window of a discussion opening now in the server; ``by`` is whom its notices ping."""
    stored = await bot.store.settings.get(guild_id)
    zone = server_zone(bot, stored)
    days, hours = window_settings(stored)
    window = discussion_window(opened_at, zone, days, hours)
    if window is None:
        return None
    return DiscussionWindow(window.closes_at, window.remind_at, zone.key, by)
