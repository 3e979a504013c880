"""The Schedules contract for batches: ``claim_many`` and ``complete_many`` keep every rule of
``claim`` and ``complete`` (each occurrence once, shards, holders), for a whole batch at once.

Written against ``bot.store.ports.Schedules`` only; runs once per backend (``store`` fixture).
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.store.rows import ClaimRequest, NewOnce, NewWeekly, RunOutcome, Schedule, ShardSet

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday
GUILD = 1 << 22  # shard 1 of 2
OTHER = 2 << 22  # shard 0 of 2
LEASE = timedelta(minutes=10)
WEEK = timedelta(weeks=1)


def want(schedule: Schedule, next_run: datetime | None = None) -> ClaimRequest:
    return ClaimRequest(schedule, f"s{schedule.id}", next_run)


async def one_offs(store, count: int, *, guild: int = GUILD, at: datetime = START) -> list[Schedule]:
    return [
        await store.schedules.create_once(NewOnce(guild, 5, f"lesson-{n}", at, "UTC", 42, START))
        for n in range(count)
    ]


async def claim_many(store, wanted, *, holder="a", now=START, shards=None):
    return await store.schedules.claim_many(wanted, holder=holder, lease=LEASE, now=now, shards=shards)


# --- claim_many ------------------------------------------------------------------------------


async def test_claim_many_claims_each_due_occurrence_and_moves_it_on(store, probe):
    first, second = await one_offs(store, 2)
    series = await store.schedules.create_weekly(NewWeekly(GUILD, 6, 0, time(12, 0), "UTC", START, 43, START))
    claims = await claim_many(store, [want(second), want(series, START + WEEK), want(first)])
    assert [c.schedule.id for c in claims] == [second.id, series.id, first.id]  # the order asked
    for claim in claims:
        assert (claim.occurrence, claim.nonce, claim.holder) == (START, f"s{claim.schedule.id}", "a")
        assert (claim.lease_until, claim.claimed_at) == (START + LEASE, START)
        [run] = await probe.runs(claim.schedule.id)
        assert (run.state, run.nonce, run.holder, run.occurrence) == ("claimed", claim.nonce, "a", START)
    assert claims[1].schedule.next_run == START + WEEK
    assert (await store.schedules.get(series.id)).next_run == START + WEEK
    assert (await store.schedules.get(first.id)).next_run is None
    assert [r.lesson_id for r in await probe.runs(first.id)] == ["lesson-0"]
    assert await store.schedules.next_due() == [await store.schedules.get(series.id)]


async def test_two_claimers_of_one_batch_claim_each_occurrence_once(store):
    due = await one_offs(store, 30)
    rng = random.Random(11)
    orders = [rng.sample(due, len(due)) for _ in range(3)]
    results = await asyncio.gather(
        claim_many(store, [want(s) for s in orders[0]], holder="p0"),
        claim_many(store, [want(s) for s in orders[1]], holder="p1"),
        claim_many(store, [want(s) for s in orders[2][:15]], holder="p2"),
        *(
            store.schedules.claim(
                want(s).schedule, nonce=f"s{s.id}", next_run=None, holder="single", lease=LEASE, now=START
            )
            for s in due[:10]
        ),
    )
    batches, singles = results[:3], results[3:]
    won = [c.schedule.id for batch in batches for c in batch] + [c.schedule.id for c in singles if c]
    assert sorted(won) == sorted(s.id for s in due)  # every occurrence once, none twice
    assert await store.schedules.next_due() == []


async def test_claim_many_keeps_to_its_shards(store, probe):
    mine = await one_offs(store, 2, guild=GUILD)
    theirs = await one_offs(store, 2, guild=OTHER)
    claims = await claim_many(store, [want(s) for s in theirs + mine], shards=ShardSet.of(2, {1}))
    assert [c.schedule.id for c in claims] == [s.id for s in mine]
    for schedule in theirs:  # untouched: still due, no run
        assert (await store.schedules.get(schedule.id)).next_run == START
        assert await probe.runs(schedule.id) == []
    assert [c.schedule.id for c in await claim_many(store, [want(s) for s in theirs], holder="b")] == [
        s.id for s in theirs
    ]


async def test_claim_many_skips_what_is_held_cancelled_or_moved_on(store, probe):
    held, cancelled, moved, free = await one_offs(store, 4)
    series = await store.schedules.create_weekly(NewWeekly(GUILD, 6, 0, time(12, 0), "UTC", START, 43, START))
    taken = await store.schedules.claim(
        held, nonce="theirs", next_run=None, holder="b", lease=LEASE, now=START
    )
    assert taken is not None
    await store.schedules.cancel(GUILD, cancelled.id)
    await claim_many(store, [want(series, START + WEEK)], holder="b")  # series moved on a week
    claims = await claim_many(store, [want(s) for s in (held, cancelled, moved, free)] + [want(series)])
    assert [c.schedule.id for c in claims] == [moved.id, free.id]
    [run] = await probe.runs(held.id)
    assert (run.holder, run.nonce) == ("b", "theirs")  # the held claim stays its holder's
    assert await probe.runs(cancelled.id) == []
    assert [r.holder for r in await probe.runs(series.id)] == ["b"]
    assert await claim_many(store, [want(moved)], holder="c") == []  # already claimed by "a"


async def test_claim_many_refuses_a_schedule_twice_or_one_without_a_next_run(store):
    first, second = await one_offs(store, 2)
    with pytest.raises(ValueError):
        await claim_many(store, [want(first), want(second), want(first)])
    [claimed] = await claim_many(store, [want(second)])
    with pytest.raises(ValueError):
        await claim_many(store, [want(first), want(claimed.schedule)])
    assert (await store.schedules.get(first.id)).next_run == START  # nothing was claimed
    assert await claim_many(store, []) == []


# --- complete_many ---------------------------------------------------------------------------


async def test_complete_many_records_each_outcome_and_follows_each_schedule(store, probe):
    sent, failed = await one_offs(store, 2)
    series = await store.schedules.create_weekly(NewWeekly(GUILD, 6, 0, time(12, 0), "UTC", START, 43, START))
    a, b, c = await claim_many(store, [want(sent), want(failed), want(series, START + WEEK)])
    recorded = await store.schedules.complete_many(
        [
            (a, RunOutcome.sent(777, "lesson-0", finished=True)),
            (b, RunOutcome.not_sent("failed", "The channel was deleted.", final_state="failed")),
            (c, RunOutcome.not_sent("empty", "No lesson left.")),
        ]
    )
    assert recorded == [True, True, True]
    after = {s.id: await store.schedules.get(s.id) for s in (sent, failed, series)}
    assert (after[sent.id].state, after[sent.id].next_run, after[sent.id].last_error) == ("done", None, None)
    assert (after[failed.id].state, after[failed.id].last_error) == ("failed", "The channel was deleted.")
    assert (after[series.id].state, after[series.id].next_run, after[series.id].last_error) == (
        "pending",
        START + WEEK,
        "No lesson left.",
    )
    [run] = await probe.runs(sent.id)
    assert (run.state, run.message_id, run.lesson_id) == ("sent", 777, "lesson-0")
    assert [(r.state, r.detail) for r in await probe.runs(series.id)] == [("empty", "No lesson left.")]
    # Completed already: a second time records nothing.
    again = await store.schedules.complete_many([(a, RunOutcome.sent(778, None, finished=True))])
    assert again == [False]
    assert (await probe.runs(sent.id))[0].message_id == 777


async def test_complete_many_of_a_lost_claim_changes_nothing_beside_the_others(store, probe):
    kept, lost, cancelled = await one_offs(store, 3)
    mine = {c.schedule.id: c for c in await claim_many(store, [want(kept), want(lost), want(cancelled)])}
    # "lost" goes to "b" (its lease ran out); the others are renewed and stay "a"'s.
    later = START + 2 * LEASE
    for schedule_id in (kept.id, cancelled.id):
        mine[schedule_id] = await store.schedules.renew(mine[schedule_id], lease=LEASE, now=later)
    [theirs] = await store.schedules.reclaim(holder="b", lease=LEASE, now=later)
    assert theirs.schedule.id == lost.id
    await store.schedules.cancel(GUILD, cancelled.id)

    recorded = await store.schedules.complete_many(
        [
            (mine[s.id], RunOutcome.sent(100 + n, None, finished=True))
            for n, s in enumerate((kept, lost, cancelled))
        ]
    )
    assert recorded == [True, False, True]
    assert (await store.schedules.get(kept.id)).state == "done"
    assert (await store.schedules.get(lost.id)).state == "pending"  # "b"'s to finish
    assert (await store.schedules.get(cancelled.id)).state == "cancelled"  # a cancel wins
    assert [(r.state, r.holder) for r in await probe.runs(lost.id)] == [("claimed", "b")]
    assert [(r.state, r.message_id) for r in await probe.runs(cancelled.id)] == [("sent", 102)]
    assert await store.schedules.complete_many([(theirs, RunOutcome.sent(9, None, finished=True))]) == [True]
    assert (await store.schedules.get(lost.id)).state == "done"


async def test_complete_many_refuses_an_occurrence_twice(store, probe):
    [schedule] = await one_offs(store, 1)
    [claim] = await claim_many(store, [want(schedule)])
    with pytest.raises(ValueError):
        await store.schedules.complete_many(
            [
                (claim, RunOutcome.sent(1, None, finished=True)),
                (claim, RunOutcome.sent(2, None, finished=True)),
            ]
        )
    assert (await probe.runs(schedule.id))[0].state == "claimed"
    assert await store.schedules.complete_many([]) == []
