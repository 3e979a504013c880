"""Benchmark: how late does the dispatcher post, and does it query the database while idle?

10,000 pending schedules across 1,000 servers in a real SQLite file. 1,000 of them fall due
within the next ~25 s (compressed from "one minute"; whole seconds, up to 50 in the same second),
the other 9,000 days later. The post is a recorder noting real time against due time, so the
figures are the dispatcher's own (plus the claim transaction it must make before posting).

Alongside, in the same event loop, 1,000 bare ``asyncio.sleep`` tasks wake at the same pattern of
instants shifted by half a second; their lateness is the floor any timer-based design can reach.
Then, with nothing due for days, the database query counter is read over 10 s of idleness.

Targets: dispatch p99 within 10 ms of bare-sleep p99; zero queries while idle.
Run: .venv/bin/python bench/scheduler.py [--database URL]

On PostgreSQL (``--database postgresql://user:pass@host:port/db``) the same measurement runs on
the PostgreSQL store, in a scratch database made on that server and dropped afterwards (the URL's
user needs CREATEDB; the database the URL names is never touched), and then the claim throughput
across processes: ``--claims`` one-off posts (default 4,000) in 1,000 servers, all due, claimed
and completed by the bot's own ``Dispatcher`` running in separate OS processes
(``bench/claim_worker.py``), each with its own connection pool (its connections opened before
the start: a one-time cost of starting a process, not of claiming), posting to nowhere:
- 1 process, every server;
- 4 processes, one shard each of 4 (``SHARD_COUNT=4``: how a deployment runs them);
- 4 processes, every server each (every claim contested: the worst case the claims must survive).
Each configuration runs ``--rounds`` times in a fresh database, interleaved; the figure is posts
claimed and completed per second from the start signal to the last completion, best round.
Targets: no duplicate in any run (each post completed exactly once, by one process); 4 processes
with one shard each not slower than 1 process. Without ``--database``, or with a ``sqlite://``
URL, only the SQLite measurement above runs (one bot process per SQLite database).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time as perf
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib
import time
from dataclasses import dataclass

import asyncpg
from pgscratch import scratch_database, server_version  # bench/pgscratch.py

from bot.services.clock import SystemClock
from bot.services.dispatcher import Dispatcher, PostOutcome
from bot.store import StoreOpenError, backend_name, open_store
from bot.store.ports import Store
from bot.store.postgres.opening import asyncpg_url, describe
from bot.store.rows import NewOnce, NewWeekly, Schedule

SERVERS = 1_000
SCHEDULES = 10_000
DUE_SOON = 1_000
MAX_PER_SECOND = 50
LEAD_SECONDS = 5  # time to start the dispatcher before the first due instant
IDLE_SECONDS = 10
TARGET_MS = 10.0


def due_pattern(rng: random.Random, first: datetime) -> list[datetime]:
    """DUE_SOON instants on whole seconds, 0..50 per second, several seconds holding exactly 50."""
    counts: list[int] = []
    remaining = DUE_SOON
    while remaining > 0:
        n = min(remaining, MAX_PER_SECOND if len(counts) % 3 == 0 else rng.randint(0, MAX_PER_SECOND))
        counts.append(n)
        remaining -= n
    instants: list[datetime] = []
    for second, n in enumerate(counts):
        instants.extend([first + timedelta(seconds=second)] * n)
    return instants


# --- claim throughput across processes (PostgreSQL) --------------------------------------------

WORKER = Path(__file__).with_name("claim_worker.py")
CLAIM_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class ClaimRun:
    per_second: float
    completed: int
    duplicates: int
    runs_sent: int  # schedule_runs rows in state 'sent', read back from the database
    schedules_done: int
    statements: int  # sent by all the processes together, start-up included
    client_cpu: float  # CPU seconds of the claiming processes from the start signal to their end
    server_cpu: float | None  # CPU seconds of their PostgreSQL backends (None: not readable here)


async def seed_due(url: str, count: int) -> None:
    """``count`` one-offs, all due one second ago, spread over SERVERS servers."""
    store = await open_store(url)
    try:
        now = datetime.now(UTC)
        due = now - timedelta(seconds=1)
        guilds = [(i + 1) << 22 for i in range(SERVERS)]
        await create_all(
            store,
            [NewOnce(guilds[i % SERVERS], 100 + i, f"lesson-{i}", due, "UTC", 1, now) for i in range(count)],
        )
    finally:
        await store.close()


async def claim_run(server: str, count: int, shard_args: list[list[str]]) -> ClaimRun:
    """One run: a fresh database with ``count`` due posts, one worker process per entry of
    ``shard_args`` (its extra arguments), all started at once; until every post is completed."""
    async with scratch_database(server, "claims") as url:
        await seed_due(url, count)
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                str(WORKER),
                url,
                "--holder",
                f"bench-{n}",
                *extra,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            for n, extra in enumerate(shard_args)
        ]
        done_at: dict[int, float] = {}
        completions = 0
        statements = 0
        client_cpu = 0.0
        server_cpu: float | None = None
        everything = asyncio.Event()

        async def read(worker: asyncio.subprocess.Process) -> None:
            nonlocal completions, statements, client_cpu
            assert worker.stdout is not None
            while line := await worker.stdout.readline():
                word, *rest = line.decode().split()
                if word == "done":
                    completions += 1
                    done_at.setdefault(int(rest[0]), float(rest[1]))
                    if len(done_at) >= count:
                        everything.set()
                elif word == "bye":
                    statements += int(rest[0])
                    client_cpu += float(rest[1])

        try:
            for worker in workers:
                assert worker.stdout is not None
                ready = await worker.stdout.readline()
                if ready.strip() != b"ready":
                    raise RuntimeError(f"claim worker did not start: {ready!r}")
            readers = [asyncio.create_task(read(worker)) for worker in workers]
            started = time.monotonic()
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write(b"go\n")
                await worker.stdin.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(everything.wait(), CLAIM_TIMEOUT_S)
            finished = max(done_at.values(), default=time.monotonic())
            await asyncio.sleep(1.0)  # time for a duplicate to show
            server_cpu = await backends_cpu(url)  # while the workers' connections are still open
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write(b"stop\n")
                await worker.stdin.drain()
            await asyncio.gather(*readers)
        finally:
            for worker in workers:  # told to stop, or the run failed: end of input stops it too
                if worker.stdin is not None:
                    worker.stdin.close()
                try:
                    await asyncio.wait_for(worker.wait(), 30)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        worker.kill()
                    await worker.wait()
        failed = [worker.returncode for worker in workers if worker.returncode != 0]
        if failed:
            raise RuntimeError(f"claim workers ended with status {failed}")
        conn = await asyncpg.connect(url)
        try:
            runs_sent = await conn.fetchval("SELECT COUNT(*) FROM schedule_runs WHERE state = 'sent'")
            schedules_done = await conn.fetchval("SELECT COUNT(*) FROM schedules WHERE state = 'done'")
        finally:
            await conn.close()
    return ClaimRun(
        per_second=len(done_at) / (finished - started),
        completed=len(done_at),
        duplicates=completions - len(done_at),
        runs_sent=runs_sent,
        schedules_done=schedules_done,
        statements=statements,
        client_cpu=client_cpu,
        server_cpu=server_cpu,
    )


async def backends_cpu(url: str) -> float | None:
    """CPU seconds used so far by the server processes of the other connections to this database
    (Linux's /proc; None where it cannot be read, e.g. a server on another machine)."""
    conn = await asyncpg.connect(url)
    try:
        pids = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return process_cpu([row["pid"] for row in pids])


def process_cpu(pids: list[int]) -> float | None:
    """CPU seconds (user and system) used so far by these processes; None if one is unreadable."""
    ticks = 0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime and stime
    except (OSError, IndexError, ValueError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


async def claim_throughput(server: str, count: int, rounds: int) -> bool:
    configurations = {
        "1 process, every server            ": [[]],
        "4 processes, one shard each of 4   ": [["--shards", f"4:{i}"] for i in range(4)],
        "4 processes, every server each     ": [[] for _ in range(4)],
    }
    results: dict[str, list[ClaimRun]] = {name: [] for name in configurations}
    await claim_run(server, 200, [[]])  # warm-up: the processes' imports, the server's caches
    for _ in range(rounds):
        for name, shard_args in configurations.items():
            results[name].append(await claim_run(server, count, shard_args))
    print(
        f"claims: {count} one-off posts due at once in {SERVERS} servers, claimed and completed by the "
        f"bot's Dispatcher in separate processes (each its own pool); {rounds} rounds, best of each"
    )
    best: dict[str, float] = {}
    exact = True
    for name, runs in results.items():
        best[name] = max(r.per_second for r in runs)
        duplicates = sum(r.duplicates for r in runs)
        complete = all(
            r.completed == count and r.runs_sent == count and r.schedules_done == count for r in runs
        )
        exact = exact and complete and duplicates == 0
        print(
            f"claim throughput, {name}: {best[name]:>7,.0f} posts/s  (rounds: "
            + ", ".join(f"{r.per_second:,.0f}" for r in runs)
            + f"); completed {'/'.join(str(r.completed) for r in runs)}, duplicates {duplicates}, "
            f"statements/post {max(r.statements for r in runs) / count:.2f}, CPU/post: processes "
            + "/".join(f"{r.client_cpu / count * 1e6:.0f}" for r in runs)
            + " µs, their server backends "
            + "/".join("?" if r.server_cpu is None else f"{r.server_cpu / count * 1e6:.0f}" for r in runs)
            + " µs"
        )
    one, sharded = best["1 process, every server            "], best["4 processes, one shard each of 4   "]
    scaling_ok = sharded >= one
    print(
        f"4 processes (one shard each) vs 1: {sharded / one:.2f}x (target >= 1.00x): "
        f"{'PASS' if scaling_ok else 'FAIL'}"
    )
    print(
        f"every post completed exactly once in every run (duplicates 0, runs and schedules read back): "
        f"{'PASS' if exact else 'FAIL'}"
    )
    return scaling_ok and exact


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return p50, p99, ordered[-1]


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    rng = random.Random(20261130)
    if args.database is not None and backend_name(args.database) == "postgresql":
        return await postgres_main(args, rng)
    with tempfile.TemporaryDirectory() as tmp:
        store = await open_store(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            return await run(store, rng)
        finally:
            await store.close()


async def postgres_main(args: argparse.Namespace, rng: random.Random) -> int:
    server = args.database
    try:
        version = await server_version(server)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        where = describe(asyncpg_url(server))
        print(f"scheduler.py: cannot use PostgreSQL at {where}: {error}", file=sys.stderr)
        return 2
    print(
        f"PostgreSQL {version} at {describe(asyncpg_url(server))}, asyncpg {asyncpg.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    async with scratch_database(server, "dispatch") as url:
        store = await open_store(url)
        try:
            lateness_ok = await run(store, rng) == 0
        finally:
            await store.close()
    claims_ok = await claim_throughput(server, args.claims, args.rounds)
    ok = lateness_ok and claims_ok
    print(f"overall: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


async def create_all(store: Store, new: list[NewOnce | NewWeekly]) -> list[Schedule]:
    """Store the schedules through the store's own interface, 500 calls in flight at a time."""
    created: list[Schedule] = []
    for start in range(0, len(new), 500):
        created += await asyncio.gather(
            *(
                store.schedules.create_once(n) if isinstance(n, NewOnce) else store.schedules.create_weekly(n)
                for n in new[start : start + 500]
            )
        )
    return created


async def run(store: Store, rng: random.Random) -> int:
    clock = SystemClock()
    setup_started = perf.perf_counter()
    now = clock.now()
    first_due = (now + timedelta(seconds=LEAD_SECONDS + 3)).replace(microsecond=0)
    soon = due_pattern(rng, first_due)
    guilds = [(i + 1) << 22 for i in range(SERVERS)]
    new: list[NewOnce | NewWeekly] = []
    for i in range(SCHEDULES):
        guild = guilds[i % SERVERS]
        at = soon[i] if i < DUE_SOON else first_due + timedelta(days=2, minutes=rng.randrange(60 * 24 * 30))
        if i % 2:
            # The soon ones are due on whole seconds, not on the minute of their wall time: that
            # time only computes the following week, which is all a weekly schedule needs here.
            local = at.astimezone(UTC)
            new.append(
                NewWeekly(guild, 100 + i, local.weekday(), local.time().replace(second=0), "UTC", at, 1, now)
            )
        else:
            new.append(NewOnce(guild, 100 + i, f"lesson-{i}", at, "UTC", 1, now))
    created = await create_all(store, new)
    due_ids = [schedule.id for schedule in created[:DUE_SOON]]
    setup_seconds = perf.perf_counter() - setup_started

    posted: dict[int, float] = {}
    duplicates = 0
    all_posted = asyncio.Event()
    message_ids = iter(range(10**6, 10**7))

    async def recorder(schedule: Schedule, occurrence: datetime, nonce: str) -> PostOutcome:
        nonlocal duplicates
        late_ms = (datetime.now(UTC) - occurrence).total_seconds() * 1000
        if schedule.id in posted:
            duplicates += 1
        posted[schedule.id] = late_ms
        if len(posted) >= DUE_SOON:
            all_posted.set()
        return PostOutcome.sent(next(message_ids), schedule.lesson_id or "queued")

    bare: list[float] = []

    async def bare_sleeper(due: datetime) -> None:
        await asyncio.sleep((due - datetime.now(UTC)).total_seconds())
        bare.append((datetime.now(UTC) - due).total_seconds() * 1000)

    dispatcher = Dispatcher(store.schedules, clock, recorder, grace=timedelta(hours=6))
    queries_at_start = store.query_count
    dispatcher.start()
    sleepers = [asyncio.create_task(bare_sleeper(due + timedelta(milliseconds=500))) for due in soon]
    last_due = soon[-1]
    window = (last_due - datetime.now(UTC)).total_seconds() + 5
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_posted.wait(), timeout=window)
    await asyncio.gather(*sleepers)
    await asyncio.sleep(1.0)  # let the last outcomes be recorded and the dispatcher go back to sleep
    dispatch_queries = store.query_count - queries_at_start

    idle_before = store.query_count
    await asyncio.sleep(IDLE_SECONDS)
    idle_queries = store.query_count - idle_before
    await dispatcher.stop()

    # Each due schedule's outcome was recorded: a one-off is done, a weekly one waits a week on,
    # with no error.
    after = [await store.schedules.get(schedule_id) for schedule_id in due_ids]
    done = sum(1 for s in after if s is not None and s.kind == "once" and s.state == "done")
    moved_on = sum(
        1
        for s, at in zip(after, soon, strict=True)
        if s is not None
        and s.kind == "weekly"
        and s.state == "pending"
        and s.last_error is None
        and s.next_run is not None
        and s.next_run >= at + timedelta(days=6)
    )

    d50, d99, dmax = percentiles(list(posted.values()))
    b50, b99, bmax = percentiles(bare)
    per_second = max(soon.count(s) for s in set(soon))
    print(f"schedules: {SCHEDULES} pending in {SERVERS} servers (setup {setup_seconds:.1f} s)")
    print(
        f"due soon: {DUE_SOON} over {(soon[-1] - soon[0]).total_seconds():.0f} s, up to {per_second} "
        f"in the same second; posted {len(posted)}, duplicates {duplicates}"
    )
    print(f"dispatch lateness   p50 {d50:7.2f} ms   p99 {d99:7.2f} ms   max {dmax:7.2f} ms")
    print(f"bare asyncio.sleep  p50 {b50:7.2f} ms   p99 {b99:7.2f} ms   max {bmax:7.2f} ms")
    print(f"p99 difference: {d99 - b99:+.2f} ms (target <= {TARGET_MS:.0f} ms)")
    print(
        f"db queries while dispatching: {dispatch_queries}; while idle for {IDLE_SECONDS} s: "
        f"{idle_queries} (target 0)"
    )
    print(f"after: of the {DUE_SOON} due, {done} one-offs done and {moved_on} weekly ones moved on a week")
    ok = (
        len(posted) == DUE_SOON
        and duplicates == 0
        and d99 - b99 <= TARGET_MS
        and idle_queries == 0
        and done + moved_on == DUE_SOON
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="postgresql://... to measure PostgreSQL (scratch databases on that server); default SQLite",
    )
    parser.add_argument("--claims", type=int, default=4_000, help="due posts per claim-throughput run")
    parser.add_argument("--rounds", type=int, default=2, help="claim-throughput runs per configuration")
    arguments = parser.parse_args()
    if arguments.database is not None:
        try:
            backend_name(arguments.database)
        except StoreOpenError as error:
            parser.error(str(error))
    started = perf.perf_counter()
    status = asyncio.run(main(arguments))
    print(f"total {perf.perf_counter() - started:.1f} s")
    sys.exit(status)
