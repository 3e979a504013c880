"""Benchmark: how long /stats holds the database, with 1,000,000 replies across 500 servers.

Run: .venv/bin/python bench/stats.py [--servers 500] [--replies 1000000] [--calls 300] [--database URL]

The database holds ``--servers`` servers of equal size (by default 2,000 replies each): every
server has 20 posted lessons with a thread each, replies spread over its threads and 40 members.
One /stats call is timed as the cog makes it, store reads only (the chart and the embed are drawn
elsewhere and do not hold the database): the server's posts, then the replies of

- the overview: its last 12 lessons (``Replies.activity`` with 12 threads),
- one lesson: one thread,
- one member: their replies across all the server's lessons,

plus its settings for the overview. Calls go to random servers, the three kinds in turn.

The figures, each the p50/p99 per call over ``--calls`` calls of each kind:
- the bot: the store as migrations leave it, holding every server's replies;
- baseline, one server alone: the same calls on a database holding that server's replies only
  (what the server's own data costs; the floor the indexes aim for). Measured in interleaved
  rounds with the bot's, so both see the same machine;
- before: the full database without the indexes that lead to a server's replies
  (``replies_guild_thread``, ``replies_guild_author`` and the per-thread ``replies_thread``):
  each call scans the table, as the issue found it (150-175 ms at 400,000 replies).
  Dropping only the two server indexes would not show it: the per-thread index then serves the
  thread lists, at about the bot's figures (measured: within 10% but for members, 2x).

Target: the bot's p99 at most 20 ms for every kind (issue 10, item 6).

On PostgreSQL (``--database postgresql://user:pass@host:port/db``) the same runs in scratch
databases on that server, dropped afterwards (the URL's user needs CREATEDB). Without it, or
with a ``sqlite://`` URL, SQLite files in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pgscratch import scratch_database, server_version  # bench/pgscratch.py

from bot.store import backend_name, open_store
from bot.store.ports import Store
from bot.store.rows import NewPost, Post, Reply, ReplyChanges

LESSONS_PER_SERVER = 20
OVERVIEW_LESSONS = 12  # the cog's CHART_LESSONS
MEMBERS_PER_SERVER = 40
TARGET_P99_MS = 20.0
BATCH = 5_000
T0 = datetime(2026, 1, 5, 18, tzinfo=UTC)
KINDS = ("overview", "lesson", "member")


def guild_id(n: int) -> int:
    return (1_000_000 + n) << 22


def thread_id(server: int, lesson: int) -> int:
    return guild_id(server) + 1_000 + lesson


async def fill(store: Store, servers: list[int], per_server: int) -> dict[int, list[Post]]:
    """Record each server's posts, then its replies in batches through ``Replies.apply``."""
    posts: dict[int, list[Post]] = {}
    for server in servers:
        posts[server] = [
            await store.posts.record(
                NewPost(
                    guild_id(server),
                    guild_id(server) + 1,
                    thread_id(server, lesson),
                    thread_id(server, lesson),
                    f"week-{lesson + 1}",
                    T0 + timedelta(days=7 * lesson),
                )
            )
            for lesson in range(LESSONS_PER_SERVER)
        ]
    batch: list[Reply] = []
    message_id = 10**15
    for server in servers:
        for n in range(per_server):
            lesson = n % LESSONS_PER_SERVER
            author = n % MEMBERS_PER_SERVER
            message_id += 1
            batch.append(
                Reply(
                    message_id,
                    thread_id(server, lesson),
                    guild_id(server),
                    guild_id(server) + 10 + author,
                    f"member {author}",
                    "a reply of some length, as members write them " * 3,
                    (),
                    T0 + timedelta(days=7 * lesson, minutes=n // LESSONS_PER_SERVER),
                )
            )
            if len(batch) == BATCH:
                await store.replies.apply([ReplyChanges(upserts=batch)])
                batch = []
    if batch:
        await store.replies.apply([ReplyChanges(upserts=batch)])
    return posts


def one_call(store: Store, kind: str, server: int) -> Callable[[], Awaitable[object]]:
    """The store reads of one /stats call of ``kind`` for ``server``, as the cog makes them."""
    gid = guild_id(server)

    async def call() -> object:
        posts = await store.posts.in_guild(gid)
        if kind == "overview":
            threads = [p.thread_id for p in posts[-OVERVIEW_LESSONS:] if p.thread_id is not None]
            rows = await store.replies.activity(gid, thread_ids=threads)
            await store.settings.get(gid)
        elif kind == "lesson":
            rows = await store.replies.activity(gid, thread_ids=[thread_id(server, 3)])
        else:
            threads = [p.thread_id for p in posts if p.thread_id is not None]
            rows = await store.replies.activity(gid, thread_ids=threads, author_id=gid + 10 + 7)
        assert rows, f"{kind} of server {server} read no replies"
        return rows

    return call


async def timed(store: Store, servers: list[int], calls: int, rng: random.Random) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for _ in range(calls):
        for kind in KINDS:
            call = one_call(store, kind, rng.choice(servers))
            start = time.perf_counter()
            await call()
            found[kind].append((time.perf_counter() - start) * 1000)
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.asynccontextmanager
async def database(url: str | None, folder: Path, label: str) -> AsyncIterator[str]:
    if url is None or url.startswith("sqlite"):
        yield f"sqlite:///{folder / f'{label}.sqlite3'}"
    else:
        async with scratch_database(url, label) as scratch:
            yield scratch


async def drop_server_indexes(store: Store, url: str) -> None:
    statement = "DROP INDEX replies_guild_thread; DROP INDEX replies_guild_author; DROP INDEX replies_thread"
    if url.startswith("sqlite"):
        from bot.store.sqlite import SqliteStore

        assert isinstance(store, SqliteStore)
        await store.connection.run(lambda sql: [sql.execute(s) for s in statement.split(";")])
    else:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()


async def run(args: argparse.Namespace) -> int:
    per_server = args.replies // args.servers
    servers = list(range(args.servers))
    rng = random.Random(7)
    where = (
        "SQLite files"
        if args.database is None or args.database.startswith("sqlite")
        else (f"PostgreSQL {await server_version(args.database)}")
    )
    print(f"/stats store reads: {args.servers} servers x {per_server:,} replies, {where}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with (
            database(args.database, folder, "full") as full_url,
            database(args.database, folder, "alone") as alone_url,
        ):
            full, alone = await open_store(full_url), await open_store(alone_url)
            try:
                print(f"  backend {backend_name(full_url)}; filling ...", flush=True)
                start = time.perf_counter()
                await fill(full, servers, per_server)
                await fill(alone, [0], per_server)
                print(f"  filled in {time.perf_counter() - start:.0f} s")
                await timed(full, servers, 20, rng)  # warm-up: caches, pool, statements
                await timed(alone, [0], 20, rng)
                bot: dict[str, list[float]] = {kind: [] for kind in KINDS}
                floor: dict[str, list[float]] = {kind: [] for kind in KINDS}
                rounds = 5
                for _ in range(rounds):
                    for kind, values in (await timed(full, servers, args.calls // rounds, rng)).items():
                        bot[kind] += values
                    for kind, values in (await timed(alone, [0], args.calls // rounds, rng)).items():
                        floor[kind] += values
                await drop_server_indexes(full, full_url)
                before = await timed(full, servers, max(10, args.calls // 10), rng)
            finally:
                await full.close()
                await alone.close()
    verdicts = []
    print(f"\n  per call, ms                         {'p50':>8} {'p99':>8}")
    for kind in KINDS:
        b50, b99 = percentile(bot[kind], 0.5), percentile(bot[kind], 0.99)
        ok = b99 <= TARGET_P99_MS
        verdicts.append(ok)
        print(
            f"  {kind:<9} bot, all servers           {b50:8.2f} {b99:8.2f}   "
            f"{'PASS' if ok else 'FAIL'} (p99 <= {TARGET_P99_MS:.0f} ms)"
        )
        print(
            f"  {'':<9} baseline: one server alone  {percentile(floor[kind], 0.5):8.2f} "
            f"{percentile(floor[kind], 0.99):8.2f}   (same rounds)"
        )
        print(
            f"  {'':<9} before: a table scan        {percentile(before[kind], 0.5):8.2f} "
            f"{percentile(before[kind], 0.99):8.2f}   ({len(before[kind])} calls)"
        )
    print(f"\n{'ALL PASS' if all(verdicts) else 'FAIL'}")
    return 0 if all(verdicts) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--replies", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=300, help="calls of each kind on the full database")
    parser.add_argument("--database", help="postgresql://... (scratch databases made there), or sqlite://")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
