"""A Lesson and its Concept written back as content files: ``lessons/<id>.md`` and a glossary entry.

``python -m bot import`` and ``/library export`` turn a parsed article into the files a content
maintainer keeps in ``lessons/``. The text written here is read back by ``lessons.py`` and
``glossary.py`` into the very same Lesson and Concept (the tests hold that for any article the
parser accepts), so exporting never changes a lesson.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import textwrap
import unicodedata
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bot.content.frontmatter import NULL_TAG, compose_yaml
from bot.content.models import Concept, Lesson

__all__ = [
    "GlossaryAppendError",
    "append_concept",
    "glossary_entry_text",
    "lesson_file_text",
    "lesson_id",
    "slug",
]

SLUG_LIMIT = 80  # leaves room for a "YYYY-MM-" prefix within a lesson id's 100 characters
_APOSTROPHES = str.maketrans("", "", "'’ʼ`´")
_DEFINITION_WIDTH = 96
NEW_GLOSSARY = "# The study group's glossary: one entry per concept. Format: docs/content.md.\nconcepts:\n"


def slug(text: str, *, fallback: str = "item") -> str:
    """Lowercase ASCII words joined by hyphens: "Whither Russia’s AI ambition" -> whither-russias-ai-ambition.

    Accents are dropped (``café`` -> ``cafe``); a text with no Latin letter or digit at all gets
    ``fallback`` and a short hash of the text, so that it still has a stable, distinct name.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text.translate(_APOSTROPHES).lower()).split()
    result = ""
    for word in words:
        candidate = f"{result}-{word}" if result else word
        if len(candidate) > SLUG_LIMIT:
            break
        result = candidate
    if not result and words:  # one word longer than the limit
        result = words[0][:SLUG_LIMIT]
    if result:
        return result
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:8]
    return f"{fallback}-{digest}"


def lesson_id(day: dt.date, title: str) -> str:
    """A new lesson's id (its file name without ``.md``): the year and month, then the title's slug."""
    return f"{day.year:04d}-{day.month:02d}-{slug(title, fallback='lesson')}"


def _yaml_field(name: str, value: object) -> str:
    """One ``name: value`` line (or block), quoted as YAML needs, never wrapped."""
    return yaml.safe_dump({name: value}, allow_unicode=True, width=10**9, sort_keys=False)


def lesson_file_text(lesson: Lesson) -> str:
    """The lesson file: YAML front matter, then the opening, the sections and the summary in Markdown."""
    fields: list[tuple[str, object]] = [("title", lesson.title)]
    if lesson.week is not None:
        fields.append(("week", lesson.week))
    if lesson.date is not None:
        fields.append(("date", lesson.date.isoformat()))
    fields += [
        ("quote", lesson.quote),
        ("quote_author", lesson.quote_author),
        ("prompt", lesson.prompt),
        ("concept", lesson.concept),
        ("source", lesson.source),
        ("disclaimer", lesson.disclaimer),
        ("tags", list(lesson.tags) or None),
    ]
    front = "".join(_yaml_field(name, value) for name, value in fields if value is not None)
    parts = [lesson.opening]
    parts += [f"## {section.heading}\n\n{section.body}" for section in lesson.sections]
    if lesson.summary is not None:
        parts.append(f"## Summary\n\n{lesson.summary}")
    body = "\n\n".join(part for part in parts if part)
    return f"---\n{front}---\n{body}\n"


def glossary_entry_text(concept: Concept, *, dash_indent: int = 2, item_indent: int = 4) -> str:
    """The concept as one entry of ``glossary.yaml``'s ``concepts:`` list, in the shipped file's style.

    The definition is folded (``>-``) over lines of about 100 characters when that reads back
    exactly; any other text is written in whatever quoted form YAML needs.
    """
    pad = " " * item_indent
    lines = [f"{' ' * dash_indent}-{' ' * (item_indent - dash_indent - 1)}key: {_scalar(concept.key)}"]
    lines.append(f"{pad}term: {_scalar(concept.term)}")
    folded = _folded(concept.definition, pad + "  ")
    lines.append(f"{pad}definition: {folded if folded is not None else _scalar(concept.definition)}")
    for name in ("aliases", "related", "tags"):
        values = getattr(concept, name)
        if values:
            lines.append(f"{pad}{name}: [{', '.join(_flow_item(v) for v in values)}]")
    return "\n".join(lines) + "\n"


def _scalar(value: str) -> str:
    """A string as a YAML scalar on one line, quoted if YAML would read it otherwise."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9, default_style=None)
    if dumped.endswith("\n...\n"):
        dumped = dumped[: -len("\n...\n")]
    dumped = dumped.rstrip("\n")
    if "\n" in dumped:  # never, with an infinite width; kept safe anyway
        dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9, default_style='"').rstrip("\n")
    return dumped


def _flow_item(value: str) -> str:
    """A list item inside ``[...]``: plain when it cannot be misread there, else double-quoted."""
    if value and all(ch.isalnum() or ch in " -'’." for ch in value) and value == value.strip():
        plain = _scalar(value)
        if plain == value:
            return value
    return yaml.safe_dump(value, allow_unicode=True, width=10**9, default_style='"').rstrip("\n")


def _folded(text: str, pad: str) -> str | None:
    """``>-`` and the text wrapped under it, or None when folding would not give the text back."""
    if not text or text != text.strip() or "\n" in text or "  " in text or "#" in text[:1]:
        return None
    wrapped = textwrap.wrap(text, _DEFINITION_WIDTH, break_long_words=False, break_on_hyphens=False)
    block = ">-\n" + "\n".join(pad + line for line in wrapped)
    try:
        if yaml.safe_load(f"definition: {block}\n") != {"definition": text}:
            return None
    except yaml.YAMLError:
        return None
    return block


class GlossaryAppendError(ValueError):
    """The glossary's text is not a list this module can append to; the message says why, plainly."""


def append_concept(glossary_text: str | None, concept: Concept) -> str:
    """The glossary text with ``concept`` appended to its ``concepts:`` list, everything else untouched.

    Comments, order and formatting of the existing entries stay byte for byte; the new entry is
    indented like the last one. ``None`` (no glossary yet) starts a new file.
    """
    if glossary_text is None or not glossary_text.strip():
        return NEW_GLOSSARY + glossary_entry_text(concept)
    root, problems = compose_yaml(Path("glossary.yaml"), glossary_text)
    if problems:
        raise GlossaryAppendError(f"it cannot be read ({problems[0].message.rstrip('.')})")
    entries = _concepts_node(root)
    text = glossary_text if glossary_text.endswith("\n") else glossary_text + "\n"
    if isinstance(entries, ScalarNode):  # "concepts:" with nothing under it yet
        return text + glossary_entry_text(concept)
    if entries.flow_style:
        if entries.value:
            raise GlossaryAppendError("its concepts are a [...] list; write them one entry a block")
        start, end = entries.start_mark.index, entries.end_mark.index
        return _append(glossary_text[:start].rstrip(" ") + glossary_text[end:], concept, 2, 4)
    last = entries.value[-1]
    dash = entries.start_mark.column
    item = last.start_mark.column if isinstance(last, MappingNode) else dash + 2
    return _append(text, concept, dash, max(item, dash + 2))


def _append(text: str, concept: Concept, dash: int, item: int) -> str:
    text = text if text.endswith("\n") else text + "\n"
    separator = "" if text.endswith("\n\n") else "\n"
    return text + separator + glossary_entry_text(concept, dash_indent=dash, item_indent=item)


def _concepts_node(root: object) -> SequenceNode | ScalarNode:
    """The value under ``concepts:``, which must be a list or nothing, and the file's last top-level key."""
    if not isinstance(root, MappingNode):
        raise GlossaryAppendError("it is not a mapping with a 'concepts:' list")
    found = [(k, v) for k, v in root.value if isinstance(k, ScalarNode) and k.value == "concepts"]
    if len(found) != 1:
        raise GlossaryAppendError("it needs exactly one top-level 'concepts:' list")
    key, value = found[0]
    if root.value[-1][0] is not key:
        raise GlossaryAppendError("'concepts:' must be its last top-level field")
    if isinstance(value, SequenceNode):
        return value
    if isinstance(value, ScalarNode) and value.tag == NULL_TAG and not value.value:
        return value
    raise GlossaryAppendError("its 'concepts:' is not a list")
