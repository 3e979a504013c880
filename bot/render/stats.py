"""The /stats answers: the server's latest lessons, one lesson, one member.

Pure: plain values in (``bot.stats`` figures and :mod:`bot.render.series` rows), embed dicts
out. The server overview's figures are text as well as a chart, for screen readers (and tests):
the embed's description lists them, and :func:`chart_alt_text` is the image's description.
Names are escaped and never ping; lesson titles are escaped like everywhere names are listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import limits
from bot.render.echo import escape_user_text as escape
from bot.render.series import SeriesRow
from bot.render.text import truncate_words
from bot.render.timestamps import full
from bot.render.words import count, fit_lines, member_name
from bot.stats.participation import LessonFigures, MemberCount
from bot.stats.streaks import MemberFigures

__all__ = [
    "ALT_TEXT_LIMIT",
    "CHART_FILENAME",
    "STATS_COLOR",
    "chart_alt_text",
    "overview_lines",
    "render_lesson_stats",
    "render_member_stats",
    "render_server_stats",
]

STATS_COLOR = 0x5865F2
CHART_FILENAME = "participation.png"
ALT_TEXT_LIMIT = 1024  # Discord's limit for an attachment's description
_TITLE_SHOWN = 80  # characters of a lesson title in a list line


def overview_lines(rows: Sequence[SeriesRow]) -> list[str]:
    """One line a lesson, oldest first, then the totals: the chart's figures as text."""
    return [
        f"**{row.label}** · {escape(truncate_words(row.title, _TITLE_SHOWN))}: "
        f"{count(row.replies, 'reply')}, {count(row.participants, 'participant')}"
        for row in rows
    ]


def render_server_stats(rows: Sequence[SeriesRow], *, chart: str | None = CHART_FILENAME) -> dict[str, Any]:
    """The overview: figures per lesson as text, with the chart (an attachment named ``chart``)."""
    if not rows:
        return {
            "title": "Participation",
            "description": "No lesson has been posted in this server yet.",
            "color": STATS_COLOR,
        }
    replies = sum(r.replies for r in rows)
    average = sum(r.participants for r in rows) / len(rows)
    summary = (
        f"{count(len(rows), 'lesson')}, {count(replies, 'reply')} in all, "
        f"{average:.1f} participants per lesson on average."
    )
    body = fit_lines(overview_lines(rows), limits.EMBED_DESCRIPTION - len(summary) - 2)
    embed: dict[str, Any] = {
        "title": f"Participation: the last {count(len(rows), 'lesson')}"
        if len(rows) > 1
        else "Participation",
        "description": f"{summary}\n\n{body}",
        "color": STATS_COLOR,
    }
    if chart:
        embed["image"] = {"url": f"attachment://{chart}"}
    return embed


def chart_alt_text(rows: Sequence[SeriesRow]) -> str:
    """The chart described for screen readers, within an attachment description's 1,024 characters."""
    if not rows:
        return "No lessons posted yet."
    head = f"Bar chart of replies and participants per lesson ({count(len(rows), 'lesson')}, oldest first). "
    parts = [f"{r.label}: {count(r.replies, 'reply')}, {count(r.participants, 'participant')}" for r in rows]
    text = head + "; ".join(parts) + "."
    if len(text) > ALT_TEXT_LIMIT:
        parts = [f"{r.label} {r.replies}/{r.participants}" for r in rows]
        text = head + "Replies/participants: " + ", ".join(parts) + "."
    return truncate_words(text, ALT_TEXT_LIMIT)


def render_lesson_stats(figures: LessonFigures, active: Sequence[MemberCount]) -> dict[str, Any]:
    """One lesson: its replies, participants and most active members (names as text, no pings)."""
    lesson = figures.lesson
    podium = [
        f"{rank}. {member_name(m.name)} · {count(m.replies, 'reply')}" for rank, m in enumerate(active, 1)
    ]
    return {
        "title": truncate_words(f"Participation: {lesson.title}", limits.EMBED_TITLE),
        "description": f"Posted {full(lesson.posted_at)}.",
        "color": STATS_COLOR,
        "fields": [
            {"name": "Replies", "value": str(figures.replies), "inline": True},
            {"name": "Participants", "value": str(figures.participants), "inline": True},
            {
                "name": "Most active",
                "value": fit_lines(podium, limits.EMBED_FIELD_VALUE) or "No replies yet.",
                "inline": False,
            },
        ],
    }


def render_member_stats(name: str, figures: MemberFigures) -> dict[str, Any]:
    """One member: replies, lessons answered, current and best streak (consecutive lessons answered)."""
    shown = member_name(name)
    if figures.replies == 0:
        description = f"{shown} has not replied to a lesson here yet."
    else:
        description = (
            f"{shown} has answered {figures.lessons_answered} of the "
            f"{count(figures.lessons_posted, 'lesson')} posted here, with {count(figures.replies, 'reply')}."
        )
    current = count(figures.current_streak, "lesson")
    if figures.newest_pending and figures.current_streak:
        current += " (the latest lesson is still open)"
    return {
        "title": "Member participation",
        "description": description,
        "color": STATS_COLOR,
        "fields": [
            {"name": "Replies", "value": str(figures.replies), "inline": True},
            {
                "name": "Lessons answered",
                "value": f"{figures.lessons_answered} of {figures.lessons_posted}",
                "inline": True,
            },
            {"name": "Current streak", "value": current, "inline": True},
            {"name": "Best streak", "value": count(figures.best_streak, "lesson"), "inline": True},
        ],
        "footer": {
            "text": "A streak counts lessons answered in a row; weeks without a lesson do not break it."
        },
    }
