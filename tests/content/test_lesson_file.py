"""Lessons and concepts written back as files read back the same; appending never disturbs a glossary."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot.content.glossary_file import load_glossary, parse_glossary
from bot.content.lesson_file import (
    GlossaryAppendError,
    append_concept,
    glossary_entry_text,
    lesson_file_text,
    lesson_id,
    slug,
)
from bot.content.lessons import parse_lesson
from bot.content.models import Concept

from .conftest import FIRST_LESSON, LESSONS

NEW = Concept(key="model-compression", term="Model Compression", definition="Making a model smaller.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Whither Russia’s AI ambition", "whither-russias-ai-ambition"),
        ("Supply Chain Dependence", "supply-chain-dependence"),
        ("Café & Crème: what's next?", "cafe-creme-whats-next"),
        ("  Human-in-the-Loop  ", "human-in-the-loop"),
        ("GPT-4o vs. o1", "gpt-4o-vs-o1"),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected


def test_slug_of_a_text_without_latin_letters_is_stable_and_distinct():
    assert slug("人工智能", fallback="concept") == slug("人工智能", fallback="concept")
    assert slug("人工智能", fallback="concept") != slug("机器学习", fallback="concept")
    assert slug("人工智能", fallback="concept").startswith("concept-")


def test_a_long_title_is_cut_on_a_word_and_the_id_fits():
    title = " ".join(["Semiconductors"] * 20)
    made = lesson_id(dt.date(2026, 12, 31), title)
    assert made.startswith("2026-12-semiconductors-")
    assert len(made) <= 100 and not made.endswith("-") and "--" not in made


def test_the_shipped_lesson_writes_out_and_reads_back_the_same():
    shipped, _ = parse_lesson(FIRST_LESSON, FIRST_LESSON.read_text(encoding="utf-8"))
    assert shipped is not None
    text = lesson_file_text(shipped)
    back, problems = parse_lesson(FIRST_LESSON, text)
    assert problems == []
    assert back == shipped
    assert "\n## Summary\n\nRussia’s AI ambitions" in text


def test_a_lesson_with_a_date_and_yaml_special_text_reads_back_the_same(tmp_path):
    shipped, _ = parse_lesson(FIRST_LESSON, FIRST_LESSON.read_text(encoding="utf-8"))
    assert shipped is not None
    tricky = dataclasses.replace(
        shipped,
        week=None,
        date=dt.date(2026, 11, 3),
        title="#1: Chips — “again”",
        prompt="yes",
        quote="- null: [not, a, list]",
        quote_author="'O'Brien'",
        disclaimer="Line one\nline two: with a colon",
    )
    path = tmp_path / "2026-11-chips.md"
    back, problems = parse_lesson(path, lesson_file_text(tricky))
    assert problems == []
    assert back == dataclasses.replace(tricky, id="2026-11-chips")


@pytest.mark.parametrize(
    "definition",
    [
        "Making a model smaller and cheaper to run, with little loss of skill.",
        "Two paragraphs.\n\nThe second one.",
        "# starts like a comment: and has a colon",
        "  spaces around  ",
        "x" * 300,
    ],
)
def test_a_glossary_entry_reads_back_the_same(definition):
    concept = dataclasses.replace(NEW, definition=definition.strip(), aliases=("compression", "LLM: small"))
    parsed = parse_glossary(Path("glossary.yaml"), "concepts:\n" + glossary_entry_text(concept))
    assert parsed.problems == ()
    assert parsed.concepts == (concept,)


def test_a_plain_definition_is_folded_like_the_shipped_glossary():
    concept = load_glossary(LESSONS / "glossary.yaml")[0][0]
    entry = glossary_entry_text(concept)
    assert entry.startswith("  - key: supply-chain-dependence\n    term: Supply Chain Dependence\n")
    assert "    definition: >-\n      Supply chain dependence in AI" in entry
    assert max(len(line) for line in entry.splitlines()) <= 110


def test_appending_keeps_the_existing_glossary_byte_for_byte():
    original = (LESSONS / "glossary.yaml").read_text(encoding="utf-8")
    appended = append_concept(original, NEW)
    assert appended.startswith(original)
    assert appended[len(original) :] == "\n" + glossary_entry_text(NEW)
    old = parse_glossary(Path("glossary.yaml"), original)
    new = parse_glossary(Path("glossary.yaml"), appended)
    assert new.problems == ()
    assert new.concepts == (*old.concepts, NEW)


@pytest.mark.parametrize(
    "original",
    [
        "concepts:\n- key: gpu\n  term: GPU\n  definition: A chip.\n",  # list flush with its key
        # indented further, no final newline
        "# comment\nconcepts:\n    -   key: gpu\n        term: GPU\n        definition: A chip.",
        "concepts:\n",
        "concepts:\n# nothing yet\n",
        "concepts: []\n",
        "concepts: [] # empty for now\n",
    ],
)
def test_appending_follows_the_files_own_layout(original):
    appended = append_concept(original, NEW)
    parsed = parse_glossary(Path("glossary.yaml"), appended)
    assert parsed.problems == ()
    assert parsed.concepts[-1] == NEW
    before = parse_glossary(Path("glossary.yaml"), original).concepts
    assert parsed.concepts[:-1] == before
    if "[]" not in original:
        assert appended.startswith(original)


def test_appending_to_no_glossary_starts_one():
    parsed = parse_glossary(Path("glossary.yaml"), append_concept(None, NEW))
    assert (parsed.concepts, parsed.problems) == ((NEW,), ())


@pytest.mark.parametrize(
    ("original", "reason"),
    [
        ("concepts: [unclosed\n", "it cannot be read"),
        ("- a\n- b\n", "it is not a mapping with a 'concepts:' list"),
        ("concepts: [{key: gpu, term: GPU, definition: A chip.}]\n", "its concepts are a [...] list"),
        ("concepts: 3\n", "its 'concepts:' is not a list"),
        ("terms: []\n", "it needs exactly one top-level 'concepts:' list"),
    ],
)
def test_a_glossary_that_cannot_take_an_entry_says_why(original, reason):
    with pytest.raises(GlossaryAppendError, match=r"^" + reason.replace("[", r"\[").replace(".", r"\.")):
        append_concept(original, NEW)
