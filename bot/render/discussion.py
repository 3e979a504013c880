"""What the bot posts in a lesson's thread as its discussion window runs out: the reminder, the digest.

Pure: plain values in (``bot.stats`` figures), embed dicts out. Member names are escaped and
never become mentions; every text is cut to Discord's limits here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import limits
from bot.render.echo import escape_user_text as escape
from bot.render.links import message_url
from bot.render.text import truncate, truncate_words
from bot.render.timestamps import full, full_and_relative
from bot.render.words import count, fit_lines, fit_names, member_name
from bot.stats.digest import DigestFigures
from bot.stats.participation import LessonFigures
from bot.stats.records import PostedLesson

__all__ = [
    "DIGEST_COLOR",
    "REMINDER_COLOR",
    "digest_title",
    "reminder_title",
    "render_digest",
    "render_reminder",
]

REMINDER_COLOR = 0xF1C40F  # the Food for thought colour: the question is back
DIGEST_COLOR = 0x57F287
_PROMPT_ROOM = 3000  # of the reminder's 4,096-character description


def reminder_title(lesson_title: str) -> str:
    """The reminder's embed title (a job resumed after a crash looks for it in the thread)."""
    return truncate_words(f"Reminder: {lesson_title}", limits.EMBED_TITLE)


def digest_title(lesson_title: str) -> str:
    """The digest's embed title (a job resumed after a crash looks for it in the thread)."""
    return truncate_words(f"Discussion closed: {lesson_title}", limits.EMBED_TITLE)


def render_reminder(prompt: str, figures: LessonFigures, *, closes_at: datetime) -> dict[str, Any]:
    """The reminder posted ``reminder_hours`` before the discussion ends: the question again, the
    replies so far, and a link back to the article's message."""
    lesson = figures.lesson
    question = truncate(prompt.strip(), _PROMPT_ROOM)
    quoted = "\n".join(f"> {line}".rstrip() for line in question.splitlines()) or "> …"
    if figures.replies:
        so_far = (
            f"So far: {count(figures.replies, 'reply')} from {count(figures.participants, 'participant')}."
        )
    else:
        so_far = "No replies yet: be the first to share your thoughts."
    article = message_url(lesson.guild_id, lesson.channel_id, lesson.message_id)
    description = (
        f"This discussion closes {full_and_relative(closes_at)}.\n\n"
        f"**Food for thought**\n{quoted}\n\n{so_far}\n\n[Read the article]({article})"
    )
    return {
        "title": reminder_title(lesson.title),
        "description": description,
        "color": REMINDER_COLOR,
    }


def render_digest(
    figures: DigestFigures,
    lesson: PostedLesson,
    *,
    next_lesson_at: datetime | None,
    next_lesson_title: str | None = None,
) -> dict[str, Any]:
    """The digest posted in the thread as it closes: replies, participants, first-time
    participants, the most-reacted replies as links, and when the next lesson is scheduled."""
    thanks = (
        "This discussion is now closed. Thank you all for taking part!"
        if figures.replies
        else "This discussion is now closed. Nobody replied this time."
    )
    first_timers = _first_timers(figures)
    return {
        "title": digest_title(lesson.title),
        "description": thanks,
        "color": DIGEST_COLOR,
        "fields": [
            _field("Replies", str(figures.replies), inline=True),
            _field("Participants", str(figures.participants), inline=True),
            _field("First-time participants", first_timers, inline=len(first_timers) <= 40),
            _field("Most-reacted replies", _top_replies(figures, lesson)),
            _field("Next lesson", _next_lesson(next_lesson_at, next_lesson_title)),
        ],
    }


def _first_timers(figures: DigestFigures) -> str:
    if not figures.first_timers:
        return "none"
    names = [member_name(m.name) for m in figures.first_timers]
    head = f"{len(names)}: welcome "
    return head + fit_names(names, limits.EMBED_FIELD_VALUE - len(head))


def _top_replies(figures: DigestFigures, lesson: PostedLesson) -> str:
    if not figures.top_replies:
        return "No reactions this time."
    channel = lesson.thread_id if lesson.thread_id is not None else lesson.channel_id
    lines = [
        f"{rank}. {member_name(reply.author_name)} · {count(reply.reactions, 'reaction')}"
        f" · [jump to the reply]({message_url(lesson.guild_id, channel, reply.message_id)})"
        for rank, reply in enumerate(figures.top_replies, start=1)
    ]
    return fit_lines(lines, limits.EMBED_FIELD_VALUE)


def _next_lesson(at: datetime | None, title: str | None) -> str:
    if at is None:
        return "none scheduled"
    what = f": {escape(truncate_words(title, 200))}" if title and title.strip() else ""
    return f"{full(at)}{what}"


def _field(name: str, value: str, *, inline: bool = False) -> dict[str, Any]:
    return {"name": name, "value": value[: limits.EMBED_FIELD_VALUE] or "—", "inline": inline}
