"""The fake's core: connect, sync, slash commands, autocomplete, messages and threads."""

from __future__ import annotations

import asyncio

import discord

from tests.fakediscord import run_client

from .minibot import MiniBot


async def test_bot_connects_and_sees_the_guild(fake):
    guild = fake.create_guild("Study")
    text = fake.create_text_channel(guild, "weekly")
    async with run_client(fake, MiniBot()) as bot:
        cached = bot.get_guild(guild.id)
        assert cached is not None and cached.name == "Study"
        assert cached.get_channel(text.id).name == "weekly"
        assert cached.me.guild_permissions.send_messages
        assert not cached.me.guild_permissions.administrator


async def test_global_commands_are_synced(fake):
    fake.create_guild("Study")
    async with run_client(fake, MiniBot(), wait_sync=True):
        names = {c["name"] for c in fake.global_commands}
    assert {"lesson", "ping", "concept", "export"} <= names
    lesson = next(c for c in fake.global_commands if c["name"] == "lesson")
    assert lesson["default_member_permissions"] == "32"


async def test_guild_sync_puts_commands_in_the_guild(fake):
    guild = fake.create_guild("Study")
    async with run_client(fake, MiniBot(guild_id=guild.id), wait_sync=True):
        pass
    assert {c["name"] for c in fake.guild_commands[guild.id]} >= {"lesson", "ping"}
    assert fake.global_commands == []


async def test_slash_command_gets_its_answer(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "ping", count=2, loud=True)
    assert result.type == 4
    assert result.content == "pongpong"
    assert not result.ephemeral
    assert fake.messages(fake.text)[-1]["content"] == "pongpong"


async def test_ephemeral_answer_is_not_in_the_channel(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "ping")
    assert result.ephemeral and result.content == "pong"
    assert fake.messages(fake.text) == []


async def test_autocomplete_offers_choices(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        choices = await fake.autocomplete(fake.member, "concept", focused="term", value="chai")
    assert [c["value"] for c in choices] == ["chain of thought", "chaining"]


async def test_deferred_command_with_file_followup(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "export")
    assert result.type == 5
    assert result.content == "Here it is"
    assert result.files == [("export.csv", b"author,text\nalice,hello\n")]
    assert "alice,hello" in result.file_text("export.csv")


async def test_moderator_posts_a_lesson_with_embed_and_thread(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.moderator, "lesson post", lesson="chips")
    assert result.ephemeral and result.content == f"Posted in <#{fake.text.id}>"
    post = fake.bot_messages(fake.text)[-1]
    assert post["embeds"][0]["title"] == "Lesson: chips"
    (thread,) = fake.threads(fake.text)
    assert thread.name == "Discussion: chips" and thread.id == int(post["id"])
    assert result.thread is thread
    assert [m["content"] for m in fake.messages(thread)] == ["What do you think?"]


async def test_member_without_manage_server_is_refused(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "lesson post", lesson="chips")
    assert result.ephemeral and "Manage Server" in result.content
    assert fake.messages(fake.text) == []


async def test_channel_option_is_resolved(fake):
    fake.setup_study_guild()
    other = fake.create_text_channel(fake.guild, "other")
    async with run_client(fake, MiniBot(), wait_sync=True):
        # "lesson post" has a `channel` option, so channel= fills it; the command runs in #weekly.
        result = await fake.slash(fake.moderator, "lesson post", lesson="x", channel=other)
        assert result.record.channel is fake.text
        elsewhere = await fake.slash(fake.moderator, "lesson post", lesson="y", in_channel=other)
    assert [m["embeds"][0]["title"] for m in fake.bot_messages(other)] == ["Lesson: x", "Lesson: y"]
    assert elsewhere.record.channel is other
    assert result.record.payload["data"]["options"][0]["options"][1] == {
        "name": "channel",
        "type": 7,
        "value": str(other.id),
    }
    assert str(other.id) in result.record.payload["data"]["resolved"]["channels"]


async def test_ping_runs_where_channel_says_when_there_is_no_channel_option(fake):
    fake.setup_study_guild()
    other = fake.create_text_channel(fake.guild, "other")
    async with run_client(fake, MiniBot(), wait_sync=True):
        await fake.slash(fake.member, "ping", channel=other, loud=True)
    assert fake.messages(other)[0]["content"] == "pong"


async def test_forum_post_has_its_first_message(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "lesson forum", forum=fake.forum, title="Week 1")
    (post,) = fake.threads(fake.forum)
    assert post.name == "Week 1"
    first = fake.messages(post)[0]
    assert first["content"] == "First message" and int(first["id"]) == post.id
    assert result.content == f"Opened <#{post.id}>"


async def test_bot_receives_thread_messages_edits_and_deletes(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        thread = await fake.create_thread(fake.member, fake.text, "chat")
        msg = await fake.say(fake.member, "Chips are the bottleneck.", thread=thread)
        await fake.wait_until(lambda: bot.seen)
        await fake.edit(msg, "GPUs are the bottleneck.")
        await fake.delete(msg)
        await fake.wait_until(lambda: bot.deleted)
    assert bot.texts == ["Chips are the bottleneck."]
    assert bot.seen[0].channel.id == thread.id
    assert bot.edits == [(msg["id"], "GPUs are the bottleneck.")]
    assert fake.messages(thread) == []


async def test_auto_sharded_client_connects_through_gateway_bot(fake):
    import discord

    fake.setup_study_guild()
    client = discord.AutoShardedClient(intents=discord.Intents.default())
    async with run_client(fake, client) as bot:
        assert bot.get_guild(fake.guild.id) is not None
    assert fake.requests_matching("GET", r"^/gateway/bot$")


class _SlowReader(MiniBot):
    """Reads each message for a moment, like a handler that writes it somewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.finished = asyncio.Event()

    async def on_message(self, message: discord.Message) -> None:
        self.started.set()
        await asyncio.sleep(0.2)
        self.finished.set()


async def test_event_handlers_end_before_run_client_returns(fake):
    """A handler still running at the close is awaited, not left for the test's loop to drop
    (a task the closing loop never starts is a "never awaited" warning)."""
    fake.setup_study_guild()
    async with run_client(fake, _SlowReader()) as bot:
        await fake.say(fake.member, fake.text, "Hello.")
        await asyncio.wait_for(bot.started.wait(), timeout=5)
    assert bot.finished.is_set()
