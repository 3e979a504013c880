"""Injected faults: rate limits, server errors, slow routes, dropped websockets."""

from __future__ import annotations

import discord
import pytest

from tests.fakediscord import run_client

from .minibot import MiniBot


async def test_rides_out_an_injected_429(fake):
    fake.setup_study_guild()
    fault = fake.inject("POST", r"/channels/\d+/messages$", status=429, times=2)
    async with run_client(fake, MiniBot()) as bot:
        await bot.get_channel(fake.text.id).send("after the rate limit")
    assert len(fault.hits) == 2
    assert [m["content"] for m in fake.bot_messages(fake.text)] == ["after the rate limit"]
    statuses = [r.status for r in fake.requests_matching("POST", r"/channels/\d+/messages$")]
    assert statuses == [429, 429, 200]


async def test_429_on_an_interaction_followup_is_retried(fake):
    fake.setup_study_guild()
    fake.inject("POST", r"/webhooks/\d+/[^/]+$", status=429)
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "export")
    assert result.content == "Here it is"


async def test_503_on_a_followup_is_retried_by_discord_py(fake):
    # discord.py's webhook adapter retries any 5xx (after 1 s); its REST client only 500/502/504/524.
    fake.setup_study_guild()
    fake.inject("POST", r"/webhooks/\d+/[^/]+$", status=503)
    async with run_client(fake, MiniBot(), wait_sync=True):
        result = await fake.slash(fake.member, "export", timeout=5)
    assert result.content == "Here it is"
    assert [r.status for r in fake.requests_matching("POST", r"/webhooks/")] == [503, 200]


async def test_503_on_a_channel_send_surfaces_as_discord_server_error(fake):
    # The bot must retry this one itself: discord.py raises at once on 503.
    fake.setup_study_guild()
    fake.inject("POST", r"/channels/\d+/messages$", status=503)
    async with run_client(fake, MiniBot()) as bot:
        channel = bot.get_channel(fake.text.id)
        with pytest.raises(discord.DiscordServerError):
            await channel.send("first try")
        await channel.send("second try")
    assert [m["content"] for m in fake.bot_messages(fake.text)] == ["second try"]


async def test_slow_route_still_answers(fake):
    fake.setup_study_guild()
    fake.inject("POST", r"/channels/\d+/messages$", status=None, delay=0.2)
    async with run_client(fake, MiniBot()) as bot:
        await bot.get_channel(fake.text.id).send("slowly")
    assert fake.bot_messages(fake.text)[0]["content"] == "slowly"


async def test_dropped_websocket_resumes_and_replays_missed_events(fake):
    fake.setup_study_guild()
    thread = fake.open_thread(fake.text, "chat", fake.member)
    async with run_client(fake, MiniBot()) as bot:
        await fake.drop_websocket()
        await fake.say(fake.member, "after the drop", thread=thread)
        await fake.wait_until(lambda: bot.texts)
        resumes = [p for p in fake.gateway_received if p.get("op") == 6]
        identifies = [p for p in fake.gateway_received if p.get("op") == 2]
    assert bot.texts == ["after the drop"]
    assert len(resumes) == 1 and len(identifies) == 1


async def test_events_sent_while_disconnected_are_replayed_on_resume(fake):
    fake.setup_study_guild()
    thread = fake.open_thread(fake.text, "chat", fake.member)
    async with run_client(fake, MiniBot()) as bot:
        await fake.drop_websocket(wait_resumed=False)
        await fake.say(fake.member, "during the drop", thread=thread)
        await fake.wait_until(lambda: fake.resumes == 1)
        await fake.wait_until(lambda: bot.texts)
    assert bot.texts == ["during the drop"]


async def test_restarting_the_bot_identifies_a_new_session(fake):
    fake.setup_study_guild()
    async with run_client(fake, MiniBot()):
        pass
    async with run_client(fake, MiniBot()) as bot:
        assert bot.get_guild(fake.guild.id) is not None
    assert len([p for p in fake.gateway_received if p.get("op") == 2]) == 2
