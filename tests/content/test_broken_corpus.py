"""Each file in tests/content/broken/ has one fault, reported at its line with a clear message.

A broken lesson (``*.md``) is checked next to the shipped glossary and first lesson, so that
faults between files (a taken week, an unknown concept) show up too; a broken glossary
(``glossary-*.yaml``) is checked as the directory's ``glossary.yaml``.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from bot.cli_check import run_check

from .conftest import BROKEN, FIRST_LESSON, LESSONS

# file -> (line, part of the message)
EXPECTED: dict[str, tuple[int, str]] = {
    "no-front-matter.md": (1, "missing front matter"),
    "unterminated-front-matter.md": (1, "front matter is never closed"),
    "yaml-syntax-error.md": (6, "YAML syntax error: did not find expected ',' or ']'"),
    "missing-title.md": (1, "missing required field: title"),
    "unknown-field.md": (6, "unknown field 'quote_autor'; did you mean 'quote_author'?"),
    "week-not-a-number.md": (5, "week must be a whole number, got 'three'"),
    "week-zero.md": (3, "week must be 1 or more, got 0"),
    "impossible-date.md": (3, "date '2026-02-30' is not a day of the calendar"),
    "week-and-date.md": (6, "set either week or date, not both"),
    "unknown-concept.md": (5, "concept 'quantum-supremacy' is not in the glossary"),
    "concept-not-a-key.md": (5, "concept 'Supply Chain Dependence' is not a glossary key"),
    "empty-prompt.md": (5, "prompt is empty"),
    "title-too-long.md": (2, "title is 305 characters long; an embed title holds at most 256"),
    "prompt-too-long.md": (5, "prompt is 1049 characters long; an embed field holds at most 1024"),
    "heading-too-long.md": (13, "the heading is 263 characters long"),
    "empty-section.md": (13, "the section 'Cooling' has no text"),
    "field-twice.md": (6, "field 'title' appears twice; it is first set on line 2"),
    "tags-not-a-list.md": (6, "tags must be a list, got 'people'"),
    "week-already-taken.md": (3, "week 1 is already taken by 2026-11-whither-russias-ai-ambition.md"),
    "title-already-used.md": (2, "is already used by 2026-11-whither-russias-ai-ambition.md"),
    "Capital-Letters.md": (1, "the file name 'Capital-Letters' must be lowercase"),
    "no-body.md": (6, "the lesson has no text after the front matter"),
    "glossary-yaml-syntax-error.yaml": (7, "YAML syntax error: mapping values are not allowed"),
    "glossary-not-a-mapping.yaml": (1, "the glossary must be a mapping with a 'concepts:' list"),
    "glossary-duplicate-key.yaml": (8, "duplicate key 'gpu'; it is first used on line 2"),
    "glossary-bad-key.yaml": (5, "key 'Neural_Network' must be lowercase letters"),
    "glossary-missing-definition.yaml": (6, "'compute' is missing 'definition'"),
    "glossary-empty-definition.yaml": (7, "definition is empty"),
    "glossary-unknown-field.yaml": (
        4,
        "unknown field 'defintion' in a glossary entry; did you mean 'definition'?",
    ),
    "glossary-alias-clash.yaml": (11, "alias 'llm' is already a name of 'large-language-model' (line 5)"),
    "glossary-term-clash.yaml": (6, "term 'Fine Tuning' is already a name of 'fine-tuning' (line 3)"),
    "glossary-aliases-not-a-list.yaml": (5, "aliases must be a list, got 'graphics card'"),
    "glossary-alias-too-long.yaml": (7, "an autocomplete choice holds at most 100"),
    "glossary-related-missing.yaml": (11, "related key 'data-centre' is not a concept in the glossary"),
    "glossary-related-itself.yaml": (5, "'gpu' lists itself as related"),
    "glossary-tag-with-colon.yaml": (5, "a tag cannot contain ':'"),
}


def stage(name: str, directory: Path) -> Path:
    """Put the broken file where the checker will meet it; returns its path there."""
    directory.mkdir()
    if name.endswith(".yaml"):
        target = directory / "glossary.yaml"
    else:
        shutil.copy(LESSONS / "glossary.yaml", directory)
        shutil.copy(FIRST_LESSON, directory)
        target = directory / name
    shutil.copy(BROKEN / name, target)
    return target


def test_corpus_and_table_agree():
    on_disk = {path.name for path in BROKEN.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_is_reported_at_its_line(name: str, tmp_path: Path):
    line, message = EXPECTED[name]
    target = stage(name, tmp_path / "lessons")
    out = io.StringIO()

    status = run_check(tmp_path / "lessons", out)

    assert status == 1
    reported = out.getvalue().splitlines()
    assert len(reported) == 1, reported
    prefix = f"{target}:{line}: "
    assert reported[0].startswith(prefix), reported[0]
    assert message in reported[0][len(prefix) :]
    assert reported[0].endswith((".", "?"))


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.endswith(".md")))
def test_a_broken_lesson_leaves_the_rest_served(name: str, tmp_path: Path):
    from bot.content.library import load_library

    stage(name, tmp_path / "lessons")
    library, problems = load_library(tmp_path / "lessons")
    assert len(problems) == 1
    assert [lesson.id for lesson in library.lessons] == ["2026-11-whither-russias-ai-ambition"]
    assert library.glossary.get("supply-chain-dependence") is not None
