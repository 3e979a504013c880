"""Echoing what a member typed: inert, short, on one line (issue 10, item 9)."""

from __future__ import annotations

import pytest

from bot.render.echo import ECHO_MAX, echo

PHISH = "# Free Nitro\n[claim it here](https://evil.example/gift) @everyone <@123> <#456> **now**"


def test_markdown_links_and_mentions_are_inert():
    shown = echo(PHISH)
    assert "\n" not in shown
    assert shown.startswith("“\\# Free Nitro")
    assert "\\[claim it here\\]\\(" in shown
    assert "https:\u200b//evil.example" in shown  # not a link in the bot's voice
    assert "@\u200beveryone" in shown
    assert "\\<@\u200b123\\>" in shown and "\\<\\#456\\>" in shown
    assert "\\*\\*now\\*\\*" in shown


@pytest.mark.parametrize(
    "value",
    ["# heading", "> quote", "||spoiler||", "`code`", "~~strike~~", "__under__", "-# small", "<t:0:R>"],
)
def test_every_markdown_opener_is_escaped(value):
    shown = echo(value)
    assert shown != f"“{value}”"
    assert shown.startswith("“") and shown.endswith("”")


def test_direction_overrides_and_invisible_characters_are_dropped():
    assert echo("abc\u202edef\u200bghi\x07") == "“abcdefghi”"


def test_a_long_value_is_cut_and_still_fits_any_message():
    shown = echo("*" * 6000)
    assert len(shown) <= 3 * ECHO_MAX
    words = echo(" ".join(["lesson"] * 1000))
    assert words.endswith("…”") and len(words) <= ECHO_MAX + 2


def test_an_empty_value_is_still_visible():
    assert echo("") == "“”"
    assert echo("   ") == "“”"
