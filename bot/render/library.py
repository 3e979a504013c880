"""What /library says: previews of an article as it will be posted, problems, outcomes, exports.

Pure: plain values in, text out. The preview itself is ``render_lesson``'s own embeds, the very
ones a post sends; this module only writes the words around them, each within one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import limits
from bot.content.adding import Draft, ExportFiles
from bot.content.models import Concept, Lesson
from bot.render.echo import escape_user_text
from bot.render.lesson import render_lesson
from bot.render.text import truncate_words
from bot.render.timestamps import full_and_relative

__all__ = [
    "STALE",
    "PreviewMessage",
    "added",
    "article_problems",
    "booked",
    "cancelled",
    "export_note",
    "not_yours",
    "preview_footer",
    "preview_header",
    "preview_messages",
    "removed",
    "saved",
]

STALE = (
    "This preview has expired (the bot restarted, or it is more than 15 minutes old), "
    "so nothing was changed. Run /library add again."
)


def _title(lesson: Lesson) -> str:
    return f"“{escape_user_text(truncate_words(lesson.title, 200))}”"


def _fit(text: str) -> str:
    return truncate_words(text, limits.MESSAGE_CONTENT)


def preview_header(lesson: Lesson, messages: int) -> str:
    """Above the preview's first message: what this is and who sees it."""
    parts = "one message" if messages == 1 else f"{messages} messages"
    return _fit(f"**Preview** (only you see this): {_title(lesson)} will be posted as {parts}, like this.")


def preview_footer(lesson: Lesson, concept: Concept, *, defines: bool, thread: str, editing: bool) -> str:
    """On the preview's last message, above its buttons: the concept, the thread, the choice."""
    term = f"“{escape_user_text(truncate_words(concept.term, 100))}”"
    if defines:
        concept_text = f"Its concept {term} joins this server's glossary."
    else:
        concept_text = f"Its concept {term} is already in the glossary: the lesson links to it as it is."
    action = "**Save** replaces the lesson's text" if editing else "**Add** puts it in this server's queue"
    thread_name = escape_user_text(thread)
    return _fit(
        f"{concept_text} The discussion thread will be called “{thread_name}”.\n"
        f"{action}; **Edit** opens the form again with the text so far; **Cancel** drops it."
    )


@dataclass(frozen=True)
class PreviewMessage:
    """One message of a preview: words above the embeds (None: none); the last one gets the buttons."""

    content: str | None
    embeds: tuple[dict[str, Any], ...]


def preview_messages(draft: Draft, *, editing: bool) -> list[PreviewMessage]:
    """The post exactly as ``render_lesson`` makes it, message for message, with what it is on the
    first message and what happens next on the last."""
    post = render_lesson(draft.lesson, draft.concept)
    header = preview_header(draft.lesson, len(post.messages))
    footer = preview_footer(
        draft.lesson, draft.concept, defines=draft.defines, thread=post.thread_name, editing=editing
    )
    last = len(post.messages) - 1
    messages = []
    for index, embeds in enumerate(post.messages):
        words = [text for text, here in ((header, index == 0), (footer, index == last)) if here]
        content = "\n".join(words) if words else None
        if content is not None and len(content) > limits.MESSAGE_CONTENT:
            content = footer  # a very long title: the choice matters more than the title again
        messages.append(PreviewMessage(content, embeds))
    return messages


def article_problems(problems: Sequence[str]) -> str:
    """Instead of a preview: what is missing or wrong, one line each, and how to go on."""
    head = "I could not read this article, so nothing was added:\n"
    tail = "\nPress **Edit** to fix it in the form, or **Cancel**."
    lines = [f"• {escape_user_text(problem)}" for problem in problems]
    body = "\n".join(lines)
    room = limits.MESSAGE_CONTENT - len(head) - len(tail)
    if len(body) > room:
        body = truncate_words(body, room)
    return head + body + tail


def added(lesson: Lesson, place: int | None) -> str:
    where = f"It is #{place} in this server's queue" if place else "It is in this server's lessons"
    return _fit(f"Added {_title(lesson)} (`{lesson.id}`). {where}: see /lesson list, or post it with /post.")


def saved(lesson: Lesson) -> str:
    return _fit(
        f"Saved the new text of {_title(lesson)} (`{lesson.id}`). "
        "Its next post uses it; posts already made keep theirs."
    )


def cancelled() -> str:
    return "Cancelled: nothing was added or changed."


def not_yours() -> str:
    return "Only the moderator who opened this preview can use its buttons; nothing was changed."


def removed(lesson: Lesson) -> str:
    return _fit(
        f"Removed {_title(lesson)} (`{lesson.id}`) from this server's lessons. "
        "Its posts and their discussions are kept (/export still has them)."
    )


def booked(lesson: Lesson, schedule_id: int, when: datetime | None, channel_id: int | None) -> str:
    """Why a lesson cannot be removed: a one-off will post it."""
    at = f" {full_and_relative(when)}" if when else " now"
    where = f" in <#{channel_id}>" if channel_id else ""
    return _fit(
        f"{_title(lesson)} is booked by schedule #{schedule_id} (posting{at}{where}), so it was not "
        f"removed. Cancel that schedule first with /schedule cancel id:{schedule_id}."
    )


def export_note(files: ExportFiles, glossary_name: str | None) -> str:
    """Beside the exported files: where each goes, and the check to run."""
    text = f"`{files.lesson_name}` is this lesson as a lesson file: put it in `lessons/`"
    if glossary_name is not None:
        text += f", and append the entry in `{glossary_name}` to `lessons/glossary.yaml`"
    else:
        text += " (its concept is already in the shared glossary)"
    return _fit(text + ". Then run `python -m bot check` and reload the bot.")
