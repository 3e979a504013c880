"""parse_lesson: front matter fields, body layout, and line-precise problems for one file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.lessons import parse_lesson
from bot.content.models import Section

PATH = Path("lessons/some-lesson.md")


def lesson_text(front: str, body: str = "Opening.\n") -> str:
    return f"---\n{front}---\n{body}"


BASIC = "title: T\nweek: 3\nprompt: Why?\nconcept: gpu\n"


def only_problem(text: str, path: Path = PATH) -> str:
    lesson, problems = parse_lesson(path, text)
    assert lesson is None
    assert len(problems) == 1, problems
    return str(problems[0])


def test_all_fields_are_read():
    front = (
        "title: Chips\n"
        "date: 2026-03-12\n"
        "prompt: Who makes them?\n"
        "concept: semiconductor\n"
        "quote: Chips are the new oil.\n"
        "quote_author: Someone, somewhere\n"
        "source: The team\n"
        "disclaimer: Not advice.\n"
        "tags: [hardware, geopolitics]\n"
    )
    lesson, problems = parse_lesson(PATH, lesson_text(front))
    assert problems == []
    assert lesson is not None
    assert lesson.id == "some-lesson"
    assert lesson.date == dt.date(2026, 3, 12)
    assert lesson.week is None
    assert lesson.quote == "Chips are the new oil."
    assert lesson.quote_author == "Someone, somewhere"
    assert lesson.source == "The team"
    assert lesson.disclaimer == "Not advice."
    assert lesson.tags == ("hardware", "geopolitics")
    assert lesson.path == PATH


def test_body_is_split_into_opening_sections_and_summary():
    body = (
        "\nFirst paragraph.\n\nSecond paragraph.\n\n"
        "## One\n\nText one.\n\n### A smaller heading\n\nStill one.\n\n"
        "## Summary\n\nThe gist.\n\n"
        "## Two ##\n\nText two.\n"
    )
    lesson, problems = parse_lesson(PATH, lesson_text(BASIC, body))
    assert problems == []
    assert lesson is not None
    assert lesson.opening == "First paragraph.\n\nSecond paragraph."
    assert lesson.sections == (
        Section("One", "Text one.\n\n### A smaller heading\n\nStill one."),
        Section("Two", "Text two."),
    )
    assert lesson.summary == "The gist."


def test_a_heading_inside_a_code_fence_is_text():
    body = "Opening.\n\n## Code\n\n```\n## not a heading\n```\n"
    lesson, problems = parse_lesson(PATH, lesson_text(BASIC, body))
    assert problems == []
    assert lesson is not None
    assert [s.heading for s in lesson.sections] == ["Code"]
    assert "## not a heading" in lesson.sections[0].body


def test_summary_only_when_headed_exactly_summary():
    body = "Opening.\n\n## Summary of events\n\nText.\n"
    lesson, _ = parse_lesson(PATH, lesson_text(BASIC, body))
    assert lesson is not None
    assert lesson.summary is None
    assert lesson.sections[0].heading == "Summary of events"


def test_windows_line_endings_and_a_byte_order_mark_are_fine(tmp_path: Path):
    from bot.content.frontmatter import read_text

    path = tmp_path / "crlf.md"
    path.write_bytes(
        ("\ufeff" + lesson_text(BASIC, "Opening.\n\n## A\n\nText.\n")).replace("\n", "\r\n").encode()
    )
    text, problems = read_text(path)
    assert problems == []
    assert text is not None
    lesson, problems = parse_lesson(path, text)
    assert problems == []
    assert lesson is not None
    assert lesson.sections == (Section("A", "Text."),)


def test_text_values_may_be_numbers_or_folded():
    front = "title: 1984\nweek: 3\nprompt: >-\n  Why\n  now?\nconcept: gpu\n"
    lesson, problems = parse_lesson(PATH, lesson_text(front))
    assert problems == []
    assert lesson is not None
    assert lesson.title == "1984"
    assert lesson.prompt == "Why now?"


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: T\nweek: 2.5\nprompt: Why?\nconcept: gpu\n", ":3: week must be a whole number, got '2.5'."),
        (
            "title: T\nweek: true\nprompt: Why?\nconcept: gpu\n",
            ":3: week must be a whole number, got 'true'.",
        ),
        ("title: T\nweek: [1]\nprompt: Why?\nconcept: gpu\n", ":3: week must be a whole number, got a list."),
        (
            "title: T\ndate: 12/03/2026\nprompt: Why?\nconcept: gpu\n",
            ":3: date must be a day written YYYY-MM-DD",
        ),
        ("title: T\ndate: 2026-03-12 10:00\nprompt: Why?\nconcept: gpu\n", ":3: date must be a day written"),
        ("title: [a, b]\nweek: 1\nprompt: Why?\nconcept: gpu\n", ":2: title must be text, got a list."),
        ("title:\nweek: 1\nprompt: Why?\nconcept: gpu\n", ":2: title is empty."),
        ("title: T\nweek: 1\nprompt: Why?\n", ":1: missing required field: concept."),
        ("week: 1\nconcept: gpu\n", ":1: missing required fields: title, prompt."),
        ("title: T\nprompt: Why?\nconcept: gpu\n", ":1: missing week or date"),
        ("just text\n", ":2: the front matter must be 'field: value' lines, got 'just text'."),
        ("", ":1: the front matter is empty"),
        ("title: T\n\tweek: 1\n", ":3: YAML syntax error"),
        (
            "title: T\nweek: 1\nprompt: Why?\nconcept: gpu\ntags: [a, [b]]\n",
            ":6: an item of tags must be text",
        ),
    ],
)
def test_front_matter_problems(front: str, expected: str):
    assert expected in only_problem(lesson_text(front))


def test_duplicate_headings_are_reported_at_the_second():
    body = "Opening.\n\n## Power\n\nText.\n\n## power\n\nMore.\n"
    assert only_problem(lesson_text(BASIC, body)).endswith(
        ":13: the heading 'power' is used twice; first on line 9."
    )


def test_an_empty_heading_is_reported():
    body = "Opening.\n\n##\n\nText.\n"
    assert ":9: a section heading is empty" in only_problem(lesson_text(BASIC, body))


def test_a_long_id_is_reported():
    path = Path("lessons") / ("a" * 101 + ".md")
    assert "a lesson id holds at most 100" in only_problem(lesson_text(BASIC), path)


def test_every_problem_of_a_file_is_reported():
    front = "title: T\nweek: zero\nprompt: ''\nconcept: gpu\nauthor: me\n"
    _, problems = parse_lesson(PATH, lesson_text(front))
    assert [p.line for p in problems] == [3, 4, 6]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_lesson_or_problems_never_an_exception(text: str):
    lesson, problems = parse_lesson(PATH, text)
    assert (lesson is None) == bool(problems)
    assert all(p.line >= 1 for p in problems)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "title: T",
                "week: 1",
                "prompt: Why?",
                "concept: gpu",
                "tags: [a",
                "  x",
                "---",
                ": :",
                "date: 2026-01-01",
                "'",
            ]
        ),
        max_size=8,
    )
)
def test_any_front_matter_lines_give_lines_inside_the_file(lines: list[str]):
    text = "---\n" + "\n".join(lines) + "\n---\nOpening.\n"
    _, problems = parse_lesson(PATH, text)
    total = text.count("\n") + 1
    assert all(1 <= p.line <= total for p in problems)
