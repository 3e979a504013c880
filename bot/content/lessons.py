"""Parsing one lesson file (``lessons/<id>.md``) into a Lesson, with every problem at its line.

A lesson is YAML front matter between ``---`` lines, then a Markdown body: the opening before
the first ``## `` heading, then one section per heading; the section headed exactly "Summary"
becomes ``Lesson.summary``. Checks that need other files (the glossary, other lessons) live in
``validate.py``; this module only judges the file in front of it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode

from bot import limits
from bot.content.frontmatter import (
    INT_TAG,
    KEY_RE,
    NULL_TAG,
    compose_yaml,
    describe,
    did_you_mean,
    line_of,
    split_front_matter,
    text_list,
    text_value,
)
from bot.content.models import Lesson, Problem, Section

REQUIRED_FIELDS = ("title", "prompt", "concept")
OPTIONAL_FIELDS = ("week", "date", "quote", "quote_author", "source", "disclaimer", "tags")
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

T = TypeVar("T")

# Each text field, the Discord limit it must fit and where it goes (named in the message).
TEXT_LIMITS: Mapping[str, tuple[int, str]] = MappingProxyType(
    {
        "title": (limits.EMBED_TITLE, "an embed title"),
        "prompt": (limits.EMBED_FIELD_VALUE, "an embed field"),
        "quote": (limits.EMBED_FIELD_VALUE, "an embed field"),
        "quote_author": (limits.EMBED_AUTHOR_NAME, "an embed author line"),
        "source": (limits.EMBED_FOOTER_TEXT, "an embed footer"),
        "disclaimer": (limits.EMBED_FOOTER_TEXT, "an embed footer"),
    }
)
HEADING_LIMIT = limits.EMBED_FIELD_NAME
ID_LIMIT = limits.CHOICE_VALUE  # lesson ids are autocomplete values
SUMMARY_HEADING = "Summary"

_HEADING_RE = re.compile(r"##(?:[ \t]+(.*?)(?:[ \t]+#+)?)?[ \t]*")
_FENCE_RE = re.compile(r" {0,3}(```|~~~)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK_RE = re.compile(r"\+?\d{1,9}")

__all__ = ["FIELDS", "REQUIRED_FIELDS", "ParsedLesson", "parse_lesson", "read_lesson"]


@dataclass(frozen=True, slots=True)
class ParsedLesson:
    """A lesson and the line of each front matter field, for checks across files."""

    lesson: Lesson
    lines: Mapping[str, int]


def parse_lesson(path: Path, text: str) -> tuple[Lesson | None, list[Problem]]:
    """The lesson in ``text`` (read from ``path``), or None with the problems that rule it out.

    Only this file is judged: whether its concept exists, or another lesson shares its week, is
    for ``validate.check_library``.
    """
    parsed, problems = read_lesson(path, text)
    return (parsed.lesson if parsed is not None else None), problems


def read_lesson(path: Path, text: str) -> tuple[ParsedLesson | None, list[Problem]]:
    """Like ``parse_lesson``, keeping each field's line."""
    front, problems = split_front_matter(path, text)
    if front is None:
        return None, problems
    first = front.yaml_first_line
    root, problems = compose_yaml(path, front.yaml_text, first)
    if problems:
        return None, problems
    if root is None:
        return None, [
            Problem(
                path,
                1,
                "the front matter is empty; it needs at least title, prompt, concept and week or date.",
            )
        ]
    if not isinstance(root, MappingNode):
        return None, [
            Problem(
                path,
                line_of(root, first),
                f"the front matter must be 'field: value' lines, got {describe(root)}.",
            )
        ]

    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        name = key_node.value if isinstance(key_node, ScalarNode) else describe(key_node)
        line = line_of(key_node, first)
        if name not in FIELDS:
            problems.append(Problem(path, line, f"unknown field '{name}'{did_you_mean(name, FIELDS)}"))
            continue
        if name in lines:
            problems.append(
                Problem(path, line, f"field '{name}' appears twice; it is first set on line {lines[name]}.")
            )
            continue
        lines[name] = line
        value = _field(path, name, value_node, first, problems)
        if value is not None:
            values[name] = value

    missing = [name for name in REQUIRED_FIELDS if name not in lines]
    if missing:
        names = ", ".join(missing)
        problems.append(
            Problem(path, 1, f"missing required field{'s' if len(missing) > 1 else ''}: {names}.")
        )
    if "week" not in lines and "date" not in lines:
        problems.append(Problem(path, 1, "missing week or date: one of them places the lesson in the queue."))
    elif "week" in lines and "date" in lines:
        later = max(lines["week"], lines["date"])
        problems.append(Problem(path, later, "set either week or date, not both."))

    problems.extend(_check_id(path))
    opening, sections, summary = _body(path, front.body, front.body_first_line, problems)
    if problems:
        return None, problems

    tags = values.get("tags", ())
    lesson = Lesson(
        id=path.stem,
        title=str(values["title"]),
        prompt=str(values["prompt"]),
        concept=str(values["concept"]),
        opening=opening,
        sections=sections,
        summary=summary,
        week=_optional(values, "week", int),
        date=_optional(values, "date", dt.date),
        quote=_optional(values, "quote", str),
        quote_author=_optional(values, "quote_author", str),
        source=_optional(values, "source", str),
        disclaimer=_optional(values, "disclaimer", str),
        tags=tuple(str(tag) for tag in tags) if isinstance(tags, tuple) else (),
        path=path,
    )
    lines["front_matter"] = 1
    return ParsedLesson(lesson, MappingProxyType(lines)), []


def _optional(values: Mapping[str, object], name: str, kind: type[T]) -> T | None:
    """``values[name]`` if set. ``_field`` gave it its type already; this tells the type checker."""
    value = values.get(name)
    return value if isinstance(value, kind) else None


def _field(path: Path, name: str, node: Node, first: int, problems: list[Problem]) -> object:
    """One front matter value converted to its type, or None after appending its problem."""
    if name in TEXT_LIMITS:
        limit, where = TEXT_LIMITS[name]
        return text_value(node, name, path, first, problems, limit=limit, where=where)
    if name == "concept":
        key = text_value(node, name, path, first, problems)
        if key is not None and KEY_RE.fullmatch(key) is None:
            problems.append(
                Problem(
                    path,
                    line_of(node, first),
                    f"concept '{key}' is not a glossary key; keys are lowercase words joined by hyphens.",
                )
            )
            return None
        return key
    if name == "week":
        return _week(path, node, first, problems)
    if name == "date":
        return _date(path, node, first, problems)
    return text_list(node, name, path, first, problems, limit=limits.CHOICE_NAME, where="a tag choice")


def _week(path: Path, node: Node, first: int, problems: list[Problem]) -> int | None:
    if isinstance(node, ScalarNode) and node.tag == INT_TAG and _WEEK_RE.fullmatch(node.value):
        week = int(node.value)
        if week >= 1:
            return week
        problems.append(Problem(path, line_of(node, first), f"week must be 1 or more, got {week}."))
        return None
    problems.append(
        Problem(path, line_of(node, first), f"week must be a whole number, got {describe(node)}.")
    )
    return None


def _date(path: Path, node: Node, first: int, problems: list[Problem]) -> dt.date | None:
    if isinstance(node, ScalarNode) and node.tag != NULL_TAG and _DATE_RE.fullmatch(node.value.strip()):
        try:
            return dt.date.fromisoformat(node.value.strip())
        except ValueError:
            problems.append(
                Problem(path, line_of(node, first), f"date {describe(node)} is not a day of the calendar.")
            )
            return None
    problems.append(
        Problem(path, line_of(node, first), f"date must be a day written YYYY-MM-DD, got {describe(node)}.")
    )
    return None


def _check_id(path: Path) -> list[Problem]:
    """The file name is the lesson's id: posts and schedules refer to it, autocomplete offers it."""
    lesson_id = path.stem
    if len(lesson_id) > ID_LIMIT:
        return [
            Problem(
                path,
                1,
                f"the file name is {len(lesson_id)} characters long; a lesson id holds at most {ID_LIMIT}.",
            )
        ]
    if KEY_RE.fullmatch(lesson_id) is None:
        return [
            Problem(
                path,
                1,
                f"the file name '{lesson_id}' must be lowercase letters, digits and hyphens, "
                "like '2026-11-whither-russias-ai-ambition.md'.",
            )
        ]
    return []


def _body(
    path: Path, body: str, first_line: int, problems: list[Problem]
) -> tuple[str, tuple[Section, ...], str | None]:
    """Split the Markdown body into the opening, the sections and the summary."""
    opening: list[str] = []
    parts: list[tuple[str, int, list[str]]] = []  # heading, its line, its lines
    current = opening
    fence: str | None = None
    for offset, line in enumerate(body.split("\n")):
        fence_match = _FENCE_RE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif marker == fence:
                fence = None
        elif fence is None:
            heading = _HEADING_RE.fullmatch(line)
            if heading is not None:
                current = []
                parts.append(((heading.group(1) or "").strip(), first_line + offset, current))
                continue
        current.append(line)

    opening_text = "\n".join(opening).strip()
    if not opening_text and not parts:
        problems.append(Problem(path, first_line - 1, "the lesson has no text after the front matter."))
    sections: list[Section] = []
    summary: str | None = None
    seen: dict[str, int] = {}
    for name, line_no, content in parts:
        text = "\n".join(content).strip()
        if not name:
            problems.append(Problem(path, line_no, "a section heading is empty; write it after '## '."))
            continue
        if len(name) > HEADING_LIMIT:
            problems.append(
                Problem(
                    path,
                    line_no,
                    f"the heading is {len(name)} characters long; "
                    f"an embed field name holds at most {HEADING_LIMIT}.",
                )
            )
        folded = name.casefold()
        if folded in seen:
            problems.append(
                Problem(path, line_no, f"the heading '{name}' is used twice; first on line {seen[folded]}.")
            )
        seen.setdefault(folded, line_no)
        if not text:
            problems.append(Problem(path, line_no, f"the section '{name}' has no text."))
        if name == SUMMARY_HEADING:
            summary = text
        else:
            sections.append(Section(name, text))
    return opening_text, tuple(sections), summary
