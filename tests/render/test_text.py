"""Splitting Markdown: pieces fit, words stay whole, formatting never leaks across a cut."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.text import markdown_is_balanced, split_markdown, truncate, truncate_words
from tests.render.markdown_checks import plain_words, unbalanced

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé0123456789", min_size=1, max_size=12)


@st.composite
def markdown_piece(draw: st.DrawFn) -> str:
    """A well-formed bit of Markdown: plain words, emphasis, inline code or a link."""
    words = draw(st.lists(WORD, min_size=1, max_size=8))
    kind = draw(st.sampled_from(["plain", "plain", "plain", "bold", "italic", "code", "link", "sentence"]))
    text = " ".join(words)
    if kind == "bold":
        return f"**{text}**"
    if kind == "italic":
        return f"*{text}*"
    if kind == "code":
        return f"`{text}`"
    if kind == "link":
        return f"[{text}](https://example.com/{words[0]})"
    if kind == "sentence":
        return text.capitalize() + "."
    return text


@st.composite
def markdown_text(draw: st.DrawFn) -> str:
    paragraphs = []
    for _ in range(draw(st.integers(1, 8))):
        lines = []
        for _ in range(draw(st.integers(1, 4))):
            lines.append(" ".join(draw(st.lists(markdown_piece(), min_size=1, max_size=30))))
        paragraphs.append("\n".join(lines))
        if draw(st.booleans()) and draw(st.booleans()):
            code = "\n".join(draw(st.lists(WORD, min_size=1, max_size=10)))
            paragraphs.append(f"```py\n{code}\n```")
    return "\n\n".join(paragraphs)


@settings(max_examples=150, deadline=None)
@given(text=markdown_text(), limit=st.integers(200, 800))
def test_pieces_fit_keep_words_and_balance(text, limit):
    pieces = split_markdown(text, limit)
    assert pieces
    for piece in pieces:
        assert 0 < len(piece) <= limit
        assert piece == piece.strip()
        assert unbalanced(piece) == [], piece
        assert markdown_is_balanced(piece)
    # No word was cut (every word here is at most 12 characters) and nothing was lost.
    assert plain_words(" ".join(pieces)) == plain_words(text)


@settings(max_examples=60, deadline=None)
@given(word=st.text(alphabet="xyz", min_size=1, max_size=3000), limit=st.integers(64, 500))
def test_only_a_word_longer_than_the_limit_is_cut(word, limit):
    text = f"Before {word} after."
    pieces = split_markdown(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    if len(word) <= limit:
        assert any(word in p.split() for p in pieces)


@settings(max_examples=60, deadline=None)
@given(inner=st.lists(WORD, min_size=50, max_size=300), limit=st.integers(64, 300))
def test_long_bold_run_is_closed_and_reopened(inner, limit):
    text = "**" + " ".join(inner) + "**"
    pieces = split_markdown(text, limit)
    for piece in pieces:
        assert piece.startswith("**") and piece.endswith("**")
        assert unbalanced(piece) == []


def test_cuts_prefer_paragraphs_then_lines_then_sentences():
    first = "First paragraph is here."
    second = "Second one. " * 10
    assert split_markdown(f"{first}\n\n{second}", 100)[0] == first
    assert split_markdown(f"line one\nline two {'x ' * 60}", 80)[0] == "line one"
    text = "One sentence here. " + "word " * 30
    assert split_markdown(text, 80)[0] == "One sentence here."


def test_code_block_split_is_fenced_on_both_sides():
    code = "\n".join(f"line_{i} = {i} * 2" for i in range(40))
    pieces = split_markdown(f"Intro.\n\n```py\n{code}\n```", 200)
    fenced = [p for p in pieces if "line_" in p]
    assert len(fenced) > 1
    for piece in fenced:
        assert piece.startswith("```py\n") and piece.endswith("\n```")


def test_link_is_never_cut():
    link = "[the article on chips](https://example.com/a/b/c)"
    text = ("word " * 15) + link + (" word" * 15)
    for limit in range(len(link) + 16, 140, 7):
        pieces = split_markdown(text, limit)
        assert any(link in p for p in pieces)


def test_stray_marker_is_not_spread_over_pieces():
    text = "Note* " + "word " * 100
    pieces = split_markdown(text, 80)
    assert pieces[0].startswith("Note*")
    assert not any(p.endswith("*") for p in pieces[1:])


def test_small_texts_and_limits():
    assert split_markdown("", 100) == []
    assert split_markdown("   \n ", 100) == []
    assert split_markdown(" short ", 100) == ["short"]
    with pytest.raises(ValueError):
        split_markdown("text", 10)


def test_truncate_cuts_on_words_and_closes_markdown():
    text = "**" + "bold words " * 40 + "end**"
    short = truncate(text, 100)
    assert len(short) <= 100 and short.endswith("**…")
    assert truncate("fits", 100) == "fits"
    assert truncate_words("one two three four", 10) == "one two…"
    assert truncate_words("x" * 50, 10) == "x" * 9 + "…"
    assert truncate_words("  a \n b  ", 10) == "a b"
