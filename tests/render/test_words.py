"""Counts with their noun, lines and names fitted to a limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.words import count, fit_lines, fit_names, member_name


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [
        (0, "reply", "0 replies"),
        (1, "reply", "1 reply"),
        (2, "lesson", "2 lessons"),
        (1, "lesson", "1 lesson"),
    ],
)
def test_count(n, noun, text):
    assert count(n, noun) == text


def test_fit_lines_keeps_whole_lines_and_says_how_many_are_left():
    lines = [f"line {i}" for i in range(10)]
    assert fit_lines(lines, 1000) == "\n".join(lines)
    assert fit_lines(lines, 30) == "line 0\nline 1\n… and 8 more"
    assert fit_names(["Ada", "Bo", "Cy", "Di", "Ed"], 19) == "Ada, Bo, Cy, Di, Ed"
    assert fit_names(["Ada", "Bo", "Cy", "Di", "Ed"], 18) == "Ada, and 4 more"
    assert fit_lines([], 10) == ""


@given(st.lists(st.text(min_size=1, max_size=80), max_size=50), st.integers(40, 2000))
def test_fit_lines_never_exceeds_the_limit(lines, limit):
    text = fit_lines(lines, limit)
    assert len(text) <= limit
    kept = [line for line in lines if line]
    if len("\n".join(lines)) <= limit:
        assert text == "\n".join(lines)
    elif kept:
        assert text.endswith(" more")


def test_member_name_is_inert():
    assert member_name("@everyone") == "@\u200beveryone"
    assert member_name("**Ada**  the\nGreat") == "\\*\\*Ada\\*\\* the Great"
    assert member_name("   ") == "(no name)"
    assert len(member_name("x" * 100)) == 40
