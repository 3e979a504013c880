"""Roles, pins, locked threads, reactions and pings: the parts of Discord a weekly rhythm uses."""

from __future__ import annotations

import discord
import pytest

from tests.fakediscord import run_client
from tests.fakediscord.mentions import Pings

from .minibot import MiniBot

P = discord.Permissions


class Recorder(MiniBot):
    """MiniBot that also keeps the raw reaction and pin events it receives."""

    def __init__(self, *, intents: discord.Intents | None = None) -> None:
        super().__init__(intents=intents)
        self.reactions_seen: list[tuple[str, str, int]] = []
        self.pin_updates: list[int] = []

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.reactions_seen.append(("add", str(payload.emoji), payload.user_id))

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self.reactions_seen.append(("remove", str(payload.emoji), payload.user_id))

    async def on_guild_channel_pins_update(self, channel: discord.abc.GuildChannel, last_pin: object) -> None:
        self.pin_updates.append(channel.id)


def grant_bot(fake, **permissions: bool) -> None:
    role = fake.bot_role(fake.guild)
    fake.set_role_permissions(role, role.permissions | P(**permissions).value)


# ---------------------------------------------------------------------------- roles
async def test_the_bot_gives_and_takes_a_role_below_its_own(fake):
    fake.setup_study_guild()
    ping = fake.create_role(fake.guild, "Lesson pings", position=1)
    grant_bot(fake, manage_roles=True)
    assert ping.position < fake.bot_role(fake.guild).position
    async with run_client(fake, MiniBot()) as bot:
        guild = bot.get_guild(fake.guild.id)
        member = await guild.fetch_member(fake.member.id)
        await member.add_roles(discord.Object(ping.id))
        given = [r.id for r in fake.member.roles]
        await member.remove_roles(discord.Object(ping.id))
    assert given == [ping.id]
    assert fake.member.roles == []
    assert [r.method for r in fake.requests_matching("*", r"/members/\d+/roles/\d+$")] == ["PUT", "DELETE"]


@pytest.mark.parametrize("case", ["role above the bot's", "no Manage Roles"])
async def test_a_role_the_bot_may_not_give_is_403_missing_permissions(fake, case):
    fake.setup_study_guild()
    if case == "role above the bot's":
        ping = fake.create_role(
            fake.guild, "Lesson pings"
        )  # created above every role, as before the bot joined
        grant_bot(fake, manage_roles=True)
    else:
        ping = fake.create_role(fake.guild, "Lesson pings", position=1)
    async with run_client(fake, MiniBot()) as bot:
        member = await bot.get_guild(fake.guild.id).fetch_member(fake.member.id)
        with pytest.raises(discord.Forbidden) as refused:
            await member.add_roles(discord.Object(ping.id))
    assert (refused.value.status, refused.value.code) == (403, 50013)
    assert fake.member.roles == []


async def test_an_equal_position_is_not_below_and_administrator_does_not_lift_the_hierarchy(fake):
    fake.setup_study_guild()
    grant_bot(fake, administrator=True)
    top = fake.create_role(fake.guild, "Top")
    async with run_client(fake, MiniBot()) as bot:
        member = await bot.get_guild(fake.guild.id).fetch_member(fake.member.id)
        with pytest.raises(discord.Forbidden):
            await member.add_roles(discord.Object(top.id))
        with pytest.raises(discord.Forbidden):
            await member.add_roles(discord.Object(fake.bot_role(fake.guild).id))
    assert fake.member.roles == []


async def test_editing_a_members_roles_checks_each_changed_role(fake):
    fake.setup_study_guild()
    low = fake.create_role(fake.guild, "Low", position=1)
    high = fake.create_role(fake.guild, "High")
    grant_bot(fake, manage_roles=True)
    async with run_client(fake, MiniBot()) as bot:
        member = await bot.get_guild(fake.guild.id).fetch_member(fake.member.id)
        await member.edit(roles=[discord.Object(low.id)])
        with pytest.raises(discord.Forbidden):
            await member.edit(roles=[discord.Object(low.id), discord.Object(high.id)])
    assert [r.id for r in fake.member.roles] == [low.id]


def test_moving_a_role_shifts_the_others_and_keeps_positions_distinct(fake):
    fake.setup_study_guild()
    a = fake.create_role(fake.guild, "A")
    b = fake.create_role(fake.guild, "B")
    fake.move_role(b, 1)
    roles = sorted((r for r in fake.guild.roles.values() if r.id != fake.guild.id), key=lambda r: r.position)
    assert [r.name for r in roles] == ["B", "studybot", "Moderators", "A"]
    assert [r.position for r in roles] == [1, 2, 3, 4]
    assert a.position == 4


# ---------------------------------------------------------------------------- pins
async def test_pinning_needs_pin_messages_manage_messages_is_no_longer_enough(fake):
    fake.setup_study_guild()
    grant_bot(fake, manage_messages=True)
    async with run_client(fake, Recorder()) as bot:
        channel = bot.get_channel(fake.text.id)
        first = await channel.send("week 1")
        with pytest.raises(discord.Forbidden) as refused:
            await first.pin()
        grant_bot(fake, pin_messages=True)
        second = await channel.send("week 2")
        await first.pin()
        await second.pin()
        await first.unpin()
        pins = [m.content async for m in channel.pins()]
        await fake.wait_until(lambda: len(bot.pin_updates) == 3)
    assert refused.value.code == 50013
    assert pins == ["week 2"]
    assert [m["content"] for m in fake.pinned(fake.text)] == ["week 2"]
    assert [m["content"] for m in fake.bot_messages(fake.text)] == ["week 1", "week 2"]
    notices = [m for m in fake.messages(fake.text) if m["type"] == 6]
    assert [n["message_reference"]["message_id"] for n in notices] == [str(first.id), str(second.id)]


async def test_pins_are_listed_newest_pin_first_and_hidden_without_history(fake):
    fake.setup_study_guild()
    grant_bot(fake, pin_messages=True)
    async with run_client(fake, MiniBot()) as bot:
        channel = bot.get_channel(fake.text.id)
        old, new = await channel.send("old"), await channel.send("new")
        await new.pin()
        await old.pin()
        listed = [m.content async for m in channel.pins()]
        fake.set_channel_overwrite(fake.text, fake.bot_user, deny=P(read_message_history=True).value)
        hidden = [m async for m in channel.pins()]
    assert listed == ["old", "new"]
    assert hidden == []


async def test_a_forum_post_is_pinned_by_its_flag_with_manage_threads(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        forum = bot.get_channel(fake.forum.id)
        first = (await forum.create_thread(name="Week 1", content="one")).thread
        second = (await forum.create_thread(name="Week 2", content="two")).thread
        first = await first.edit(pinned=True)
        pinned_first = [t.name for t in fake.pinned_posts(fake.forum)]
        await first.edit(archived=True)
        with pytest.raises(discord.HTTPException) as archived:
            await first.edit(pinned=False)
        await first.edit(archived=False, pinned=False)
        second = await second.edit(pinned=True)
        text_thread = await (await bot.get_channel(fake.text.id).send("lesson")).create_thread(name="Chat")
        with pytest.raises(discord.HTTPException) as not_a_post:
            await text_thread.edit(pinned=True)
        fake.set_bot_permissions(fake.guild, deny=P(manage_threads=True).value)
        with pytest.raises(discord.Forbidden):
            await second.edit(pinned=False)
    assert pinned_first == ["Week 1"]
    assert archived.value.code == 50083
    assert (not_a_post.value.status, not_a_post.value.code) == (400, 50035)
    assert second.flags.pinned and not fake.channel(first.id).flags
    assert [t.name for t in fake.pinned_posts(fake.forum)] == ["Week 2"]


# ---------------------------------------------------------------------------- threads
async def test_a_closed_thread_refuses_the_bot_and_members_without_manage_threads(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        message = await bot.get_channel(fake.text.id).send("lesson")
        thread = await message.create_thread(name="Discussion")
        await thread.edit(locked=True)
        stored = fake.channel(thread.id)
        fake.set_bot_permissions(fake.guild, deny=P(manage_threads=True).value)
        with pytest.raises(discord.HTTPException) as locked:
            await thread.send("while locked")
        await fake.archive_thread(stored, locked=True)  # a moderator closes it
        with pytest.raises(discord.HTTPException) as closed:
            await thread.send("after the close")
        with pytest.raises(ValueError, match="locked"):
            await fake.say(fake.member, "a late reply", thread=stored)
    assert (locked.value.status, locked.value.code) == (400, 160005)
    assert (closed.value.status, closed.value.code) == (400, 50083)
    assert [m["content"] for m in fake.messages(stored)] == []


async def test_an_archived_thread_can_only_be_reopened(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        message = await bot.get_channel(fake.text.id).send("lesson")
        thread = await message.create_thread(name="Discussion")
        reply = await thread.send("first")
        await thread.edit(archived=True)
        with pytest.raises(discord.HTTPException) as lock_archived:
            await thread.edit(locked=True)
        with pytest.raises(discord.HTTPException) as edit_inside:
            await reply.edit(content="changed")
        await thread.edit(archived=False, locked=True)
    stored = fake.channel(thread.id)
    assert lock_archived.value.code == 50083 and edit_inside.value.code == 50083
    assert (stored.archived, stored.locked) == (False, True)


async def test_a_message_reopens_an_archived_unlocked_thread(fake):
    fake.setup_study_guild()
    thread = fake.open_thread(fake.text, "chat", fake.member)
    await fake.archive_thread(thread)
    async with run_client(fake, MiniBot()):
        await fake.say(fake.member, "back again", thread=thread)
    assert not thread.archived


async def test_close_then_the_bot_with_manage_threads_still_posts(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        message = await bot.get_channel(fake.text.id).send("lesson")
        thread = await message.create_thread(name="Discussion")
        await thread.edit(locked=True, archived=True)
        await thread.send("digest")
    stored = fake.channel(thread.id)
    assert [m["content"] for m in fake.messages(stored)] == ["digest"]
    assert stored.locked and not stored.archived  # a message reopens it; it stays locked


# ---------------------------------------------------------------------------- reactions
async def test_members_reactions_reach_the_bot_and_count_on_the_message(fake):
    fake.setup_study_guild()
    thread = fake.open_thread(fake.text, "chat", fake.member)
    async with run_client(fake, Recorder()) as bot:
        reply = await fake.say(fake.member, "a good answer", thread=thread)
        await fake.react(fake.member, reply, "👍")
        await fake.react(fake.moderator, reply, "👍")
        await fake.react(fake.moderator, reply, "👍")  # twice by one member counts once
        await fake.react(fake.moderator, reply, "🎉")
        await fake.unreact(fake.member, reply, "👍")
        await fake.wait_until(lambda: len(bot.reactions_seen) == 4)
        fetched = await bot.get_channel(thread.id).fetch_message(int(reply["id"]))
    assert bot.reactions_seen == [
        ("add", "👍", fake.member.id),
        ("add", "👍", fake.moderator.id),
        ("add", "🎉", fake.moderator.id),
        ("remove", "👍", fake.member.id),
    ]
    assert {str(r.emoji): r.count for r in fetched.reactions} == {"👍": 1, "🎉": 1}
    assert fake.reaction_counts(reply) == {"👍": 1, "🎉": 1}
    assert not any(r.me for r in fetched.reactions)


async def test_reactions_while_the_bot_was_away_or_without_the_intent_show_only_in_counts(fake):
    fake.setup_study_guild()
    thread = fake.open_thread(fake.text, "chat", fake.member)
    (reply,) = fake.offline_messages(fake.member, thread, ["old answer"])
    await fake.react(fake.moderator, reply, "👍", dispatch=False)
    intents = discord.Intents.default()
    intents.message_content = True
    intents.reactions = False
    async with run_client(fake, Recorder(intents=intents)) as bot:
        await fake.react(fake.member, reply, "👍")
        history = [m async for m in bot.get_channel(thread.id).history()]
    assert bot.reactions_seen == []
    assert [r.count for r in history[0].reactions] == [2]


async def test_the_bots_own_reactions_and_who_reacted(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        message = await bot.get_channel(fake.text.id).send("react here")
        await fake.react(fake.member, message.id, "👍")
        await message.add_reaction("👍")
        fetched = await message.channel.fetch_message(message.id)
        users = sorted([u.id async for u in fetched.reactions[0].users()])
        await message.remove_reaction("👍", bot.user)
        fake.set_channel_overwrite(fake.text, fake.bot_user, deny=P(add_reactions=True).value)
        await message.add_reaction("👍")  # an existing reaction needs no Add Reactions
        with pytest.raises(discord.Forbidden):
            await message.add_reaction("🎉")
    assert fetched.reactions[0].me and fetched.reactions[0].count == 2
    assert users == sorted([fake.member.id, fake.bot_user.id])
    assert fake.reaction_counts(fake.message(message.id)) == {"👍": 2}


# ---------------------------------------------------------------------------- mentions and pings
async def test_allowed_mentions_decide_whom_a_post_pings(fake):
    fake.setup_study_guild()
    ping = fake.create_role(fake.guild, "Lesson pings", mentionable=True)
    other = fake.create_role(fake.guild, "Others", mentionable=True)
    text = f"<@&{ping.id}> <@&{other.id}> <@{fake.member.id}> @everyone new lesson"
    async with run_client(fake, MiniBot()) as bot:
        channel = bot.get_channel(fake.text.id)
        only_role = await channel.send(
            text,
            allowed_mentions=discord.AllowedMentions(
                roles=[discord.Object(ping.id)], users=False, everyone=False
            ),
        )
        nobody = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        default = await channel.send(text)
    assert fake.pings(only_role.id) == Pings(roles=(ping.id,))
    assert fake.message(only_role.id)["mention_roles"] == [str(ping.id)]
    assert fake.pings(nobody.id) == Pings()
    assert fake.message(nobody.id)["mentions"] == [] and fake.message(nobody.id)["mention_roles"] == []
    # Without allowed_mentions everything is parsed, but @everyone needs Mention Everyone.
    assert fake.pings(default.id) == Pings(users=(fake.member.id,), roles=(ping.id, other.id), everyone=False)


async def test_a_role_that_is_not_mentionable_pings_only_with_mention_everyone(fake):
    fake.setup_study_guild()
    quiet = fake.create_role(fake.guild, "Quiet")
    allowed = discord.AllowedMentions(roles=[discord.Object(quiet.id)])
    async with run_client(fake, MiniBot()) as bot:
        channel = bot.get_channel(fake.text.id)
        silent = await channel.send(f"<@&{quiet.id}>", allowed_mentions=allowed)
        grant_bot(fake, mention_everyone=True)
        loud = await channel.send(f"<@&{quiet.id}>", allowed_mentions=allowed)
    assert fake.pings(silent.id).roles == ()
    assert fake.message(silent.id)["mention_roles"] == [str(quiet.id)]
    assert fake.pings(loud.id).roles == (quiet.id,)


async def test_interaction_answers_parse_only_user_mentions_by_default(fake):
    fake.setup_study_guild()
    ping = fake.create_role(fake.guild, "Lesson pings", mentionable=True)

    class Announcer(MiniBot):
        async def setup_hook(self) -> None:
            @self.tree.command(name="announce", description="announce")
            async def announce(interaction: discord.Interaction) -> None:
                await interaction.response.send_message(f"<@&{ping.id}> <@{fake.member.id}> hello")

            await self.tree.sync()

    async with run_client(fake, Announcer(), wait_sync=True):
        result = await fake.slash(fake.moderator, "announce")
    assert fake.pings(result.message) == Pings(users=(fake.member.id,))


async def test_a_reply_pings_its_author_unless_told_not_to(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()) as bot:
        question = await fake.say(fake.member, "a question")
        original = await bot.get_channel(fake.text.id).fetch_message(int(question["id"]))
        loud = await original.reply("an answer")
        quiet = await original.reply("an answer", allowed_mentions=discord.AllowedMentions.none())
    assert fake.pings(loud.id).users == (fake.member.id,)
    assert fake.pings(quiet.id) == Pings()
