"""Content reload without a restart: new and changed lessons are served, broken files keep their last
good version, and the bot keeps answering. Driven through the fake Discord, on a copy of lessons/.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import FIRST_LESSON, LESSONS, Harness
from tests.e2e.test_startup import (  # noqa: F401 - fixtures used by name
    made_bots,
    send_signal_to_serve,
    serve_signals,
    serve_until_ready,
    settings_for,
)
from tests.fakediscord import FakeDiscord

NEW_ID = "2026-12-chips-and-borders"
NEW_TITLE = "Chips and borders"
BROKEN_LESSON = "---\ntitle: [an unclosed list\nweek: 2\n---\nThe body.\n"


def new_lesson_text(title: str = NEW_TITLE) -> str:
    """A valid second lesson: the first one's file with another title and queue position."""
    text = (LESSONS / f"{FIRST_LESSON}.md").read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    lines = [
        f"title: {title}" if line.startswith("title:") else "week: 2" if line.startswith("week:") else line
        for line in head.splitlines()
    ]
    return "\n".join(lines) + sep + body


@pytest.fixture
async def content(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot running on a copy of lessons/ that the test may change."""
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS, lessons)
    fake.setup_study_guild()
    running = Harness(fake=fake, tmp_path=tmp_path, lessons_dir=lessons)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def lesson_list(fake: FakeDiscord) -> str:
    result = await fake.slash(fake.member, "lesson list")
    (embed,) = result.embeds
    return embed["description"]


async def test_a_new_lesson_is_served_after_reload_and_a_broken_edit_keeps_it(content):
    fake, bot = content.fake, content.bot
    assert bot is not None
    assert NEW_ID not in await lesson_list(fake)

    (content.lessons_dir / f"{NEW_ID}.md").write_text(new_lesson_text(), encoding="utf-8")
    assert await bot.reload_content() is True

    listing = await lesson_list(fake)
    assert NEW_ID in listing and NEW_TITLE in listing
    assert FIRST_LESSON in listing
    shown = await fake.slash(fake.member, "lesson show", lesson=NEW_ID)
    assert any(NEW_TITLE in (embed.get("title") or "") for embed in shown.embeds)

    # A moderator saves a broken version: the last good one is still served.
    (content.lessons_dir / f"{NEW_ID}.md").write_text(BROKEN_LESSON, encoding="utf-8")
    await bot.reload_content()

    listing = await lesson_list(fake)
    assert NEW_ID in listing and NEW_TITLE in listing
    shown = await fake.slash(fake.member, "lesson show", lesson=NEW_ID)
    assert any(NEW_TITLE in (embed.get("title") or "") for embed in shown.embeds)
    # ...and the bot keeps running: it posts the good version and answers look-ups.
    posted = await fake.slash(fake.moderator, "post", lesson=NEW_ID, channel=fake.text)
    assert NEW_TITLE in (posted.content or "")
    concept = await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    assert concept.embeds[0]["title"] == "Supply Chain Dependence"


async def test_a_changed_lesson_is_served_after_reload(content):
    fake, bot = content.fake, content.bot
    assert bot is not None
    path = content.lessons_dir / f"{NEW_ID}.md"
    path.write_text(new_lesson_text(), encoding="utf-8")
    await bot.reload_content()
    path.write_text(new_lesson_text("Chips, borders and talent"), encoding="utf-8")

    assert await bot.reload_content() is True

    listing = await lesson_list(fake)
    assert "Chips, borders and talent" in listing
    assert f"**{NEW_TITLE}**" not in listing


async def test_a_broken_glossary_keeps_the_last_good_one(content):
    fake, bot = content.fake, content.bot
    assert bot is not None
    (content.lessons_dir / "glossary.yaml").write_text("concepts: [unclosed\n", encoding="utf-8")

    await bot.reload_content()

    result = await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    assert result.embeds[0]["title"] == "Supply Chain Dependence"


async def test_a_missing_content_directory_keeps_the_last_good_content(content):
    """A deploy that swaps the folder (or a typo'd mount) must not empty the bot."""
    fake, bot = content.fake, content.bot
    assert bot is not None
    content.lessons_dir.rename(content.lessons_dir.with_name("lessons-old"))

    await bot.reload_content()

    assert FIRST_LESSON in await lesson_list(fake)
    result = await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    assert result.embeds[0]["title"] == "Supply Chain Dependence"


async def test_sighup_reloads_the_content_of_a_running_bot(
    fake,
    tmp_path,
    made_bots,  # noqa: F811 - the fixture imported above
    serve_signals,  # noqa: F811
):
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS, lessons)
    fake.setup_study_guild()
    stop = asyncio.Event()
    task, bot = await serve_until_ready(
        fake, settings_for(fake, tmp_path, lessons_dir=lessons), made_bots, stop
    )
    try:
        (lessons / f"{NEW_ID}.md").write_text(new_lesson_text(), encoding="utf-8")

        send_signal_to_serve(signal.SIGHUP)
        await fake.wait_until(lambda: bot.library.lesson(NEW_ID) is not None, timeout=5)

        assert NEW_TITLE in await lesson_list(fake)
        assert not task.done()  # still serving
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
