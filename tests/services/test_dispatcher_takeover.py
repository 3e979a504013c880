"""Claims across processes: two dispatchers on one store (once per backend) stand for two shard
processes; one "dies" holding a claim (stopped while its post hangs). The clock is the test's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import asyncpg
import pytest

from bot.services.dispatcher import Dispatcher, RetryableError, make_nonce
from bot.store import open_store
from bot.store.rows import NewOnce, ShardSet
from tests.clock import ManualClock

from .conftest import START, FakePoster

SHARD_ONE = 1 << 22  # a server of shard 1 of 2
LEASE = timedelta(minutes=10)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
MINE = ShardSet.of(2, {1})
OTHERS = ShardSet.of(2, {0})


async def once(store, at, guild=SHARD_ONE):
    return await store.schedules.create_once(NewOnce(guild, 555, "lesson-a", at, "UTC", 42, START))


@pytest.fixture
async def process(store, clock) -> AsyncIterator[Callable[..., tuple[Dispatcher, FakePoster]]]:
    """Start a dispatcher as one process would run it: its holder, its servers, its own poster."""
    started: list[Dispatcher] = []

    def start(holder: str, shards: ShardSet, **options) -> tuple[Dispatcher, FakePoster]:
        poster = FakePoster(clock)
        options.setdefault("takeover_every", MINUTE)
        dispatcher = Dispatcher(
            store.schedules, clock, poster, shards=shards, holder=holder, lease=LEASE, **options
        )
        dispatcher.start()
        started.append(dispatcher)
        return dispatcher, poster

    yield start
    for dispatcher in started:
        await dispatcher.stop()


async def die_holding_a_claim(process, schedule) -> str:
    """A process of shard 1 claims the occurrence, its post hangs, and it dies: the claim stays."""
    dead, poster = process("shards 1 of 2", MINE)
    poster.script[schedule.id] = [asyncio.Event()]
    await poster.entered.wait()
    await dead.stop()
    return poster.calls[0].nonce


async def test_the_shards_owner_takes_a_dead_claim_when_its_lease_ends(store, probe, clock, process):
    schedule = await once(store, START)
    nonce = await die_holding_a_claim(process, schedule)
    assert nonce == make_nonce(schedule.id, START)

    await clock.advance(MINUTE)  # shard 1's servers move to a process with another holder name
    _, heir = process("shards 1,3 of 4", MINE)
    await clock.settle()
    await clock.advance(8 * MINUTE)
    assert heir.calls == []  # the lease still runs: the dead process might still be sending
    await clock.advance(2 * MINUTE)

    [taken] = heir.calls
    assert (taken.occurrence, taken.nonce) == (START, nonce)
    assert START + LEASE - MINUTE < taken.at <= START + LEASE + MINUTE
    run = await probe.run(schedule.id, START)
    assert run is not None and (run.state, run.holder) == ("sent", "shards 1,3 of 4")
    await clock.advance(HOUR)
    assert len(heir.calls) == 1


async def test_another_shards_process_takes_a_dead_claim_only_past_the_grace(store, probe, clock, process):
    schedule = await once(store, START)
    nonce = await die_holding_a_claim(process, schedule)
    _, other = process("shards 0 of 2", OTHERS, takeover_grace=10 * MINUTE)
    await clock.settle()
    await clock.advance(LEASE + 9 * MINUTE)
    assert other.calls == []  # the owner of shard 1 has had 10 minutes past the lease to come back
    await clock.advance(2 * MINUTE)

    [taken] = other.calls
    assert (taken.occurrence, taken.nonce) == (START, nonce)
    run = await probe.run(schedule.id, START)
    assert run is not None and (run.state, run.holder) == ("sent", "shards 0 of 2")


async def test_a_restarted_process_takes_its_own_claims_back_at_once(store, probe, clock, process):
    schedule = await once(store, START)
    nonce = await die_holding_a_claim(process, schedule)
    await clock.advance(MINUTE)
    _, again = process("shards 1 of 2", MINE)
    await clock.settle()
    assert [(c.nonce, c.at) for c in again.calls] == [(nonce, START + MINUTE)]


async def test_its_own_claim_waiting_for_a_retry_is_not_taken_by_its_own_watch(store, probe, clock, process):
    schedule = await once(store, START)
    _, poster = process("shards 1 of 2", MINE, retry_delays=[5 * MINUTE])
    poster.script[schedule.id] = [RetryableError("HTTP 503")]
    await clock.settle()
    await clock.advance(4 * MINUTE)  # four looks for dead claims while the retry waits
    assert len(poster.calls) == 1
    await clock.advance(2 * MINUTE)
    assert [(c.nonce, c.at) for c in poster.calls] == [
        (make_nonce(schedule.id, START), START),
        (make_nonce(schedule.id, START), START + 5 * MINUTE),
    ]
    run = await probe.run(schedule.id, START)
    assert run is not None and run.state == "sent"


async def test_a_claim_that_meets_a_locked_row_is_tried_again_shortly(postgres_url):
    """PostgreSQL's SKIP LOCKED skips a row another transaction holds (here: a long update);
    the post is still due, so the dispatcher claims it again after ``contention_retry``."""
    clock = ManualClock(START, settle_timeout=5.0)
    store = await open_store(postgres_url)
    locker = await asyncpg.connect(postgres_url)
    poster = FakePoster(clock)
    dispatcher = Dispatcher(store.schedules, clock, poster, contention_retry=timedelta(seconds=1))
    try:
        schedule = await once(store, START + HOUR)
        dispatcher.start()
        await clock.settle()
        lock = locker.transaction()
        await lock.start()
        await locker.execute("SELECT 1 FROM schedules WHERE id = $1 FOR UPDATE", schedule.id)
        await clock.advance(HOUR)
        assert poster.calls == []  # the claim skipped the locked row
        await lock.rollback()
        await clock.advance(timedelta(seconds=1))
        assert [c.occurrence for c in poster.calls] == [START + HOUR]
        assert START + HOUR < poster.calls[0].at <= START + HOUR + timedelta(seconds=1)
    finally:
        await dispatcher.stop()
        await locker.close()
        await store.close()
