"""Lists the bot shows to members and moderators: lesson states, schedules, statistics, settings.

Pure: plain values in, embed dicts out; the cogs only send them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot import limits
from bot.content.models import LessonState
from bot.render.echo import escape_user_text as escape
from bot.render.timestamps import full, full_and_relative

INFO_COLOR = 0x5865F2
WARNING_COLOR = 0xFEE75C


def _state_text(state: LessonState) -> str:
    if state.posted_at is not None:
        return f"posted {full(state.posted_at)}"
    if state.posting_now:
        return "being posted now"
    if state.scheduled_at is not None:
        return f"scheduled {full_and_relative(state.scheduled_at)}"
    text = f"queued (#{state.queue_position})"
    if state.weekly_at is not None:
        text += f", next weekly post {full_and_relative(state.weekly_at)}"
    return text


_ADDED_HERE = " · added here"


def render_lesson_list(states: Sequence[LessonState], added_here: Collection[str] = ()) -> dict[str, object]:
    """Each lesson with its state; those in ``added_here`` (added with /library) say so."""
    if not states:
        return {"title": "Lessons", "description": "There are no lessons yet.", "color": INFO_COLOR}
    lines = [
        f"**{escape(s.lesson.title)}** · `{s.lesson.id}`{_ADDED_HERE if s.lesson.id in added_here else ''}"
        f"\n{_state_text(s)}"
        for s in states
    ]
    return {
        "title": "Lessons",
        "description": _fit_lines(lines, limits.EMBED_DESCRIPTION),
        "color": INFO_COLOR,
        "footer": {"text": f"{len(states)} lesson{'' if len(states) == 1 else 's'}"},
    }


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    id: int
    kind: str
    channel_id: int
    next_run: datetime | None
    lesson_title: str | None
    state: str
    note: str | None = None
    weekly_rule: str | None = None


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekly_rule_text(weekday: int, at: time, timezone: str) -> str:
    """``Mondays 09:00 Europe/Berlin``: how a weekly schedule is named to moderators."""
    return f"{WEEKDAYS[weekday]}s {at:%H:%M} {timezone}"


def render_schedule_list(lines: Sequence[ScheduleLine]) -> dict[str, object]:
    if not lines:
        return {
            "title": "Schedules",
            "description": "Nothing is scheduled. Use /schedule once or /schedule weekly.",
            "color": INFO_COLOR,
        }
    rendered = []
    for line in lines:
        what = escape(line.lesson_title) if line.lesson_title else "next lesson in the queue"
        rule = f" · {line.weekly_rule}" if line.weekly_rule else ""
        when = full_and_relative(line.next_run) if line.next_run else "—"
        text = f"**#{line.id}** {line.kind}{rule} · {what} · <#{line.channel_id}>\n"
        text += f"next: {when}" if line.state == "pending" else f"**{line.state}**"
        if line.note:
            text += f"\n⚠ {escape(line.note)}"
        rendered.append(text)
    return {
        "title": "Schedules",
        "description": _fit_lines(rendered, limits.EMBED_DESCRIPTION),
        "color": INFO_COLOR,
    }


def discussion_window_text(days: int, reminder_hours: int) -> str:
    """``/settings discussion`` in words: how long a discussion stays open, when it is reminded."""
    open_for = f"open {days} day{'s' if days != 1 else ''}"
    if reminder_hours == 0:
        return f"{open_for}, no reminder"
    return f"{open_for}, reminded {reminder_hours} hour{'s' if reminder_hours != 1 else ''} before the end"


def render_settings(
    timezone: str,
    timezone_is_default: bool,
    channel_id: int | None,
    modrole_id: int | None,
    *,
    discussion: str = "",
    discussion_is_default: bool = True,
    pingrole_id: int | None = None,
) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": "Server settings",
        "color": INFO_COLOR,
        "fields": [
            {
                "name": "Time zone",
                "value": timezone + (" (the bot's default)" if timezone_is_default else ""),
            },
            {
                "name": "Lesson channel",
                "value": f"<#{channel_id}>"
                if channel_id
                else "not set: lessons go where the command is used",
            },
            {
                "name": "Moderator role",
                "value": f"<@&{modrole_id}>" if modrole_id else "not set: Manage Server permission only",
            },
            {
                "name": "Ping role",
                "value": f"<@&{pingrole_id}>, with a **Notify me** button on each post"
                if pingrole_id
                else "not set: posts mention no one",
            },
        ],
    }
    if discussion:
        embed["fields"].append(
            {
                "name": "Discussion window",
                "value": discussion + (" (the default)" if discussion_is_default else ""),
            }
        )
    return embed


def _fit_lines(lines: Sequence[str], limit: int) -> str:
    """Join whole lines up to ``limit`` characters, saying how many did not fit."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        more = f"\n… and {len(lines) - index} more"
        if size + len(line) + 2 + len(more) > limit:
            kept.append(more.strip())
            break
        kept.append(line)
        size += len(line) + 2
    return "\n\n".join(kept)
