"""What a member typed comes back to them private, inert and short (issue 10, item 9).

Discord's client enforces max_length; these tests send what a modified client could, because
the bot must not rely on it.
"""

from __future__ import annotations

import pytest

PHISH = "# Free Nitro\n[claim it here](https://evil.example/gift) @everyone **now**"


def _public_texts(fake, channel):
    return [message.get("content", "") for message in fake.messages(channel)]


def _inert(text: str) -> None:
    assert "[claim it here](" not in text
    assert "\\[claim it here\\]" in text
    assert "@everyone" not in text
    assert not text.lstrip().startswith("#")


async def test_an_unknown_lesson_in_stats_is_told_privately_and_inertly(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "stats", lesson=PHISH, in_channel=fake.text)
    assert result.ephemeral
    _inert(result.content)
    assert not any("claim" in text for text in _public_texts(fake, fake.text))


@pytest.mark.parametrize(
    ("member", "command", "option"),
    [
        ("member", "lesson show", "lesson"),
        ("member", "stats", "lesson"),
        ("moderator", "post", "lesson"),
        ("moderator", "schedule once", "lesson"),
        ("moderator", "export", "lesson"),
        ("member", "concepts", "tag"),
        ("member", "concept", "term"),
        ("moderator", "settings timezone", "tz"),
    ],
)
async def test_every_echo_is_inert_and_fits_one_message(harness, member, command, option):
    fake = harness.fake
    extra = {"when": "2030-01-01 09:00"} if command == "schedule once" else {}
    typed = PHISH + " pad" * 1500  # 6,000 characters: past any echo, past one message
    result = await fake.slash(getattr(fake, member), command, options={option: typed, **extra})
    assert result.responded and result.ephemeral, (command, result.record)
    assert len(result.content) <= 2000
    _inert(result.content)
