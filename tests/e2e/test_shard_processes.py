"""Two real bot processes, one shard each (SHARD_COUNT=2), on one PostgreSQL database and one fake
Discord with servers on both shards (issue 11, item 5).

100 scheduled posts fall due at the same instant across ten servers, each lesson in a channel of
its own (a post in a channel closes the discussion before it there). While shard 1's posts are
going out its process is SIGKILLed; members keep answering in the threads; shard 0's process
loses its session meanwhile and reads its own threads again (never shard 1's); shard 1's process
is started again. In the end every post exists exactly once and every reply is stored.

A fast clock cannot be shared with other processes, so the posts are due a few seconds after the
test starts, on the real clock.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.store import open_store
from bot.store.ports import Store
from bot.store.rows import NewOnce
from tests.e2e.test_scheduling import write_lessons
from tests.e2e.test_startup import WELL_SHAPED_TOKEN
from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.models import Channel, Guild, Member
from tests.fakediscord.processes import BotProcess, start_bot_process

SERVERS_PER_SHARD = 5
LESSONS = 10  # each lesson once in each server: 100 posts
LEAD = timedelta(seconds=4)  # time for both processes to start before the posts fall due
SHARD_ONE_HOLDER = "shards 1 of 2"


@dataclass
class Server:
    shard: int
    guild: Guild
    channels: list[Channel]  # week N's lesson goes to channels[N - 1]
    member: Member

    def threads(self, fake: FakeDiscord) -> list[Channel]:
        return [thread for channel in self.channels for thread in fake.threads(channel)]


def make_servers(fake: FakeDiscord) -> list[Server]:
    servers = []
    for n in range(2 * SERVERS_PER_SHARD):
        shard = n % 2
        guild = fake.create_guild(f"group {n}", shard=shard)
        channels = [fake.create_text_channel(guild, f"week-{week}") for week in range(1, LESSONS + 1)]
        servers.append(Server(shard, guild, channels, fake.create_member(guild, f"member{n}")))
    return servers


def articles(fake: FakeDiscord, server: Server) -> list[dict]:
    return [m for channel in server.channels for m in fake.bot_messages(channel) if m.get("embeds")]


def member_replies(fake: FakeDiscord, servers: list[Server]) -> dict[int, str]:
    """Every message members wrote in the lesson threads, by id."""
    return {
        int(m["id"]): m["content"]
        for server in servers
        for thread in server.threads(fake)
        for m in fake.messages(thread)
        if not m["author"].get("bot")
    }


async def stored_replies(store: Store, servers: list[Server]) -> dict[int, str]:
    return {
        reply.message_id: reply.content
        for server in servers
        for post in await store.posts.in_guild(server.guild.id)
        for reply in await store.replies.for_thread(post.thread_id or 0)
    }


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait until ``await check()`` is true (60 s at most: far beyond what the scene needs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60.0
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"not within 60 s: {what}")
        await asyncio.sleep(0.1)


def identifies(fake: FakeDiscord) -> int:
    return sum(1 for payload in fake.gateway_received if payload.get("op") == 2)


@pytest.fixture
async def shard_processes(
    fake: FakeDiscord, postgres_url: str, tmp_path: Path
) -> AsyncIterator[Callable[[int], Awaitable[BotProcess]]]:
    """Start ``python -m bot run`` for one shard of two; every process is stopped at the end and
    its log printed (pytest shows it when the test fails)."""
    lessons_dir = write_lessons(tmp_path / "lessons", LESSONS)
    started: list[BotProcess] = []

    async def launch(shard: int) -> BotProcess:
        env = {
            "DATABASE_URL": postgres_url,
            "LESSONS_DIR": str(lessons_dir),
            "SHARD_COUNT": "2",
            "SHARD_IDS": str(shard),
            "DEV_GUILD_ID": "",
            "DEFAULT_TIMEZONE": "UTC",
            "MISSED_POST_GRACE": "6h",
            "LOG_LEVEL": "INFO",
        }
        name = f"shard{shard}"
        process = await start_bot_process(fake, "bot", ["run"], name=name, log_dir=tmp_path, env=env)
        started.append(process)
        return process

    try:
        yield launch
    finally:
        for process in started:
            await process.stop()
        for name in sorted({p.name for p in started}):
            print(f"----- {name}.log -----\n{(tmp_path / f'{name}.log').read_text(errors='replace')}")


async def test_two_shard_processes_post_everything_once_and_lose_no_reply_through_a_kill(
    fake: FakeDiscord, postgres_url: str, shard_processes: Callable[[int], Awaitable[BotProcess]]
):
    fake.token = WELL_SHAPED_TOKEN  # the bot refuses a token not shaped like Discord's
    fake.shard_count = 2
    servers = make_servers(fake)
    shard_one = [s for s in servers if s.shard == 1]
    # Shard 1's threads open slowly, so its posts are still going out when its process is killed.
    channels = "|".join(str(c.id) for s in shard_one for c in s.channels)
    threads_route = rf"^/channels/({channels})/messages/\d+/threads$"
    fake.inject("POST", threads_route, status=None, times=10**6, delay=0.1)

    store = await open_store(postgres_url)
    reader = await asyncpg.connect(postgres_url)
    try:
        now = datetime.now(UTC)
        due = now + LEAD
        for server in servers:
            for week in range(1, LESSONS + 1):
                channel = server.channels[week - 1].id
                new = NewOnce(server.guild.id, channel, f"week-{week}", due, "UTC", server.member.id, now)
                await store.schedules.create_once(new)

        processes = {shard: await shard_processes(shard) for shard in (0, 1)}
        await fake.wait_for_shards(0, 1, count=2, timeout=60)
        assert fake.command_syncs == 1  # by shard 0's process only (a new database: never synced)

        # Shard 1's posts are under way: some are out, members answer in their threads...
        await fake.wait_until(lambda: sum(len(articles(fake, s)) for s in shard_one) >= 15, timeout=60)
        for server in servers:
            for thread in server.threads(fake)[:1]:
                await fake.say(server.member, thread, f"{server.guild.name}: before the kill")
        # ...and its process dies.
        await processes[1].kill()
        killed_at = len(fake.requests)
        in_flight = await reader.fetchval(
            "SELECT count(*) FROM schedule_runs WHERE state = 'claimed' AND holder = $1", SHARD_ONE_HOLDER
        )
        assert in_flight > 0, "the kill came after shard 1's posts were done: nothing was in flight"

        # While it is down: members answer in shard 1's threads (nobody hears it), and shard 0's
        # process loses its session, so it reads its own threads' history again.
        for server in shard_one:
            for thread in server.threads(fake):
                await fake.say(server.member, thread, f"{server.guild.name}: while shard 1 was down")
        fake.invalidate_sessions()
        shard_zero_threads = {t.id for s in servers if s.shard == 0 for t in s.threads(fake)}
        for server in servers:
            if server.shard == 0:
                for thread in server.threads(fake)[:2]:
                    fake.offline_messages(server.member, thread, [f"{server.guild.name}: in shard 0's gap"])
        identified = identifies(fake)
        await fake.drop_websocket(shard=0, wait_resumed=False)
        await fake.wait_until(lambda: identifies(fake) > identified, timeout=30)
        gap = {i: t for i, t in member_replies(fake, servers).items() if t.endswith("in shard 0's gap")}
        await until(lambda: _contains(store, servers, gap), "shard 0's process reads what its gap missed")
        while_down = fake.requests[killed_at:]

        processes[1] = await shard_processes(1)
        await fake.wait_for_shards(1, count=2, timeout=60)

        async def all_done() -> bool:
            states = await reader.fetch(
                "SELECT state, count(*) AS n FROM schedules WHERE kind = 'once' GROUP BY state"
            )
            return {r["state"]: r["n"] for r in states} == {"done": 2 * SERVERS_PER_SHARD * LESSONS}

        await until(all_done, "every schedule is done")
        expected = member_replies(fake, servers)
        await until(lambda: _equal(store, servers, expected), "every reply is stored")
        runs = await reader.fetch(
            "SELECT r.state, count(*) AS n FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id "
            "WHERE s.kind = 'once' GROUP BY r.state"
        )
        posts = {s.guild.id: await store.posts.in_guild(s.guild.id) for s in servers}
        stored = await stored_replies(store, servers)
    finally:
        await reader.close()
        await store.close()

    # Every post exactly once: one article per lesson in each server, one thread on each article,
    # the question asked once in it, and one recorded post pointing at that article and thread.
    lessons = Counter(f"Week {week} lesson" for week in range(1, LESSONS + 1))
    for server in servers:
        sent = articles(fake, server)
        assert Counter(m["embeds"][0]["title"] for m in sent) == lessons, server.guild.name
        threads = server.threads(fake)
        assert sorted(t.id for t in threads) == sorted(int(m["id"]) for m in sent)
        assert all(len(fake.bot_messages(t)) == 1 for t in threads), server.guild.name
        recorded = posts[server.guild.id]
        assert sorted(p.lesson_id for p in recorded) == sorted(f"week-{w}" for w in range(1, LESSONS + 1))
        assert {p.message_id for p in recorded} == {int(m["id"]) for m in sent}
        assert {p.thread_id for p in recorded} == {t.id for t in threads}
    assert {r["state"]: r["n"] for r in runs} == {"sent": 2 * SERVERS_PER_SHARD * LESSONS}

    # No reply lost: every member's message in every thread is stored, as written.
    assert stored == expected
    assert sum(t.endswith("while shard 1 was down") for t in stored.values()) >= SERVERS_PER_SHARD

    # Backfilled by their own process only: while shard 1's process was down, shard 0's process
    # read its own threads after its gap and never asked for a thread of shard 1's servers.
    read = {int(m.group(1)) for r in while_down if (m := re.match(r"^/channels/(\d+)/messages$", r.path))}
    assert read & shard_zero_threads, "shard 0's process read no thread after its gap"
    shard_one_threads = {t.id for s in shard_one for t in s.threads(fake)}
    assert not read & shard_one_threads
    assert "after a restart" in processes[1].log()  # it took back the claims its first life held


async def _contains(store: Store, servers: list[Server], wanted: dict[int, str]) -> bool:
    stored = await stored_replies(store, servers)
    return all(stored.get(i) == t for i, t in wanted.items())


async def _equal(store: Store, servers: list[Server], wanted: dict[int, str]) -> bool:
    return await stored_replies(store, servers) == wanted
