"""One shard process of several (SHARD_COUNT=2, SHARD_IDS=1): the real bot, in this process, on a
fake Discord with servers on both shards. It connects its own shard only, posts the schedules
and backfills the threads of its own servers only, and leaves the command sync to shard 0."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import discord
import pytest

from bot.app import StudyBot
from bot.config import Settings
from bot.content.library import load_library
from bot.services.dispatcher import make_nonce
from bot.store import open_store
from bot.store.ports import Store
from bot.store.rows import NewOnce, NewPost, Schedule
from tests.clock import ManualClock
from tests.e2e.conftest import FIRST_LESSON, LESSONS, START
from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.models import Channel, Guild, Member
from tests.fakediscord.plugin import run_client


@dataclass
class Server:
    guild: Guild
    text: Channel
    member: Member
    thread: Channel  # the discussion of a lesson posted before the bot started
    schedule: Schedule  # a one-off due an hour after START


async def make_server(fake: FakeDiscord, store: Store, shard: int) -> Server:
    guild = fake.create_guild(f"shard {shard}", shard=shard)
    text = fake.create_text_channel(guild, "weekly")
    member = fake.create_member(guild, f"member{shard}")
    thread = fake.open_thread(text, "Earlier lesson", fake.bot_user, dispatch=False)
    await store.posts.record(
        NewPost(guild.id, text.id, thread.id, thread.id, FIRST_LESSON, START - timedelta(days=7))
    )
    fake.offline_messages(member, thread, [f"written on shard {shard} while the bot was down"])
    schedule = await store.schedules.create_once(
        NewOnce(guild.id, text.id, FIRST_LESSON, START + timedelta(hours=1), "UTC", member.id, START)
    )
    return Server(guild, text, member, thread, schedule)


def shard_process(
    fake: FakeDiscord, store: Store, url: str, ids: tuple[int, ...], clock: ManualClock
) -> StudyBot:
    library, problems = load_library(LESSONS)
    assert not problems
    settings = Settings(
        token=fake.token, database_url=url, lessons_dir=LESSONS, shard_count=2, shard_ids=ids
    )
    return StudyBot(settings, store=store, library=library, clock=clock)


def backfill_finished(caplog: pytest.LogCaptureFixture) -> bool:
    return any(
        r.name == "bot.features.discussion.backfill" and "finished" in r.getMessage() for r in caplog.records
    )


async def test_a_shard_process_posts_and_backfills_its_own_servers_only(fake, tmp_path, caplog):
    fake.shard_count = 2
    url = f"sqlite:///{tmp_path / 'studybot.sqlite3'}"
    store = await open_store(url)
    try:
        servers = [await make_server(fake, store, shard) for shard in (0, 1)]
        clock = ManualClock(START)
        bot = shard_process(fake, store, url, (1,), clock)
        with caplog.at_level(logging.INFO, logger="bot.features.discussion.backfill"):
            async with run_client(fake, bot):
                assert fake.connected_shards() == {(1, 2)}
                assert [g.id for g in bot.guilds] == [servers[1].guild.id]
                await fake.wait_until(lambda: backfill_finished(caplog), timeout=10)
                collector = bot.get_cog("DiscussionCog").collector  # type: ignore[union-attr]
                assert collector.threads == {servers[1].thread.id}  # the other is shard 0's to read
                await clock.advance(timedelta(hours=1))
                await fake.wait_until(lambda: fake.threads(servers[1].text)[1:], timeout=10)
                await fake.wait_until(lambda: fake.bot_messages(fake.threads(servers[1].text)[1]), timeout=10)
                posted = await store.schedules.get(servers[1].schedule.id)
                await bot.get_cog("DiscussionCog").writer.flush()  # type: ignore[union-attr]
            stored = {
                s.guild.id: [r.content for r in await store.replies.for_thread(s.thread.id)] for s in servers
            }
            untouched = await store.schedules.get(servers[0].schedule.id)
    finally:
        await store.close()

    assert posted is not None and posted.state == "done"
    assert [m["embeds"][0]["title"] for m in fake.bot_messages(servers[1].text) if m["embeds"]][:1] != []
    assert fake.bot_messages(servers[0].text) == []
    assert untouched == servers[0].schedule  # still pending, never claimed: shard 0's process posts it
    assert stored == {
        servers[0].guild.id: [],  # shard 0's process backfills it
        servers[1].guild.id: ["written on shard 1 while the bot was down"],
    }
    assert fake.requests_matching("*", rf"/channels/{servers[0].thread.id}\b") == []
    assert fake.command_syncs == 0


async def test_the_process_running_shard_zero_syncs_the_commands(fake, tmp_path):
    fake.shard_count = 2
    url = f"sqlite:///{tmp_path / 'studybot.sqlite3'}"
    store = await open_store(url)
    try:
        fake.create_guild("zero", shard=0)
        bot = shard_process(fake, store, url, (0,), ManualClock(START))
        async with run_client(fake, bot, wait_sync=True):
            assert fake.connected_shards() == {(0, 2)}
    finally:
        await store.close()
    assert fake.command_syncs == 1
    assert {c["name"] for c in fake.global_commands} >= {"concept", "schedule", "post"}



class EagerStudyBot(StudyBot):
    """discord.py waits 5 s before each IDENTIFY but a process's first (Discord's rate); the fake
    does not limit it, so the test does not wait."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def identifies(fake: FakeDiscord) -> int:
    return sum(1 for payload in fake.gateway_received if payload.get("op") == 2)


async def test_one_shard_identifying_again_is_backfilled_in_a_process_of_several_shards(fake, tmp_path):
    fake.shard_count = 2
    url = f"sqlite:///{tmp_path / 'studybot.sqlite3'}"
    store = await open_store(url)
    try:
        fake.create_guild("zero", shard=0)
        one = fake.create_guild("one", shard=1)
        text = fake.create_text_channel(one, "weekly")
        member = fake.create_member(one, "member")
        thread = fake.open_thread(text, "Earlier lesson", fake.bot_user, dispatch=False)
        await store.posts.record(NewPost(one.id, text.id, thread.id, thread.id, FIRST_LESSON, START))
        library, _ = load_library(LESSONS)
        settings = Settings(token=fake.token, database_url=url, lessons_dir=LESSONS, shard_count=2)
        bot = EagerStudyBot(settings, store=store, library=library, clock=ManualClock(START))
        async with run_client(fake, bot):
            writer = bot.get_cog("DiscussionCog").writer  # type: ignore[union-attr]

            async def stored() -> list[str]:
                await writer.flush()
                return [r.content for r in await store.replies.for_thread(thread.id)]

            assert sorted(bot.shards) == [0, 1]
            await fake.say(member, thread, "live, before the gap")
            await eventually(lambda: stored(), ["live, before the gap"])

            fake.invalidate_sessions()  # shard 1's RESUME is refused: it identifies again, alone
            fake.offline_messages(member, thread, ["written while shard 1 had no session"])
            identified = identifies(fake)
            await fake.drop_websocket(shard=1, wait_resumed=False)
            await fake.wait_until(lambda: identifies(fake) > identified, timeout=10)
            await eventually(
                lambda: stored(), ["live, before the gap", "written while shard 1 had no session"]
            )
    finally:
        await store.close()


async def eventually(read: Callable[[], Awaitable[object]], expected: object) -> None:
    """Wait until ``await read()`` equals ``expected`` (10 s at most); fail with the last value read."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10.0
    value = await read()
    while value != expected and loop.time() < deadline:
        await asyncio.sleep(0.05)
        value = await read()
    assert value == expected


async def test_past_the_grace_a_process_of_another_shard_posts_a_dead_processs_claim(fake, tmp_path):
    """Shard 1's process died holding a claim and has not come back for longer than the lease and
    the take-over grace: shard 0's process posts it, though it hears nothing of that server."""
    fake.shard_count = 2
    url = f"sqlite:///{tmp_path / 'studybot.sqlite3'}"
    store = await open_store(url)
    try:
        fake.create_guild("zero", shard=0)
        one = fake.create_guild("one", shard=1)
        text = fake.create_text_channel(one, "weekly")
        pins = discord.Permissions(pin_messages=True).value  # invited as the README says: posts get pinned
        fake.set_role_permissions(fake.bot_role(one), fake.bot_role(one).permissions | pins)
        due = START - timedelta(minutes=30)
        schedule = await store.schedules.create_once(
            NewOnce(one.id, text.id, FIRST_LESSON, due, "UTC", 42, due)
        )
        nonce = make_nonce(schedule.id, due)
        claimed = await store.schedules.claim(
            schedule, nonce=nonce, next_run=None, holder="shards 1 of 2", lease=timedelta(minutes=10), now=due
        )
        assert claimed is not None
        clock = ManualClock(START)  # the lease ended 20 minutes ago
        bot = shard_process(fake, store, url, (0,), clock)
        async with run_client(fake, bot):
            assert one.id not in {g.id for g in bot.guilds}
            await fake.wait_until(lambda: fake.bot_messages(text), timeout=10)
            thread = await fake.wait_until(lambda: fake.threads(text), timeout=10)
            await fake.wait_until(lambda: fake.bot_messages(thread[0]), timeout=10)
            done = await store.schedules.get(schedule.id)
            for _ in range(100):
                if done is not None and done.state == "done":
                    break
                await asyncio.sleep(0.05)
                done = await store.schedules.get(schedule.id)
            collector = bot.get_cog("DiscussionCog").collector  # type: ignore[union-attr]
            tracked = collector.threads
        [post] = await store.posts.for_lesson(one.id, FIRST_LESSON)
    finally:
        await store.close()

    assert done is not None and done.state == "done"
    [article] = fake.bot_messages(text)
    assert post.message_id == int(article["id"]) and post.thread_id == int(thread[0].id)
    sent = fake.requests_matching("POST", rf"^/channels/{text.id}/messages$")
    assert [r.json.get("nonce") for r in sent] == [f"{nonce}m0"]  # the dead claim's nonce
    assert tracked == frozenset()  # shard 1's process reads its replies when it is back
