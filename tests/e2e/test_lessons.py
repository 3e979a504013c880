"""/lesson show, list, post; posting into text and forum channels; permissions."""

from __future__ import annotations

import discord
import pytest

from tests.e2e.conftest import FIRST_LESSON

TITLE = "Whither Russia’s AI ambition"
QUESTION = "Can a nation build true AI strength when it depends heavily on foreign technology and talent?"


@pytest.mark.both_backends
async def test_post_in_text_channel_opens_thread_with_the_question(harness):
    fake = harness.fake
    result = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    assert result.ephemeral
    posted = fake.bot_messages(fake.text)
    assert posted[0]["embeds"][0]["title"] == TITLE
    (thread,) = fake.threads(fake.text)
    assert thread.name == TITLE
    first = fake.messages(thread)[0]
    assert QUESTION in first["content"]
    assert f"<#{thread.id}>" in result.message["content"]


async def test_post_in_forum_channel_creates_a_forum_post(harness):
    fake = harness.fake
    await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.forum)
    (post,) = fake.threads(fake.forum)
    messages = fake.messages(post)
    assert messages[0]["embeds"][0]["title"] == TITLE
    assert QUESTION in messages[-1]["content"]


async def test_post_defaults_to_the_configured_channel(harness):
    fake = harness.fake
    await fake.slash(fake.moderator, "settings channel", channel=fake.forum)
    await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, in_channel=fake.text)
    assert len(fake.threads(fake.forum)) == 1
    assert fake.threads(fake.text) == []


async def test_member_cannot_post_and_nothing_is_sent(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "post", lesson=FIRST_LESSON, channel=fake.text)
    assert result.ephemeral
    assert "Only moderators" in result.content
    assert fake.bot_messages(fake.text) == []


async def test_missing_permission_is_named_before_anything_is_posted(harness):
    fake = harness.fake
    deny = discord.Permissions(create_public_threads=True).value
    fake.set_channel_overwrite(fake.text, fake.bot_member(fake.guild), deny=deny)
    result = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    assert result.ephemeral
    assert "Create Public Threads" in result.content
    assert fake.bot_messages(fake.text) == []


async def test_unknown_lesson_is_refused(harness):
    fake = harness.fake
    result = await fake.slash(fake.moderator, "post", lesson="no-such-lesson", channel=fake.text)
    assert result.ephemeral
    assert "There is no lesson called" in result.content


async def test_show_before_and_after_posting(harness):
    fake = harness.fake
    nothing = await fake.slash(fake.member, "lesson show")
    assert nothing.ephemeral and "No lesson has been posted" in nothing.content
    await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    shown = await fake.slash(fake.member, "lesson show")
    assert shown.embeds[0]["title"] == TITLE
    (thread,) = fake.threads(fake.text)
    assert f"<#{thread.id}>" in shown.content


async def test_list_shows_queued_then_posted(harness):
    fake = harness.fake
    before = await fake.slash(fake.member, "lesson list")
    assert "queued" in before.embeds[0]["description"]
    await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    after = await fake.slash(fake.member, "lesson list")
    assert "posted <t:" in after.embeds[0]["description"]


async def test_lesson_autocomplete_matches_title_words(harness):
    fake = harness.fake
    choices = await fake.autocomplete(fake.moderator, "post", focused="lesson", value="russia")
    assert choices == [{"name": TITLE, "value": FIRST_LESSON}]


async def test_an_unknown_lesson_gets_the_same_private_sentence_on_every_command(harness):
    fake = harness.fake
    attempts = [
        (fake.member, "lesson show", {}),
        (fake.member, "stats", {}),
        (fake.moderator, "post", {"channel": fake.text}),
        (fake.moderator, "export", {}),
        (fake.moderator, "schedule once", {"when": "2026-12-01 09:00", "channel": fake.text}),
    ]
    for member, command, options in attempts:
        result = await fake.slash(member, command, lesson="no-such-lesson", **options)
        assert result.type == 4 and result.ephemeral, command  # answered at once, never a public deferral
        assert result.content == "There is no lesson called “no-such-lesson”. Try /lesson list.", command
    assert fake.messages(fake.text) == []


async def test_lesson_suggestions_on_moderator_commands_are_for_moderators_only(harness):
    fake = harness.fake
    title_only = [{"name": TITLE, "value": FIRST_LESSON}]
    for command in ("lesson show", "stats"):
        assert await fake.autocomplete(fake.member, command, focused="lesson", value="russia") == title_only
    moderator_commands = {"post": {}, "export": {}, "schedule once": {"when": ""}}
    for command, others in moderator_commands.items():
        typed = {"focused": "lesson", "value": "russia", **others}
        assert await fake.autocomplete(fake.member, command, **typed) == [], command
        assert await fake.autocomplete(fake.moderator, command, **typed) == title_only, command
