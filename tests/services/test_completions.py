"""Completions: outcomes that arrive together share one ``complete_many`` (once per backend), and
each caller still gets its own answer."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.completions import Completions
from bot.store.rows import Claim, ClaimRequest, NewOnce, RunOutcome
from tests.seams import Calls, SeamStore

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
SENT = RunOutcome.sent(900, None, finished=True)


async def claims(store, count: int, *, holder: str = "a") -> list[Claim]:
    due = [
        await store.schedules.create_once(NewOnce((n + 1) << 22, 5, f"lesson-{n}", START, "UTC", 42, START))
        for n in range(count)
    ]
    return await store.schedules.claim_many(
        [ClaimRequest(s, f"s{s.id}", None) for s in due], holder=holder, lease=LEASE, now=START
    )


async def test_outcomes_that_arrive_together_are_recorded_in_one_call(store):
    calls = Calls(store.schedules)
    completions = Completions(calls)
    taken = await claims(store, 25)
    answers = await asyncio.gather(*(completions.complete(claim, SENT) for claim in taken))
    assert answers == [True] * 25
    assert calls.counts == Counter({"complete_many": 1})
    assert {(await store.schedules.get(c.schedule.id)).state for c in taken} == {"done"}


async def test_a_lone_outcome_is_recorded_at_once_and_each_caller_hears_its_own(store):
    completions = Completions(store.schedules)
    first, lost = await claims(store, 2)
    assert await completions.complete(first, SENT)
    [theirs] = await store.schedules.reclaim(holder="b", lease=LEASE, now=START + 2 * LEASE)
    assert theirs.schedule.id == lost.schedule.id
    both = await asyncio.gather(completions.complete(lost, SENT), completions.complete(first, SENT))
    assert both == [False, False]  # lost to "b"; and already recorded
    assert await completions.complete(theirs, SENT)


async def test_the_same_occurrence_twice_goes_in_two_statements(store):
    calls = Calls(store.schedules)
    completions = Completions(calls)
    [claim] = await claims(store, 1)
    answers = await asyncio.gather(completions.complete(claim, SENT), completions.complete(claim, SENT))
    assert answers == [True, False]
    assert calls.counts == Counter({"complete_many": 2})


async def test_a_failed_batch_is_recorded_one_by_one(store):
    seams = SeamStore(store)
    calls = Calls(seams.schedules)
    completions = Completions(calls)
    taken = await claims(store, 3)
    seams.fail("schedules", "complete_many", RuntimeError("deadlock detected"), times=1)
    answers = await asyncio.gather(*(completions.complete(claim, SENT) for claim in taken))
    assert answers == [True, True, True]
    assert calls.counts == Counter({"complete_many": 1, "complete": 3})


async def test_an_outcome_that_cannot_be_recorded_raises_for_its_caller_only(store):
    seams = SeamStore(store)
    completions = Completions(seams.schedules)
    taken = await claims(store, 2)
    seams.fail("schedules", "complete_many", RuntimeError("database gone"), times=1)
    seams.fail("schedules", "complete", RuntimeError("database gone"), times=1)
    results = await asyncio.gather(*(completions.complete(c, SENT) for c in taken), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is True
    [alone] = await claims(store, 1)
    seams.fail("schedules", "complete_many", RuntimeError("database gone"), times=1)
    with pytest.raises(RuntimeError, match="database gone"):
        await completions.complete(alone, SENT)  # alone: its own error, no second try


async def test_close_stops_a_statement_in_flight_and_its_callers_are_cancelled(store):
    seams = SeamStore(store)
    completions = Completions(seams.schedules)
    [claim] = await claims(store, 1)
    reached = seams.hang("schedules", "complete_many")
    waiting = asyncio.create_task(completions.complete(claim, SENT))
    await reached.wait()
    await completions.close()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert (await store.schedules.get(claim.schedule.id)).state == "pending"  # still a claim
