"""load_library and Library: what the bot serves, and that bad content never stops it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.library import Library, load_library

from .conftest import LESSON


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_shipped_content_is_served(content_dir: Path):
    library, problems = load_library(content_dir)
    assert problems == []
    lesson = library.lesson("2026-11-whither-russias-ai-ambition")
    assert lesson is not None
    assert library.lessons_teaching("supply-chain-dependence") == (lesson,)
    assert library.glossary.get("supply-chain-dependence") is not None


def test_lessons_are_in_queue_order(content_dir: Path):
    write(content_dir, "a-week-three.md", LESSON.format(title="Three", week=3))
    write(content_dir, "z-week-two.md", LESSON.format(title="Two", week=2))
    write(
        content_dir, "dated.md", LESSON.format(title="Dated", week=1).replace("week: 1", "date: 2027-01-05")
    )
    library, problems = load_library(content_dir)
    assert problems == []
    assert [lesson.id for lesson in library.lessons] == [
        "dated",
        "2026-11-whither-russias-ai-ambition",
        "z-week-two",
        "a-week-three",
    ]
    assert library.lesson("dated").date == dt.date(2027, 1, 5)  # type: ignore[union-attr]
    assert [lesson.id for lesson in library.lessons_teaching("gpu")] == [
        "dated",
        "z-week-two",
        "a-week-three",
    ]


def test_one_bad_lesson_leaves_the_others_served(content_dir: Path):
    write(content_dir, "good.md", LESSON.format(title="Good", week=2))
    write(content_dir, "bad.md", LESSON.format(title="Bad", week="two"))
    library, problems = load_library(content_dir)
    assert [str(p) for p in problems] == [
        f"{content_dir / 'bad.md'}:3: week must be a whole number, got 'two'."
    ]
    assert [lesson.id for lesson in library.lessons] == ["2026-11-whither-russias-ai-ambition", "good"]
    assert library.lesson("bad") is None


def test_a_broken_glossary_keeps_the_lessons(content_dir: Path):
    write(content_dir, "glossary.yaml", "concepts: [\n")
    library, problems = load_library(content_dir)
    assert len(problems) == 1
    assert problems[0].path == content_dir / "glossary.yaml"
    assert [lesson.id for lesson in library.lessons] == ["2026-11-whither-russias-ai-ambition"]
    assert library.glossary.get("gpu") is None


def test_a_bad_glossary_entry_keeps_the_other_entries(content_dir: Path):
    text = (content_dir / "glossary.yaml").read_text(encoding="utf-8")
    write(content_dir, "glossary.yaml", text.replace("term: GPU\n", "term: GPU\n    colour: green\n"))
    library, problems = load_library(content_dir)
    assert len(problems) == 1
    assert "unknown field 'colour'" in problems[0].message
    assert library.glossary.get("gpu") is None
    assert library.glossary.get("compute") is not None
    assert "gpu" not in library.glossary.get("compute").related  # type: ignore[union-attr]


def test_missing_directory_gives_an_empty_library(tmp_path: Path):
    library, problems = load_library(tmp_path / "nowhere")
    assert library.lessons == ()
    assert len(problems) == 1
    assert problems[0].message == "the content directory does not exist."


def test_empty_library():
    library = Library.empty()
    assert library.lessons == ()
    assert library.lesson("anything") is None
    assert library.lessons_teaching("gpu") == ()
    assert library.glossary.get("gpu") is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_any_bytes_never_raise(content_dir: Path, lesson: bytes, glossary: bytes):
    (content_dir / "random.md").write_bytes(lesson)
    (content_dir / "glossary.yaml").write_bytes(glossary)
    library, problems = load_library(content_dir)
    assert problems
    assert all(p.line >= 1 for p in problems)
    assert isinstance(library, Library)
