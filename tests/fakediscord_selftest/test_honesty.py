"""Where the fake is honest: intents, permissions, limits, tokens, nonces, deleted channels."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from tests.fakediscord import run_client

from .minibot import MiniBot


def no_content_intent() -> discord.Intents:
    intents = discord.Intents.default()
    intents.message_content = False
    return intents


async def test_without_message_content_intent_content_is_withheld(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(intents=no_content_intent())) as bot:
        thread = await fake.create_thread(fake.member, fake.text, "chat")
        await fake.say(fake.member, "hidden words", thread=thread, attachments=[("a.txt", b"x")])
        await fake.say(fake.member, f"<@{fake.bot_user.id}> visible words", thread=thread)
        await fake.wait_until(lambda: len(bot.texts) == 2)
        history = [m.content async for m in bot.get_channel(thread.id).history(oldest_first=True)]
    assert bot.texts == ["", f"<@{fake.bot_user.id}> visible words"]
    assert bot.seen[0].attachments == []
    assert history == ["", f"<@{fake.bot_user.id}> visible words"]


async def test_with_message_content_intent_content_arrives(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        thread = await fake.create_thread(fake.member, fake.text, "chat")
        await fake.say(fake.member, "plain words", thread=thread, attachments=[("a.txt", b"hello")])
        await fake.wait_until(lambda: bot.texts)
        data = await bot.seen[0].attachments[0].read()
    assert bot.texts == ["plain words"]
    assert data == b"hello"


async def test_refused_privileged_intent_closes_with_4014(fake):
    fake.create_guild("Study")
    fake.allow_message_content = False
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with run_client(fake, MiniBot()):
            pass


async def test_invalid_token_is_a_login_failure(fake):
    with pytest.raises(discord.LoginFailure):
        async with run_client(fake, MiniBot(), token="wrong"):
            pass


async def test_interaction_permissions_follow_roles_and_overwrites(fake):
    fake.setup_study_guild()
    send = discord.Permissions(send_messages=True).value
    fake.set_channel_overwrite(fake.text, fake.guild.everyone, deny=send)
    mods = fake._moderator_role(fake.guild)
    fake.set_channel_overwrite(fake.text, mods, allow=send)
    seen = {}

    class Bot(MiniBot):
        async def setup_hook(self) -> None:
            @self.tree.command(name="perms", description="perms")
            async def perms(interaction: discord.Interaction) -> None:
                seen["member"] = interaction.permissions
                seen["app"] = interaction.app_permissions
                await interaction.response.send_message("ok", ephemeral=True)

            await self.tree.sync()

    async with run_client(fake, Bot(), wait_sync=True):
        await fake.slash(fake.member, "perms")
        member_perms = seen["member"]
        await fake.slash(fake.moderator, "perms")
    assert not member_perms.send_messages and member_perms.view_channel
    assert seen["member"].send_messages and seen["member"].manage_guild  # role overwrite allows
    assert not seen["app"].send_messages  # the @everyone deny covers the bot too
    assert not seen["app"].embed_links  # implicitly lost with send_messages, as on Discord
    assert not seen["app"].administrator


async def test_sending_without_send_messages_is_403_missing_permissions(fake):
    fake.setup_study_guild()
    fake.set_bot_permissions(fake.guild, deny=discord.Permissions(send_messages=True).value)
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.moderator, "lesson post", lesson="x")
    assert result.content == "Missing permission: Missing Permissions"
    assert fake.bot_messages(fake.text) == []


async def test_message_over_2000_characters_is_refused_with_form_errors(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True) as bot:
        result = await fake.slash(fake.member, "long")
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=fake.text.id)
        with pytest.raises(discord.HTTPException) as too_many:
            await bot.http.request(route, json={"embeds": [{"title": "t"}] * 11})
        with pytest.raises(discord.HTTPException) as title:
            await bot.get_channel(fake.text.id).send(embed=discord.Embed(title="t" * 257))
    assert bot.last_error.code == 50035
    assert bot.last_error.status == 400
    assert result.content == "error 50035"
    assert "Must be 2000 or fewer in length." in bot.last_error.text
    assert too_many.value.code == 50035
    assert "Must be 10 or fewer in length." in too_many.value.text
    assert title.value.code == 50035 and "256" in title.value.text


async def test_second_initial_response_is_refused(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "twice")
        await result.wait_followups(1)
    assert result.followups[0]["content"] == "refused 400 40060"


async def test_expired_interaction_token_refuses_followups(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True) as bot:
        result = await fake.slash(fake.member, "hold", timeout=0.2)
        assert result.type == 5 and not result.record.settled
        result.expire()
        with pytest.raises(discord.HTTPException) as refused:
            await bot.held[0].followup.send("too late")
    assert refused.value.status == 401 and refused.value.code == 50027


async def test_enforce_nonce_returns_the_first_message(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        channel = bot.get_channel(fake.text.id)
        first = await channel.send("lesson 1", nonce="post-1")
        again = await channel.send("lesson 1", nonce="post-1")
    assert first.id == again.id
    assert len(fake.bot_messages(fake.text)) == 1


async def test_deleted_channel_answers_unknown_channel(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        channel = bot.get_channel(fake.text.id)
        fake.delete_channel(fake.text)
        with pytest.raises(discord.NotFound) as gone:
            await channel.send("hello")
        await fake.wait_until(lambda: bot.get_channel(fake.text.id) is None)
    assert gone.value.code == 10003


async def test_unknown_route_is_404_and_recorded(fake):
    async with run_client(fake, MiniBot()) as bot:
        with pytest.raises(discord.NotFound):
            await bot.http.request(Route("GET", "/no/such/route"))
    assert [(r.method, r.path) for r in fake.unknown_requests] == [("GET", "/no/such/route")]


async def test_file_upload_is_multipart_and_readable(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        import io

        await bot.get_channel(fake.text.id).send(
            "see file", file=discord.File(io.BytesIO(b"abc"), "notes.md")
        )
    (msg,) = fake.bot_messages(fake.text)
    assert msg["attachments"][0]["filename"] == "notes.md"
    assert fake.attachment_bytes(msg["attachments"][0]) == b"abc"
    assert fake.requests_matching("POST", r"/channels/\d+/messages$")[0].files == [("notes.md", b"abc")]


async def test_button_click_updates_the_message(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "vote")
        click = await fake.click(fake.moderator, result.message, "vote:up")
    assert click.type == 7
    assert fake.messages(fake.text)[-1]["content"] == "voted by mod"
    assert fake.messages(fake.text)[-1]["components"] == []


async def test_button_on_an_ephemeral_message_updates_it_privately(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "vote", private=True)
        click = await fake.click(fake.member, result.message["id"], "vote:up")
    assert click.content == "voted by alice" and click.ephemeral
    assert fake.messages(fake.text) == []


async def test_modal_is_opened_and_submitted(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot(), wait_sync=True):
        opened = await fake.slash(fake.member, "feedback")
        assert opened.type == 9 and opened.modal["title"] == "Feedback"
        submitted = await fake.submit_modal(fake.member, opened, {"answer": "great"})
    assert submitted.content == "thanks: great" and submitted.ephemeral


async def test_backfill_reads_messages_written_while_offline(fake):
    fake.setup_study_guild()
    thread = fake.open_thread(fake.text, "old", fake.member, dispatch=False)
    fake.offline_messages(fake.member, thread, ["one", "two", "three"])
    async with run_client(fake, MiniBot()) as bot:
        ch = bot.get_channel(thread.id)
        texts = [m.content async for m in ch.history(limit=None, oldest_first=True)]
        assert bot.texts == []
    assert texts == ["one", "two", "three"]


async def test_archive_and_lock_a_thread(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        thread = await fake.create_thread(fake.member, fake.text, "chat")
        await fake.wait_until(lambda: bot.get_channel(thread.id))
        await bot.get_channel(thread.id).edit(archived=True, locked=True)
    assert thread.archived and thread.locked


async def test_thread_name_over_100_is_refused(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        message = await bot.get_channel(fake.text.id).send("post")
        with pytest.raises(discord.HTTPException) as refused:
            await message.create_thread(name="x" * 101)
    assert refused.value.code == 50035 and "name" in refused.value.text
    assert fake.threads(fake.text) == []


async def test_late_initial_response_is_unknown_interaction(fake):
    fake.setup_study_guild()
    fake.initial_response_deadline = -1.0  # every answer is "too late"
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "ping", timeout=0.3)
        refused = await fake.wait_for_request("POST", r"/interactions/\d+/[^/]+/callback$")
    assert not result.responded
    assert refused.status == 404


async def test_members_intent_chunks_quickly(fake):
    fake.setup_study_guild()
    intents = discord.Intents.default()
    intents.members = True
    async with run_client(fake, MiniBot(intents=intents)) as bot:
        names = sorted(m.name for m in bot.get_guild(fake.guild.id).members)
    assert names == ["alice", "mod", "study-owner", "studybot"]


async def test_pins_need_permission_and_then_work(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        message = await bot.get_channel(fake.text.id).send("pin me")
        with pytest.raises(discord.Forbidden):
            await message.pin()  # the default bot role cannot pin
        fake.set_bot_permissions(
            fake.guild, allow=bot.get_guild(fake.guild.id).me.guild_permissions.value | (1 << 51)
        )
        await message.pin()
        await message.add_reaction("👍")
        pins = [m.content async for m in bot.get_channel(fake.text.id).pins()]
    assert pins == ["pin me"]
    stored = fake.message(message.id)
    assert stored["pinned"] and stored["reactions"][0]["emoji"]["name"] == "👍"


async def test_an_event_handler_error_fails_the_test(fake):
    fake.setup_study_guild()

    class Broken(MiniBot):
        async def on_message(self, message: discord.Message) -> None:
            raise ValueError("boom")

    with pytest.raises(RuntimeError, match="on_message handler raised ValueError"):
        async with run_client(fake, Broken()) as bot:
            await fake.say(fake.member, fake.text, "hello")
            await bot.wait_for("message", timeout=1)
