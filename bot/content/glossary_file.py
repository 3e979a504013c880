"""Loading ``lessons/glossary.yaml`` into Concepts, with every problem at its line.

The file is a top-level ``concepts:`` list; each entry has ``key``, ``term``, ``definition`` and
optional ``aliases``, ``related`` and ``tags``. An entry with any problem is left out and the
rest are served, so one typo never empties the bot's glossary.

Speed matters (a large glossary loads at start-up): the YAML is composed once into nodes, each
Concept is built straight from its nodes, and every cross-entry check is a dict or set lookup,
so loading stays O(n) and close to the cost of a bare YAML parse.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot import limits
from bot.content.frontmatter import (
    KEY_RE,
    NULL_TAG,
    STR_TAG,
    compose_yaml,
    describe,
    did_you_mean,
    line_of,
    read_text,
    text_list,
    text_value,
)
from bot.content.glossary import normalise_many
from bot.content.models import Concept, Problem

log = logging.getLogger(__name__)

REQUIRED_FIELDS = ("key", "term", "definition")
FIELDS = (*REQUIRED_FIELDS, "aliases", "related", "tags")
_FIELD_SET = frozenset(FIELDS)
_REQUIRED_SET = frozenset(REQUIRED_FIELDS)

# Where each name ends up in Discord, hence its limit.
KEY_LIMIT = limits.CHOICE_VALUE  # autocomplete choice value
TERM_LIMIT = limits.EMBED_TITLE  # the concept embed's title
ALIAS_LIMIT = limits.CHOICE_NAME  # an autocomplete choice shows an alias
DEFINITION_LIMIT = limits.EMBED_DESCRIPTION
# A tag travels in the custom_id of /concepts' paging buttons (100 characters in all, ':' separated).
TAG_LIMIT = 60

__all__ = ["FIELDS", "GlossaryFile", "load_glossary", "normalise_name", "parse_glossary"]


def normalise_name(name: str) -> str:
    """The form in which two terms or aliases count as the same name (case and spacing ignored)."""
    return " ".join(name.casefold().split())


@dataclass(frozen=True, slots=True)
class GlossaryFile:
    """What one glossary file yields.

    ``defined_keys`` holds every well-formed key in the file, including those of entries left
    out for other problems, so that a lesson naming such a key is not reported a second time.
    """

    concepts: tuple[Concept, ...]
    problems: tuple[Problem, ...]
    defined_keys: frozenset[str]


@dataclass(slots=True)
class _Entry:
    """An entry on its way to becoming a Concept, with what the cross-entry checks need."""

    line: int
    key: str | None
    key_line: int
    term: str | None
    term_line: int
    definition: str | None
    aliases: tuple[str, ...]
    alias_nodes: list[Node]
    related: tuple[str, ...]
    related_nodes: list[Node]
    tags: tuple[str, ...]
    bad: bool


def load_glossary(path: Path) -> tuple[list[Concept], list[Problem]]:
    """Read and check a glossary file: the valid concepts, and the problems of the rest."""
    text, problems = read_text(path)
    if text is None:
        return [], problems
    parsed = parse_glossary(path, text)
    return list(parsed.concepts), list(parsed.problems)


def parse_glossary(path: Path, text: str) -> GlossaryFile:
    """Check a glossary's text and build its valid concepts; never raises for bad content."""
    with paused_gc():
        return _parse_glossary(path, text)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large glossary is parsed.

    Composing YAML allocates several objects per value (node, start and end marks), none of them
    in reference cycles; with the collector running, its repeated passes over that growing heap
    cost three times the parse itself (measured: 1.6 s against 0.4 s for 10,000 concepts).
    Reference counting still frees everything; the collector resumes, if it was on, on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_glossary(path: Path, text: str) -> GlossaryFile:
    root, problems = compose_yaml(path, text)
    if problems:
        return GlossaryFile((), tuple(problems), frozenset())
    if root is None:
        problem = Problem(path, 1, "the glossary is empty; it needs a top-level 'concepts:' list.")
        return GlossaryFile((), (problem,), frozenset())
    entries_node = _concepts_list(path, root, problems)
    if entries_node is None:
        return GlossaryFile((), tuple(problems), frozenset())

    entries = [_read_entry(path, node, problems) for node in entries_node.value]
    defined = _check_keys(path, entries, problems)
    _check_names(path, entries, problems)
    _check_related(path, entries, defined, problems)

    served = {e.key for e in entries if not e.bad}
    concepts = []
    for e in entries:
        if e.bad or e.key is None or e.term is None or e.definition is None:
            continue  # a missing field made the entry bad; the check says so to the type checker
        related = e.related
        if related and not served.issuperset(related):
            # It points at an entry left out for its own problems (already reported there).
            related = tuple(k for k in related if k in served)
        concepts.append(Concept(e.key, e.term, e.definition, e.aliases, related, e.tags))
    if problems:
        log.debug("%s: %d problems, %d concepts served", path, len(problems), len(concepts))
    problems.sort(key=lambda p: p.line)
    return GlossaryFile(tuple(concepts), tuple(problems), frozenset(defined))


def _concepts_list(path: Path, root: Node, problems: list[Problem]) -> SequenceNode | None:
    """The ``concepts:`` list under the top-level mapping, reporting anything else up there."""
    if not isinstance(root, MappingNode):
        problems.append(
            Problem(
                path,
                line_of(root),
                f"the glossary must be a mapping with a 'concepts:' list, got {describe(root)}.",
            )
        )
        return None
    found: SequenceNode | None = None
    seen = False
    for key_node, value_node in root.value:
        name = key_node.value if isinstance(key_node, ScalarNode) else describe(key_node)
        if name != "concepts":
            problems.append(
                Problem(
                    path, line_of(key_node), f"unknown top-level field '{name}'; only 'concepts' is allowed."
                )
            )
            continue
        if seen:
            problems.append(Problem(path, line_of(key_node), "'concepts' appears twice at the top level."))
            continue
        seen = True
        if isinstance(value_node, SequenceNode):
            found = value_node
        elif isinstance(value_node, ScalarNode) and value_node.tag == NULL_TAG:
            found = SequenceNode("tag:yaml.org,2002:seq", [], value_node.start_mark, value_node.end_mark)
        else:
            problems.append(
                Problem(
                    path,
                    line_of(value_node),
                    f"'concepts' must be a list of entries, got {describe(value_node)}.",
                )
            )
    if not seen:
        problems.append(Problem(path, line_of(root), "the glossary has no top-level 'concepts:' list."))
    return found


def _read_entry(path: Path, node: Node, problems: list[Problem]) -> _Entry:
    """One entry's fields; the common case (plain strings) stays on a fast path."""
    line = node.start_mark.line + 1
    entry = _Entry(line, None, line, None, line, None, (), [], (), [], (), False)
    if not isinstance(node, MappingNode):
        problems.append(
            Problem(
                path,
                line,
                f"a glossary entry must be a mapping with key, term and definition, got {describe(node)}.",
            )
        )
        entry.bad = True
        return entry
    before = len(problems)
    seen: set[str] = set()
    for key_node, value in node.value:
        name = key_node.value if type(key_node) is ScalarNode else ""
        if name not in _FIELD_SET:
            shown = name or describe(key_node)
            problems.append(
                Problem(
                    path,
                    key_node.start_mark.line + 1,
                    f"unknown field '{shown}' in a glossary entry{did_you_mean(shown, FIELDS)}",
                )
            )
            continue
        if name in seen:
            problems.append(
                Problem(path, key_node.start_mark.line + 1, f"field '{name}' appears twice in this entry.")
            )
            continue
        seen.add(name)
        if name == "key":
            entry.key_line = value.start_mark.line + 1
            entry.key = _key(path, value, problems)
        elif name == "term":
            entry.term_line = value.start_mark.line + 1
            entry.term = _fast_text(value, TERM_LIMIT) or text_value(
                value, "term", path, 1, problems, limit=TERM_LIMIT, where="an embed title"
            )
        elif name == "definition":
            entry.definition = _fast_text(value, DEFINITION_LIMIT) or text_value(
                value, "definition", path, 1, problems, limit=DEFINITION_LIMIT, where="an embed description"
            )
        elif name == "aliases":
            aliases = _fast_list(value, ALIAS_LIMIT)
            if aliases is None:
                aliases = text_list(
                    value, "aliases", path, 1, problems, limit=ALIAS_LIMIT, where="an autocomplete choice"
                )
            if aliases:
                entry.aliases = aliases
                entry.alias_nodes = value.value
        elif name == "related":
            related = _fast_list(value, KEY_LIMIT) or text_list(value, "related", path, 1, problems)
            if related:
                entry.related = related
                entry.related_nodes = value.value
        else:  # tags
            tags = _fast_list(value, TAG_LIMIT) or text_list(
                value, "tags", path, 1, problems, limit=TAG_LIMIT, where="a tag"
            )
            if tags and any(":" in tag for tag in tags):
                problems.append(Problem(path, line_of(value), "a tag cannot contain ':'."))
            elif tags:
                entry.tags = tags
    if not seen >= _REQUIRED_SET:
        names = ", ".join(f"'{f}'" for f in REQUIRED_FIELDS if f not in seen)
        label = f"'{entry.key}'" if entry.key else "a glossary entry"
        problems.append(Problem(path, line, f"{label} is missing {names}."))
    entry.bad = len(problems) > before
    return entry


def _fast_text(node: Node, limit: int) -> str | None:
    """The plain-string case of ``text_value`` without its bookkeeping; None means "look closer"."""
    if type(node) is ScalarNode and node.tag == STR_TAG:
        value = node.value.strip()
        if value and len(value) <= limit:
            return value
    return None


def _fast_list(node: Node, limit: int) -> tuple[str, ...] | None:
    """The plain case of ``text_list`` (a list of non-empty strings that fit); None means "look closer"."""
    if type(node) is not SequenceNode:
        return None
    items = []
    for item in node.value:
        if type(item) is not ScalarNode or item.tag != STR_TAG:
            return None
        value = item.value.strip()
        if not value or len(value) > limit:
            return None
        items.append(value)
    return tuple(items) if items else None


def _key(path: Path, node: Node, problems: list[Problem]) -> str | None:
    value = _fast_text(node, KEY_LIMIT) or text_value(
        node, "key", path, 1, problems, limit=KEY_LIMIT, where="an autocomplete value"
    )
    if value is None:
        return None
    if KEY_RE.fullmatch(value) is None:
        problems.append(
            Problem(
                path,
                node.start_mark.line + 1,
                f"key '{value}' must be lowercase letters, digits and single hyphens, "
                "like 'supply-chain-dependence'.",
            )
        )
        return None
    return value


def _check_keys(path: Path, entries: list[_Entry], problems: list[Problem]) -> dict[str, int]:
    """Every key once; the later duplicate is the one reported and left out."""
    first_line: dict[str, int] = {}
    for e in entries:
        if e.key is None:
            continue
        if e.key in first_line:
            problems.append(
                Problem(
                    path,
                    e.key_line,
                    f"duplicate key '{e.key}'; it is first used on line {first_line[e.key]}.",
                )
            )
            e.bad = True
        else:
            first_line[e.key] = e.key_line
    return first_line


def _check_names(path: Path, entries: list[_Entry], problems: list[Problem]) -> None:
    """Terms and aliases name one concept each.

    Two names clash when search would treat them as the same (``search.normalise``: case,
    punctuation and hyphens folded), because a look-up could not tell the concepts apart. Within
    one concept only a plain repeat (same words, any case) is reported: "Fine-tuning" with the
    alias "fine tuning" is harmless.
    """
    owner: dict[str, tuple[int, str, str, int]] = {}  # name -> (entry index, label, shown name, line)
    names: list[tuple[int, _Entry, str, str, Node | None]] = []  # (entry index, entry, kind, name, node)
    for index, e in enumerate(entries):
        if e.term is not None:
            names.append((index, e, "term", e.term, None))
        if e.aliases:
            names.extend(
                (index, e, "alias", alias, node)
                for alias, node in zip(e.aliases, e.alias_nodes, strict=False)
            )
    # All names normalised in one batch (tens of thousands of them in a large glossary).
    normalised = normalise_many([name for _, _, _, name, _ in names])
    for (index, e, kind, name, node), folded in zip(names, normalised, strict=True):
        norm = folded or name.casefold()
        previous = owner.get(norm)
        line = e.term_line if node is None else node.start_mark.line + 1
        if previous is None:
            owner[norm] = (index, e.key or "", name, line)
            continue
        label = f"'{previous[1]}'" if previous[1] else "another entry"
        if previous[0] != index:
            problems.append(
                Problem(
                    path,
                    line,
                    f"{kind} '{name}' is already a name of {label} (line {previous[3]}); "
                    "each term and alias must name one concept.",
                )
            )
            e.bad = True
        elif normalise_name(previous[2]) == normalise_name(name):
            problems.append(
                Problem(path, line, f"{kind} '{name}' repeats '{previous[2]}' of the same concept.")
            )
            e.bad = True


def _check_related(
    path: Path, entries: list[_Entry], defined: dict[str, int], problems: list[Problem]
) -> None:
    """Every related key names another concept in this file, once."""
    for e in entries:
        if not e.related:
            continue
        seen: set[str] = set()
        for key, node in zip(e.related, e.related_nodes, strict=False):
            line = node.start_mark.line + 1
            if key == e.key:
                problems.append(Problem(path, line, f"'{key}' lists itself as related."))
                e.bad = True
            elif key in seen:
                problems.append(Problem(path, line, f"related lists '{key}' twice."))
                e.bad = True
            elif key not in defined:
                hint = did_you_mean(key, defined)
                problems.append(
                    Problem(path, line, f"related key '{key}' is not a concept in the glossary{hint}")
                )
                e.bad = True
            seen.add(key)
