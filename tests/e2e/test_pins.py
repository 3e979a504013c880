"""Pins: the current lesson's post is pinned in its channel and the previous one unpinned."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from tests.e2e.conftest import FIRST_LESSON, LESSONS, Harness
from tests.fakediscord import FakeDiscord

P = discord.Permissions
SECOND_LESSON = "2026-12-chips-and-borders"
SECOND_TITLE = "Chips and borders"


def second_lesson_text() -> str:
    """The first lesson's file with another title and the next place in the queue."""
    head, sep, body = (LESSONS / f"{FIRST_LESSON}.md").read_text(encoding="utf-8").partition("\n---\n")
    replaced = {"title:": f"title: {SECOND_TITLE}", "week:": "week: 2"}
    lines = [next((v for k, v in replaced.items() if line.startswith(k)), line) for line in head.splitlines()]
    return "\n".join(lines) + sep + body


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path, bot_database: str) -> AsyncIterator[Harness]:
    """The bot with two lessons to post one after the other."""
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS, lessons)
    (lessons / f"{SECOND_LESSON}.md").write_text(second_lesson_text(), encoding="utf-8")
    fake.setup_study_guild()
    # Pin Messages is granted by each test that wants it.
    running = Harness(
        fake=fake, tmp_path=tmp_path, lessons_dir=lessons, database=bot_database, pin_messages=False
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def grant_bot(fake, **permissions: bool) -> None:
    role = fake.bot_role(fake.guild)
    fake.set_role_permissions(role, role.permissions | P(**permissions).value)


async def post(fake, lesson: str, channel) -> None:
    result = await fake.slash(fake.moderator, "post", lesson=lesson, channel=channel)
    assert "Posted" in result.content, result.content


def titles(messages: list[dict]) -> list[str]:
    return [m["embeds"][0]["title"] for m in messages]


def notices(fake) -> list[str]:
    return [m["content"] for m in fake.bot_messages(fake.text) if not m.get("embeds")]


@pytest.mark.both_backends
async def test_each_post_is_pinned_and_the_previous_one_unpinned(harness):
    fake = harness.fake
    grant_bot(fake, pin_messages=True)
    await post(fake, FIRST_LESSON, fake.text)
    first_pins = titles(fake.pinned(fake.text))
    await post(fake, SECOND_LESSON, fake.text)
    assert first_pins == ["Whither Russia’s AI ambition"]
    assert titles(fake.pinned(fake.text)) == [SECOND_TITLE]
    posts = [m for m in fake.bot_messages(fake.text) if m.get("embeds")]
    firsts = [m for m in posts if m["embeds"][0]["title"] in ("Whither Russia’s AI ambition", SECOND_TITLE)]
    assert [m["pinned"] for m in firsts] == [False, True]
    assert notices(fake) == []


async def test_pins_are_kept_per_channel(harness):
    fake = harness.fake
    grant_bot(fake, pin_messages=True)
    other = fake.create_text_channel(fake.guild, "reading-group")
    await post(fake, FIRST_LESSON, fake.text)
    await post(fake, SECOND_LESSON, other)
    assert titles(fake.pinned(fake.text)) == ["Whither Russia’s AI ambition"]
    assert titles(fake.pinned(other)) == [SECOND_TITLE]


async def test_without_pin_messages_the_post_goes_out_and_the_moderators_are_told_once(harness):
    fake = harness.fake
    grant_bot(fake, manage_messages=True)  # no longer enough to pin (since 2026)
    await post(fake, FIRST_LESSON, fake.text)
    await post(fake, SECOND_LESSON, fake.text)
    assert len(fake.threads(fake.text)) == 2
    assert fake.pinned(fake.text) == []
    (told,) = notices(fake)
    assert "Pin Messages" in told and f"<#{fake.text.id}>" in told
    # Granted: the next post is pinned; taken away again: told again, once.
    grant_bot(fake, pin_messages=True)
    await post(fake, FIRST_LESSON, fake.text)
    assert titles(fake.pinned(fake.text)) == ["Whither Russia’s AI ambition"]
    fake.set_role_permissions(
        fake.bot_role(fake.guild), fake.bot_role(fake.guild).permissions & ~P(pin_messages=True).value
    )
    await post(fake, SECOND_LESSON, fake.text)
    await post(fake, FIRST_LESSON, fake.text)
    assert len(notices(fake)) == 2
    assert titles(fake.pinned(fake.text)) == ["Whither Russia’s AI ambition"]


async def test_a_forum_post_is_pinned_to_the_top_and_the_previous_one_unpinned(harness):
    fake = harness.fake
    await post(fake, FIRST_LESSON, fake.forum)
    first_pinned = [t.name for t in fake.pinned_posts(fake.forum)]
    first_thread = fake.threads(fake.forum)[0]
    await fake.archive_thread(first_thread)  # the previous discussion was closed meanwhile
    await post(fake, SECOND_LESSON, fake.forum)
    assert first_pinned == ["Whither Russia’s AI ambition"]
    assert [t.name for t in fake.pinned_posts(fake.forum)] == [SECOND_TITLE]
    assert first_thread.archived  # closed again after its pin was taken off
    assert notices(fake) == []


@pytest.mark.parametrize("lesson_channel", ["text", "none"])
async def test_a_forum_post_without_manage_threads_is_posted_and_the_moderators_are_told(
    harness, lesson_channel
):
    """Told in the lesson channel; a server with only the forum is told in the new post's thread."""
    fake = harness.fake
    if lesson_channel == "text":
        await fake.slash(fake.moderator, "settings channel", channel=fake.text)
    fake.set_channel_overwrite(fake.forum, fake.bot_member(fake.guild), deny=P(manage_threads=True).value)
    await post(fake, FIRST_LESSON, fake.forum)
    await post(fake, SECOND_LESSON, fake.forum)
    first, second = fake.threads(fake.forum)
    assert fake.pinned_posts(fake.forum) == []
    in_threads = [
        m["content"] for t in (first, second) for m in fake.bot_messages(t) if "couldn't pin" in m["content"]
    ]
    told = notices(fake) if lesson_channel == "text" else in_threads
    assert len(told) == 1 and "Manage Threads" in told[0] and f"<#{fake.forum.id}>" in told[0]
    if lesson_channel == "text":
        assert in_threads == []
