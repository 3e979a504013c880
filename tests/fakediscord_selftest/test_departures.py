"""Leaving a server, and listing a channel's archived threads page by page, as discord.py does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord

from tests.fakediscord import run_client

from .minibot import MiniBot


async def test_a_bot_removed_from_a_server_hears_guild_remove_and_is_refused_its_channels(fake):
    fake.setup_study_guild()
    removed: list[int] = []

    async def on_guild_remove(guild: discord.Guild) -> None:
        removed.append(guild.id)

    async with run_client(fake, MiniBot()) as bot:
        bot.add_listener(on_guild_remove)
        fake.remove_bot(fake.guild)
        await fake.wait_until(lambda: removed)
        assert bot.get_guild(fake.guild.id) is None
        try:
            await bot.fetch_channel(fake.text.id)
        except discord.Forbidden as error:
            assert error.code == 50001
        else:
            raise AssertionError("the channel of a server the bot left was served")
        frames = [p for p in fake.gateway_received if p.get("op") == 2]
    assert removed == [fake.guild.id] and len(frames) == 1
    async with run_client(fake, MiniBot()) as bot:  # the next READY leaves it out
        assert bot.get_guild(fake.guild.id) is None


async def test_archived_threads_come_newest_archived_first_page_by_page(fake):
    fake.setup_study_guild()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    threads = [fake.open_thread(fake.text, f"t{i}", fake.member, dispatch=False) for i in range(250)]
    for i, thread in enumerate(threads):
        thread.archived = True
        thread.archive_timestamp = start + timedelta(minutes=(i * 7) % 250)  # not in creation order
    fake.open_thread(fake.text, "active", fake.member, dispatch=False)
    async with run_client(fake, MiniBot()) as bot:
        before = len(fake.requests)
        channel = bot.get_channel(fake.text.id)
        listed = [t async for t in channel.archived_threads(limit=None)]
        pages = fake.requests[before:]
    expected = sorted(threads, key=lambda t: t.archive_timestamp, reverse=True)
    assert [t.id for t in listed] == [t.id for t in expected]
    assert [r.path for r in pages] == [f"/channels/{fake.text.id}/threads/archived/public"] * 3
