"""Pasted pages in autocompleted options cost no more than a name (issue 10, item 7).

Discord's client enforces each option's max_length, but the bot does not rely on it: every
autocomplete callback cuts what it is sent before searching.
"""

from __future__ import annotations

import sys

import pytest

from bot.content.server_library import ServerGlossary

PAGE = ("neural network supply chain export controls " * 150)[:6000]


@pytest.fixture
def searched(harness, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text handed to the glossary, lesson and time-zone searches.

    The modules are the running bot's: discord.py re-imports an extension's modules when it
    loads it, so those imported by this file may not be the ones serving the commands.
    """
    settings_cog = sys.modules[type(harness.bot.get_cog("SettingsCog")).__module__]
    lesson_option = sys.modules["bot.features.lesson_option"]
    seen: list[str] = []
    complete = ServerGlossary.complete  # what a server's /concept searches

    def spy_complete(self: ServerGlossary, query: str, limit: int = 25) -> list:
        seen.append(query)
        return complete(self, query, limit)

    zones = settings_cog.timezone_choices

    def spy_zones(query: str, limit: int = 25) -> list[str]:
        seen.append(query)
        return zones(query, limit)

    matching = lesson_option.lessons_matching

    def spy_matching(library: object, typed: str, **options: bool) -> list:
        seen.append(typed)
        return matching(library, typed, **options)

    monkeypatch.setattr(ServerGlossary, "complete", spy_complete)
    monkeypatch.setattr(settings_cog, "timezone_choices", spy_zones)
    monkeypatch.setattr(lesson_option, "lessons_matching", spy_matching)
    return seen


async def test_a_pasted_page_reaches_no_search_whole(harness, searched):
    fake = harness.fake
    await fake.autocomplete(fake.member, "concept", focused="term", value=PAGE)
    await fake.autocomplete(fake.member, "lesson show", focused="lesson", value=PAGE)
    await fake.autocomplete(fake.moderator, "settings timezone", focused="tz", value=PAGE)
    assert len(searched) == 3
    assert all(0 < len(text) <= 100 for text in searched), [len(text) for text in searched]


async def test_a_pasted_page_still_completes_by_its_start(harness):
    fake = harness.fake
    choices_ = await fake.autocomplete(
        fake.member, "concept", focused="term", value="Supply chain" + " " * 95 + PAGE
    )
    assert choices_ and choices_[0]["name"] == "Supply Chain Dependence"
