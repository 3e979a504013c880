"""Glossary answers: a concept's embed, the "no such concept" sentence, a page of the glossary.

Pure: plain dicts in Discord's embed JSON shape; every text is cut to its limit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import limits
from bot.content.models import Concept, Lesson
from bot.render.echo import echo, escape_user_text
from bot.render.lesson import embed_size
from bot.render.text import truncate, truncate_words

__all__ = [
    "CONCEPT_COLOR",
    "render_concept",
    "render_concepts_page",
    "render_unknown_concept",
]

CONCEPT_COLOR = 0x2ECC71
GLOSSARY_COLOR = 0x5865F2
_LINE_SHOWN = 160  # characters of a definition shown on a glossary page


def render_concept(concept: Concept, related: Sequence[Concept], lessons: Sequence[Lesson]) -> dict[str, Any]:
    """The /concept answer: term, definition, aliases, related concepts, lessons that teach it."""
    embed: dict[str, Any] = {
        "title": truncate(concept.term, limits.EMBED_TITLE) or concept.key,
        "description": truncate(concept.definition, limits.EMBED_DESCRIPTION) or "(no definition)",
        "color": CONCEPT_COLOR,
        "fields": [],
    }
    fields = embed["fields"]
    if concept.aliases:
        fields.append(_field("Also known as", ", ".join(concept.aliases)))
    if related:
        fields.append(_field("Related", ", ".join(c.term for c in related)))
    if lessons:
        fields.append(_field("Taught in", "\n".join(_lesson_line(lesson) for lesson in lessons)))
    if concept.tags:
        embed["footer"] = {
            "text": truncate_words("Tags: " + ", ".join(concept.tags), limits.EMBED_FOOTER_TEXT)
        }
    _fit_total(embed)
    return embed


def render_unknown_concept(query: str, suggestions: Sequence[Concept]) -> str:
    """One plain sentence for a miss, with "did you mean" when there is something close."""
    sentence = f"No concept called {echo(query)}."
    if suggestions:
        names = ", ".join(escape_user_text(c.term) for c in suggestions[:5])
        sentence += f" Did you mean: {names}?"
    else:
        sentence += " Try /concepts to browse the glossary."
    return truncate_words(sentence, limits.MESSAGE_CONTENT)


def render_concepts_page(
    concepts: Sequence[Concept], page: int, per_page: int, tag: str | None
) -> dict[str, Any]:
    """One page (1-based, clamped) of the glossary browser, each concept on a line."""
    per_page = max(1, per_page)
    pages = max(1, -(-len(concepts) // per_page))
    page = min(max(page, 1), pages)
    title = "Glossary" if not tag else f"Glossary: {tag}"
    lines = []
    room = limits.EMBED_DESCRIPTION
    for concept in concepts[(page - 1) * per_page : page * per_page]:
        line = f"**{truncate_words(concept.term, 100)}**: {truncate_words(concept.definition, _LINE_SHOWN)}"
        if room - len(line) - 1 < 0:
            break
        lines.append(line)
        room -= len(line) + 1
    if not lines:
        lines.append(f"No concept has the tag {echo(tag)}." if tag else "The glossary is empty.")
    return {
        "title": truncate_words(title, limits.EMBED_TITLE),
        "description": "\n".join(lines),
        "color": GLOSSARY_COLOR,
        "footer": {"text": f"Page {page} of {pages}"},
    }


def _lesson_line(lesson: Lesson) -> str:
    when = (
        f"week {lesson.week}" if lesson.week is not None else (lesson.date.isoformat() if lesson.date else "")
    )
    return f"{lesson.title} ({when})" if when else lesson.title


def _field(name: str, value: str) -> dict[str, Any]:
    return {
        "name": truncate_words(name, limits.EMBED_FIELD_NAME),
        "value": truncate(value, limits.EMBED_FIELD_VALUE) or "—",
        "inline": False,
    }


def _fit_total(embed: dict[str, Any]) -> None:
    """Shorten the description until the whole embed is within 6,000 characters (rarely needed)."""
    over = embed_size(embed) - limits.EMBED_TOTAL
    if over > 0:
        embed["description"] = truncate(embed["description"], len(embed["description"]) - over)
