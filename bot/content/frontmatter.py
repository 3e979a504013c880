"""Reading content files and their YAML, keeping line numbers for every problem.

Authors fix what the checker points at, so every problem carries the 1-based line in the file.
YAML is composed into nodes (not constructed into Python objects) because the nodes keep their
marks: a value's line costs nothing extra, and building dataclasses straight from the nodes
avoids a second pass over the data. ``yaml_nodes`` composes them (libyaml's C composer when it
can) and refuses anchors, aliases and deep nesting, each as one problem.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.content.models import Problem
from bot.content.yaml_nodes import STR_TAG, RefusedYAML, compose

NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


__all__ = [
    "KEY_RE",
    "NULL_TAG",
    "STR_TAG",
    "FrontMatter",
    "compose_yaml",
    "decode_text",
    "describe",
    "did_you_mean",
    "line_of",
    "read_text",
    "split_front_matter",
    "text_list",
    "text_value",
]


def read_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's text with line endings normalised to ``\\n``, or the problem that stops reading.

    Binary and non-UTF-8 files are problems, not exceptions: a stray file in ``lessons/`` must
    never stop the bot or the checker.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return None, [Problem(path, 1, f"cannot read the file: {reason}.")]
    return decode_text(path, data)


def decode_text(path: Path, data: bytes) -> tuple[str | None, list[Problem]]:
    """``read_text`` for bytes read elsewhere (standard input, an upload); ``path`` names them."""
    if b"\x00" in data:  # No text file holds a NUL byte; the whole file is wrong, so line 1.
        return None, [Problem(path, 1, "the file is binary, not UTF-8 text.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [Problem(path, line, "the file is not valid UTF-8 text; save it as UTF-8.")]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The YAML between the ``---`` lines and the Markdown after them.

    ``yaml_first_line`` is the file line of the YAML's first line, ``body_first_line`` that of
    the body's first line, so that positions inside either map back to the file.
    """

    yaml_text: str
    yaml_first_line: int
    body: str
    body_first_line: int


def split_front_matter(path: Path, text: str) -> tuple[FrontMatter | None, list[Problem]]:
    """Split a lesson file into its front matter and body."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, [
            Problem(path, 1, "missing front matter: the file must start with a line of three dashes (---).")
        ]
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return (
                FrontMatter(
                    yaml_text="\n".join(lines[1:index]),
                    yaml_first_line=2,
                    body="\n".join(lines[index + 1 :]),
                    body_first_line=index + 2,
                ),
                [],
            )
    return None, [
        Problem(path, 1, "the front matter is never closed: add a line of three dashes (---) after it.")
    ]


def compose_yaml(path: Path, text: str, first_line: int = 1) -> tuple[Node | None, list[Problem]]:
    """Parse YAML into nodes; a syntax error becomes one problem at the line YAML reports.

    ``first_line`` is the file line where ``text`` begins (front matter starts on line 2).
    Returns ``(None, [])`` for an empty document.
    """
    try:
        return compose(text), []
    except RefusedYAML as refused:
        return None, [Problem(path, first_line + refused.line, refused.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and mark.line > text.rstrip("\n").count("\n") and exc.context_mark is not None:
            # The parser ran off the end (an unclosed bracket or quote): the line where the
            # unfinished construct opened is the one to fix, not the line after the YAML.
            mark = exc.context_mark
        line = first_line + (mark.line if mark is not None else 0)
        what = exc.problem or "the YAML cannot be read"
        context = f" ({exc.context})" if exc.context else ""
        return None, [Problem(path, line, f"YAML syntax error: {what}{context}.")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, first_line, f"YAML syntax error: {exc}.")]


def line_of(node: Node, first_line: int = 1) -> int:
    """The 1-based file line where ``node`` starts."""
    return node.start_mark.line + first_line


def describe(node: Node) -> str:
    """How a wrong value reads in a message: its text when short, else its kind."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        if node.tag == NULL_TAG:
            return "nothing"
        value = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        return repr(value)
    return "an unknown value"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """The end of a sentence about a misspelt name: ``; did you mean 'x'?`` or just ``.``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else "."


def text_value(
    node: Node,
    field: str,
    path: Path,
    first_line: int,
    problems: list[Problem],
    *,
    limit: int | None = None,
    where: str = "",
) -> str | None:
    """A field's text, stripped; appends a problem and returns None when it is not usable text.

    Any scalar counts as text (``term: 404`` is the text "404"), because authors think in words,
    not YAML types; a list, a mapping or nothing is a mistake. ``limit`` is the Discord limit
    the text must fit, named in ``where`` (e.g. "an embed title").
    """
    if isinstance(node, ScalarNode) and node.tag != NULL_TAG:
        value = node.value.strip()
        if not value:
            problems.append(Problem(path, line_of(node, first_line), f"{field} is empty."))
            return None
        if limit is not None and len(value) > limit:
            problems.append(
                Problem(
                    path,
                    line_of(node, first_line),
                    f"{field} is {len(value)} characters long; {where or 'Discord'} holds at most {limit}.",
                )
            )
            return None
        return value
    if isinstance(node, ScalarNode):
        problems.append(Problem(path, line_of(node, first_line), f"{field} is empty."))
    else:
        problems.append(
            Problem(path, line_of(node, first_line), f"{field} must be text, got {describe(node)}.")
        )
    return None


def text_list(
    node: Node,
    field: str,
    path: Path,
    first_line: int,
    problems: list[Problem],
    *,
    limit: int | None = None,
    where: str = "",
) -> tuple[str, ...] | None:
    """A list of texts (``[a, b]`` or one ``- item`` a line); an empty value is an empty list."""
    if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
        return ()
    if not isinstance(node, SequenceNode):
        problems.append(
            Problem(path, line_of(node, first_line), f"{field} must be a list, got {describe(node)}.")
        )
        return None
    before = len(problems)
    items: list[str] = []
    for item in node.value:
        value = text_value(item, f"an item of {field}", path, first_line, problems, limit=limit, where=where)
        if value is not None:
            items.append(value)
    return tuple(items) if len(problems) == before else None
