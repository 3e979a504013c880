"""YAML that only multiplies the work is refused in one problem, by both loaders (issue 10, item 8).

Every test runs twice: with libyaml (the fast loader) and as on a machine whose PyYAML has no
libyaml (the pure-Python fallback).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.content import yaml_nodes
from bot.content.glossary_file import parse_glossary
from bot.content.lessons import read_lesson
from bot.content.validate import MAX_PROBLEMS_PER_FILE, check_directory
from tests.content.conftest import FIRST_LESSON, LESSONS

ANCHORS = yaml_nodes.ANCHOR_REFUSED


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "libyaml":
        if not yaml_nodes.HAS_LIBYAML:
            pytest.skip("PyYAML is built without libyaml here")
    else:
        monkeypatch.setattr(yaml_nodes, "HAS_LIBYAML", False)
    return request.param


def problems_of(text: str) -> list[str]:
    return [f"{p.line}: {p.message}" for p in parse_glossary(Path("glossary.yaml"), text).problems]


ENTRY = "  - key: k{i}\n    term: Term {i}\n    definition: Definition {i}.\n"


def test_an_anchor_and_its_aliases_are_one_problem_at_the_anchor(loader):
    text = (
        "concepts:\n  - &entry\n    key: gpu\n    term: GPU\n    definition: A chip.\n" + "  - *entry\n" * 500
    )
    glossary = parse_glossary(Path("glossary.yaml"), text)
    assert [f"{p.line}: {p.message}" for p in glossary.problems] == [f"2: {ANCHORS}"]
    assert glossary.concepts == ()


def test_an_alias_bomb_costs_one_problem(loader):
    # Each level doubles: 2**16 references to the first list, from a few hundred bytes.
    lines = ["concepts: []", 'a0: &a0 ["x", "x"]']
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 17)]
    assert problems_of("\n".join(lines) + "\n") == [f"2: {ANCHORS}"]


def test_an_alias_in_a_lesson_front_matter_is_refused(loader):
    text = FIRST_LESSON.read_text(encoding="utf-8").replace("\ntitle:", "\ntitle: &t", 1)
    text = text.replace("\nprompt:", "\nquote_author: *t\nprompt:", 1)
    lesson, problems = read_lesson(Path("lesson.md"), text)
    assert lesson is None
    assert [p.message for p in problems] == [ANCHORS]


@pytest.mark.parametrize(
    "nested",
    [
        "concepts: " + "[" * 5000 + "]" * 5000,
        "concepts: " + "{a: " * 5000 + "}" * 5000,
        "concepts:\n" + "- " * 5000 + "x",
    ],
    ids=["brackets", "braces", "block"],
)
def test_deep_nesting_is_one_problem_not_a_crash(loader, nested):
    problems = problems_of(nested + "\n")
    assert len(problems) == 1
    assert problems[0].endswith(yaml_nodes.TOO_DEEP)


def test_deep_nesting_in_a_lesson_front_matter(loader):
    text = "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n"
    lesson, problems = read_lesson(Path("lesson.md"), text)
    assert lesson is None and [p.message for p in problems] == [yaml_nodes.TOO_DEEP]


def test_nesting_within_the_limit_is_only_the_usual_problem(loader):
    text = "concepts:\n  - key: k\n    term: T\n    definition: D\n    tags: " + "[" * 50 + "]" * 50 + "\n"
    assert problems_of(text) == ["5: an item of tags must be text, got a list."]


def test_problems_are_capped_per_file(tmp_path, loader):
    directory = tmp_path / "lessons"
    directory.mkdir()
    shutil.copy(LESSONS / "glossary.yaml", directory)
    bad = "concepts:\n" + "".join(
        f"  - key: Bad Key {i}\n    term: T{i}\n    definition: D.\n" for i in range(300)
    )
    (directory / "glossary.yaml").write_text(bad, encoding="utf-8")
    shutil.copy(FIRST_LESSON, directory)
    checked = check_directory(directory)
    glossary = [p for p in checked.problems if p.path.name == "glossary.yaml"]
    assert len(glossary) == MAX_PROBLEMS_PER_FILE + 1
    assert glossary[-1].message == f"… and {300 - MAX_PROBLEMS_PER_FILE} more problems in this file."
    assert [p.line for p in glossary] == sorted(p.line for p in glossary)


def test_the_shipped_content_reads_the_same_with_both_loaders(monkeypatch):
    fast = check_directory(LESSONS)
    monkeypatch.setattr(yaml_nodes, "HAS_LIBYAML", False)
    pure = check_directory(LESSONS)
    assert fast.problems == pure.problems == ()
    assert fast.lessons == pure.lessons and fast.concepts == pure.concepts


# ------------------------------------------------------------------ the two composers agree
def shape(node: Node | None) -> object:
    """A node tree as plain values: tags, texts, styles and start lines."""
    if node is None:
        return None
    where = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, ScalarNode):
        return ("scalar", node.tag, node.value, node.style or None, where)  # libyaml: "" for plain
    if isinstance(node, SequenceNode):
        return ("seq", node.tag, where, [shape(item) for item in node.value])
    assert isinstance(node, MappingNode)
    return ("map", node.tag, where, [(shape(k), shape(v)) for k, v in node.value])


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["*", "&x", "* bold *", "R &D", "yes", "1_000", "2026-11-25", "~", ""]
)
_DATA = st.recursive(
    _TEXT | st.integers() | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(data=_DATA, flow=st.booleans())
def test_the_iterative_composer_builds_the_nodes_libyaml_builds(data, flow):
    text = yaml.safe_dump({"concepts": data}, default_flow_style=flow, allow_unicode=True)
    expected = yaml.compose(text, Loader=yaml.SafeLoader)
    assert shape(yaml_nodes._compose_events(yaml_nodes._PureParser(text))) == shape(expected)
    if yaml_nodes.HAS_LIBYAML:
        assert shape(yaml_nodes.compose(text)) == shape(expected)
        assert shape(yaml_nodes._compose_events(yaml.cyaml.CParser(text))) == shape(expected)
