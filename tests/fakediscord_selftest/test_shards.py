"""Shards: /gateway/bot's count, IDENTIFY with a shard, each guild's events to its shard only,
several processes on one fake, a process SIGKILLed and restarted."""

from __future__ import annotations

import discord
import pytest

from tests.fakediscord import run_client
from tests.fakediscord.processes import start_bot_process

from .minibot import MiniBot


class EagerShards(discord.AutoShardedClient):
    """discord.py waits 5 s between two shards' IDENTIFYs (Discord's rate); the fake does not."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def test_guilds_can_be_made_on_a_chosen_shard(fake):
    fake.shard_count = 3
    guilds = [fake.create_guild(f"g{i}", shard=i % 3) for i in range(6)]
    pinned = fake.create_guild("two of four", shard=(2, 4))
    assert [fake.shard_of(g.id) for g in guilds] == [0, 1, 2, 0, 1, 2]
    assert fake.shard_of(pinned.id, 4) == 2
    assert [g.id for g in guilds] == sorted(g.id for g in guilds)  # ids still increase
    with pytest.raises(ValueError, match="not one of 3"):
        fake.create_guild("nowhere", shard=3)


async def test_gateway_bot_recommends_the_configured_shard_count(fake):
    fake.shard_count = 2
    zero, one = fake.create_guild("zero", shard=0), fake.create_guild("one", shard=1)
    async with run_client(fake, EagerShards(intents=discord.Intents.default())) as bot:
        assert bot.shard_count == 2
        assert {bot.get_guild(zero.id).shard_id, bot.get_guild(one.id).shard_id} == {0, 1}
    assert fake.connected_shards() == set()  # both closed cleanly
    assert {s.shard for s in fake.sessions.values()} == {(0, 2), (1, 2)}


async def test_each_guilds_events_go_to_its_own_shard_only(fake):
    zero = fake.create_guild("zero", shard=(0, 2))
    one = fake.create_guild("one", shard=(1, 2))
    zero_text = fake.create_text_channel(zero, "weekly")
    one_text = fake.create_text_channel(one, "weekly")
    member0 = fake.create_member(zero, "ann")
    member1 = fake.create_member(one, "bob")
    shard0, shard1 = MiniBot(shard=(0, 2)), MiniBot(shard=(1, 2))
    async with run_client(fake, shard0), run_client(fake, shard1):
        assert [g.id for g in shard0.guilds] == [zero.id]
        assert [g.id for g in shard1.guilds] == [one.id]
        await fake.say(member0, zero_text, "for shard zero")
        await fake.say(member1, one_text, "for shard one")
        await fake.wait_until(lambda: shard0.texts and shard1.texts)
    assert shard0.texts == ["for shard zero"]
    assert shard1.texts == ["for shard one"]


async def test_an_invalid_shard_is_closed_with_4010(fake):
    fake.create_guild("Study")
    client = discord.Client(intents=discord.Intents.default(), shard_id=2, shard_count=2)
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with run_client(fake, client, timeout=3):
            pass
    assert closed.value.code == 4010


async def test_too_many_guilds_for_one_shard_is_closed_with_4011(fake):
    fake.max_guilds_per_shard = 1
    fake.create_guild("a")
    fake.create_guild("b")
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with run_client(fake, MiniBot(), timeout=3):
            pass
    assert closed.value.code == 4011


async def test_direct_messages_go_to_shard_zero(fake):
    guild = fake.create_guild("one", shard=(1, 2))
    alice = fake.create_member(guild, "alice")
    shard1 = MiniBot(shard=(1, 2))
    async with run_client(fake, shard1):
        dm = await shard1.create_dm(discord.Object(alice.id))
        await dm.send("hello")
    (session,) = fake.sessions.values()
    assert not any(f["t"] == "MESSAGE_CREATE" for f in session.sent)


async def test_two_processes_share_the_fake_and_a_killed_one_comes_back(fake, tmp_path):
    fake.shard_count = 2
    channels = {}
    members = {}
    for shard in (0, 1):
        guild = fake.create_guild(f"shard {shard}", shard=shard)
        channels[shard] = fake.create_text_channel(guild, "weekly")
        members[shard] = fake.create_member(guild, f"member{shard}")

    async def launch(shard: int):
        return await start_bot_process(
            fake,
            "tests.fakediscord_selftest.shardbot",
            name=f"shard{shard}",
            log_dir=tmp_path,
            env={"SHARD_ID": str(shard), "SHARD_COUNT": "2"},
        )

    processes = {shard: await launch(shard) for shard in (0, 1)}
    try:
        await fake.wait_for_shards(0, 1, count=2, timeout=30)
        await fake.wait_until(lambda: fake.command_syncs >= 1, timeout=30)
        answers = {s: await fake.slash(members[s], "where", channel=channels[s]) for s in (0, 1)}
        pids = {s: int(answers[s].content.split()[-1]) for s in (0, 1)}

        await processes[1].kill()
        await fake.wait_until(lambda: (1, 2) not in fake.connected_shards())
        missed = await fake.say(members[1], channels[1], "written while shard 1 is down")
        still_up = await fake.slash(members[0], "where", channel=channels[0])

        processes[1] = await launch(1)
        await fake.wait_for_shards(1, count=2, timeout=30)
        back = await fake.slash(members[1], "where", channel=channels[1])
        after = await fake.say(members[1], channels[1], "after the restart")
        await fake.wait_until(
            lambda: any(
                m.get("message_reference", {}).get("message_id") == after["id"]
                for m in fake.messages(channels[1])
            ),
            timeout=10,
        )
    finally:
        for process in processes.values():
            await process.stop()
    assert [answers[s].content.split()[:2] for s in (0, 1)] == [["shard", "0"], ["shard", "1"]]
    assert pids[0] == processes[0].pid and pids[1] != pids[0]
    assert still_up.content.startswith("shard 0")
    assert back.content.startswith("shard 1") and int(back.content.split()[-1]) == processes[1].pid
    replies = [m for m in fake.bot_messages(channels[1]) if m["content"].startswith("seen by")]
    assert [(m["content"], m["message_reference"]["message_id"]) for m in replies] == [
        ("seen by shard 1", after["id"])
    ]
    shard0_sessions = [s for s in fake.sessions.values() if s.shard == (0, 2)]
    assert all(missed["id"] not in str(f["d"]) for s in shard0_sessions for f in s.sent)
