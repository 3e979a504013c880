"""Composing a content file's YAML into nodes, refusing what only multiplies the work.

Content files are plain data a few levels deep, so two YAML features are refused rather than
handled:

* **Anchors and aliases** (``&name``, ``*name``). An alias makes one node appear in many
  places, so a 70 KB file of nested aliases is millions of values to check (12.8 s, 1.2 GB and
  3.2 million problems, measured). The first anchor or alias is the file's one problem.
* **Deep nesting.** PyYAML's pure-Python composer recurses once per level and raised
  RecursionError at a few hundred; libyaml stops at 1,000 levels. Both loaders here refuse
  nesting deeper than ``MAX_DEPTH`` with the same sentence.

Two ways in, one result. When libyaml is available and the text holds nothing that could be an
anchor or an alias (no ``&`` or ``*`` where YAML would read one), libyaml composes it in C, as
fast as a bare parse. Otherwise an iterative composer builds the same nodes from the parser's
events (libyaml's when available, else PyYAML's pure-Python one), checking each event: no
recursion, and the refusals above at the line where they happen.
"""

from __future__ import annotations

from typing import Protocol, cast

import yaml
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

__all__ = [
    "ANCHOR_REFUSED",
    "HAS_LIBYAML",
    "MAX_DEPTH",
    "TOO_DEEP",
    "RefusedYAML",
    "compose",
]

MAX_DEPTH = 1000  # nodes inside nodes; libyaml refuses deeper nesting by itself
TOO_DEEP = f"the YAML is nested more than {MAX_DEPTH:,} levels deep; content files need only a few levels."
ANCHOR_REFUSED = (
    "YAML anchors and aliases (&name, *name) are not allowed in content files; write each value out in full."
)

STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"

# Where YAML could read an anchor or an alias: "&" or "*" at the start of a line or after a
# space, a flow indicator or ":", followed by a name character. A superset: "R &D" in a plain
# value counts too and only costs the careful path.
_BEFORE_ANCHOR = frozenset(" \t\r\n[]{},:")
_LIBYAML_TOO_DEEP = "maximum nesting depth"


class RefusedYAML(Exception):
    """YAML that is valid but not accepted in content files; ``line`` is 0-based in the text."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _ComposingResolver(Resolver):
    """The safe loader's tag resolution, the same tags, with less Python per node.

    Composing calls ``resolve`` and the two path-resolver hooks once per node from C; for a
    large glossary those calls cost as much as the parse. Path resolvers are never used here, so
    the hooks do nothing, and the implicit resolvers (the YAML 1.1 patterns for null, bool, int,
    float, timestamp...) are grouped by first character once per loader, in the order
    ``Resolver.resolve`` tries them, so a plain word is resolved with one dict look-up.
    """

    def __init__(self) -> None:
        super().__init__()
        table = self.yaml_implicit_resolvers
        wildcard = list(table.get(None, ()))
        self._implicit = {
            first: tuple(found + wildcard) for first, found in table.items() if first is not None
        }
        self._wildcard = tuple(wildcard)

    def descend_resolver(self, current_node: Node | None, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and value is not None:
                for tag, pattern in self._implicit.get(value[:1], self._wildcard):
                    if pattern.match(value):
                        return tag
            return STR_TAG
        return SEQ_TAG if kind is SequenceNode else MAP_TAG


class _PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python reader, scanner and parser: events only (they do not recurse)."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


try:
    from yaml._yaml import CParser  # what yaml.cyaml re-exports; ImportError without libyaml

    class _CLoader(CParser, _ComposingResolver):
        """libyaml's parser and composer with the resolver above: nodes only, never objects."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _ComposingResolver.__init__(self)

    HAS_LIBYAML = True
except ImportError:  # PyYAML built without libyaml: slower, same results.
    HAS_LIBYAML = False


def compose(text: str) -> Node | None:
    """The single document in ``text`` as nodes (None if empty).

    Raises ``RefusedYAML`` for an anchor, an alias or nesting deeper than ``MAX_DEPTH``, and
    ``yaml.YAMLError`` for a syntax error.
    """
    if HAS_LIBYAML:
        if not _may_hold_anchor(text):
            loader = _CLoader(text)
            try:
                return loader.get_single_node()  # what yaml.compose(text, Loader=_CLoader) does
            except yaml.MarkedYAMLError as error:
                if _LIBYAML_TOO_DEEP in (error.problem or ""):
                    mark = error.problem_mark
                    raise RefusedYAML(mark.line if mark else 0, TOO_DEEP) from None
                raise
            finally:
                loader.dispose()
        return _compose_events(CParser(text))
    return _compose_events(_PureParser(text))


def _may_hold_anchor(text: str) -> bool:
    """Whether some ``&`` or ``*`` in ``text`` stands where YAML would read an anchor or alias.

    Only the ``&`` and ``*`` characters are visited (``str.find``), so a large glossary without
    them costs two scans in C, and one with Markdown stars in its definitions a few more.
    """
    for mark in "&*":
        at = text.find(mark)
        while at != -1:
            before = text[at - 1] if at else "\n"
            after = text[at + 1 : at + 2]
            if before in _BEFORE_ANCHOR and (after.isalnum() or after in ("_", "-")):
                return True
            at = text.find(mark, at + 1)
    return False


class _Events(Protocol):
    """A parser's event stream: libyaml's ``CParser`` or PyYAML's pure-Python parser."""

    def get_event(self) -> Event | None: ...

    def check_event(self, *choices: type[Event]) -> bool: ...


def _mark(mark: object) -> Mark | None:
    """An event's mark for a node. libyaml's marks have the same fields as PyYAML's pure
    ``Mark`` (its own composer puts them on nodes), but the nodes' stubs name only the latter."""
    return cast(Mark | None, mark)


def _line(mark: object) -> int:
    """The 0-based line of an event's mark (0 if the parser gave none)."""
    found = _mark(mark)
    return found.line if found is not None else 0


def _compose_events(parser: _Events) -> Node | None:
    """The composer, iteratively: one pass over the events, a stack for the open collections."""
    get_event = parser.get_event
    check_event = parser.check_event
    resolve = _ComposingResolver().resolve
    get_event()  # the stream's start
    if check_event(StreamEndEvent):
        return None
    get_event()  # the document's start
    root: Node | None = None
    stack: list[Node] = []
    keys: list[Node | None] = []  # for each open mapping, the key waiting for its value
    while True:
        event = get_event()
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor is not None):
            raise RefusedYAML(_line(event.start_mark), ANCHOR_REFUSED)
        if isinstance(event, ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(ScalarNode, event.value, event.implicit)
            node: Node = ScalarNode(
                tag, event.value, _mark(event.start_mark), _mark(event.end_mark), style=event.style
            )
        elif isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise RefusedYAML(_line(event.start_mark), TOO_DEEP)
            tag = event.tag
            kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
            if tag is None or tag == "!":
                tag = SEQ_TAG if kind is SequenceNode else MAP_TAG  # what resolve gives a collection
            node = kind(tag, [], _mark(event.start_mark), None, flow_style=event.flow_style)
        elif isinstance(event, SequenceEndEvent | MappingEndEvent):
            closed = stack.pop()
            keys.pop()
            closed.end_mark = _mark(event.end_mark)
            if not stack:
                root = closed
            continue
        elif isinstance(event, DocumentEndEvent):
            break
        else:  # pragma: no cover - the parser emits nothing else inside a document
            where = _mark(event.start_mark) if event is not None else None
            raise yaml.composer.ComposerError(None, None, f"unexpected {event}", where)
        if stack:
            parent = stack[-1]
            if isinstance(parent, SequenceNode):
                parent.value.append(node)
            elif keys[-1] is None:
                keys[-1] = node
            else:
                parent.value.append((keys[-1], node))
                keys[-1] = None
        else:
            root = node
        if isinstance(event, SequenceStartEvent | MappingStartEvent):
            stack.append(node)
            keys.append(None)
    if not check_event(StreamEndEvent):
        extra = get_event()
        if isinstance(extra, DocumentStartEvent):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                None,
                "but found another document",
                _mark(extra.start_mark),
            )
    get_event()  # StreamEndEvent
    return root
