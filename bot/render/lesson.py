"""A lesson as the bot posts it: embeds in Discord's JSON shape, a thread name and the thread's prompt.

Pure: no discord import, plain dicts out (``discord.Embed.from_dict`` takes them at the edge), so
that rendering is tested with plain values and the preview command shows exactly what is sent.

Every Discord limit is enforced here, whatever the lesson's size: long parts are cut with
:func:`bot.render.text.split_markdown` into continuation embeds, and embeds are packed into as
many messages as the 10-embed and 6,000-character budgets require.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import limits
from bot.content.models import Concept, Lesson
from bot.render.text import split_markdown, truncate, truncate_words

__all__ = [
    "ARTICLE_COLOR",
    "CONCEPT_COLOR",
    "PROMPT_COLOR",
    "LessonPost",
    "embed_size",
    "pack_messages",
    "render_lesson",
    "text_embeds",
]

ARTICLE_COLOR = 0x5865F2
PROMPT_COLOR = 0xF1C40F  # Food for thought stands out from the article around it
CONCEPT_COLOR = 0x2ECC71

FOOD_FOR_THOUGHT = "💭 Food for thought"
CONCEPT_HEADING = "🧠 AI concept to learn"
CONTINUED = " (continued)"
REPLY_INVITATION = "Reply in this thread with your thoughts: every answer helps the group think it through."

Embed = dict[str, Any]


@dataclass(frozen=True)
class LessonPost:
    """What posting a lesson sends: messages of embeds, then a thread with its first message."""

    messages: tuple[tuple[Embed, ...], ...]
    thread_name: str
    prompt_message: str


def render_lesson(lesson: Lesson, concept: Concept | None) -> LessonPost:
    """The post for ``lesson``; ``concept`` is its glossary entry (None if the glossary lacks it)."""
    embeds: list[Embed] = []
    embeds += text_embeds(lesson.title, _header_text(lesson), ARTICLE_COLOR, author=_author(lesson))
    for section in lesson.sections:
        embeds += text_embeds(section.heading, section.body, ARTICLE_COLOR)
    if lesson.summary and lesson.summary.strip():
        embeds += text_embeds("Summary", lesson.summary, ARTICLE_COLOR)
    embeds += text_embeds(FOOD_FOR_THOUGHT, _prompt_text(lesson.prompt), PROMPT_COLOR)
    term = concept.term if concept is not None else lesson.concept
    definition = concept.definition if concept is not None else "This concept is not in the glossary yet."
    embeds += text_embeds(f"{CONCEPT_HEADING}: {term}", definition, CONCEPT_COLOR, footer=_footer(lesson))
    return LessonPost(
        messages=pack_messages(embeds),
        thread_name=thread_name(lesson),
        prompt_message=prompt_message(lesson.prompt),
    )


def thread_name(lesson: Lesson) -> str:
    """The discussion thread's name: the title as plain text, cut on a word to fit 100 characters."""
    for candidate in (lesson.title, lesson.id, "Discussion"):
        name = truncate_words(_plain(candidate), limits.THREAD_NAME)
        if name:
            return name
    return "Discussion"  # unreachable: the last candidate is never empty


def prompt_message(prompt: str) -> str:
    """The thread's first message: the question, quoted, and an invitation to answer."""
    head = "**Food for thought**\n"
    tail = "\n\n" + REPLY_INVITATION
    question = prompt.strip()
    room = limits.MESSAGE_CONTENT - len(head) - len(tail)
    quoted = _quote(question)
    if len(quoted) > room:
        quoted = _quote(truncate(question, max(1, room - 2 * question.count("\n") - 2)))
    if len(quoted) > room:  # very many short lines: quote it as one
        quoted = "> " + truncate_words(question, room - 2)
    return head + quoted + tail if quoted else head.rstrip("\n") + tail


def text_embeds(
    title: str,
    text: str,
    color: int,
    *,
    author: str | None = None,
    footer: str | None = None,
) -> list[Embed]:
    """One headed part as embeds: the first titled ``title``, continuations "(continued)".

    The author line goes on the first embed, the footer on the last; each description is cut
    small enough that every embed stays within the per-embed and per-message limits.
    """
    title = truncate(title, limits.EMBED_TITLE) if title.strip() else ""
    more = truncate(title + CONTINUED, limits.EMBED_TITLE) if title else ""
    author = truncate_words(author, limits.EMBED_AUTHOR_NAME) if author and author.strip() else None
    footer = _footer_text(footer) if footer and footer.strip() else None
    room = min(
        limits.EMBED_DESCRIPTION,
        limits.EMBED_TOTAL - max(len(title), len(more)) - len(author or "") - len(footer or ""),
    )
    chunks = split_markdown(text, room) or [""]
    embeds: list[Embed] = []
    for index, chunk in enumerate(chunks):
        embed: Embed = {"color": color}
        shown = title if index == 0 else more
        if shown:
            embed["title"] = shown
        if index == 0 and author:
            embed["author"] = {"name": author}
        if chunk:
            embed["description"] = chunk
        if index == len(chunks) - 1 and footer:
            embed["footer"] = {"text": footer}
        if len(embed) > 1:  # something besides the color
            embeds.append(embed)
    return embeds


def embed_size(embed: Mapping[str, Any]) -> int:
    """The characters Discord counts towards a message's 6,000: title, description, fields, footer, author."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    for field in embed.get("fields", ()):
        size += len(field.get("name", "")) + len(field.get("value", ""))
    size += len(embed.get("footer", {}).get("text", ""))
    size += len(embed.get("author", {}).get("name", ""))
    return size


def pack_messages(embeds: Iterable[Embed]) -> tuple[tuple[Embed, ...], ...]:
    """Embeds in order, as few messages as the 10-embed and 6,000-character limits allow."""
    messages: list[tuple[Embed, ...]] = []
    current: list[Embed] = []
    total = 0
    for embed in embeds:
        size = embed_size(embed)
        if current and (len(current) == limits.EMBEDS_PER_MESSAGE or total + size > limits.EMBED_TOTAL):
            messages.append(tuple(current))
            current, total = [], 0
        current.append(embed)
        total += size
    if current or not messages:
        messages.append(tuple(current) or ({"color": ARTICLE_COLOR, "description": "(empty lesson)"},))
    return tuple(messages)


def _header_text(lesson: Lesson) -> str:
    """The lead quote with its author, then the opening paragraph(s)."""
    parts = []
    if lesson.quote and lesson.quote.strip():
        text = lesson.quote.strip()
        if text[0] not in "“\"'‘«„":
            text = f"“{text}”"
        quote = _quote(text)
        if lesson.quote_author and lesson.quote_author.strip():
            quote += "\n> — " + " ".join(lesson.quote_author.split())
        parts.append(quote)
    if lesson.opening and lesson.opening.strip():
        parts.append(lesson.opening.strip())
    return "\n\n".join(parts)


def _author(lesson: Lesson) -> str | None:
    if lesson.week is not None:
        return f"Week {lesson.week}"
    if lesson.date is not None:
        return lesson.date.isoformat()
    return None


def _prompt_text(prompt: str) -> str:
    """The question in bold (when bold cannot clash with its own Markdown), and where to answer."""
    question = prompt.strip()
    if question and "*" not in question and "\n\n" not in question:
        question = f"**{question}**"
    return (question + "\n\n" if question else "") + "*Answer in the discussion thread below.*"


def _footer(lesson: Lesson) -> str | None:
    parts = [p.strip() for p in (lesson.source, lesson.disclaimer) if p and p.strip()]
    return "\n".join(parts) or None


def _footer_text(text: str) -> str:
    text = text.strip()
    if len(text) <= limits.EMBED_FOOTER_TEXT:
        return text
    return truncate_words(text, limits.EMBED_FOOTER_TEXT)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines()) if text else ""


def _plain(text: str) -> str:
    """Markdown markers dropped, for a thread name, which shows them literally."""
    for marker in ("**", "__", "~~", "||", "`", "*"):
        text = text.replace(marker, "")
    return text.strip("_ ")
