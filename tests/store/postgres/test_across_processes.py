"""Two processes on one database: two stores with pools of their own stand for two shard
processes, and race for the same occurrences, claims and server lessons at the same moment."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.store.postgres import PostgresStore, open_postgres
from bot.store.rows import AddedLesson, ClaimRequest, LessonText, NewOnce, Refused, RunOutcome, Schedule

DUE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
POSTS = 40


@pytest.fixture
async def two_processes(postgres_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    first = await open_postgres(postgres_url, pool_max=4)
    second = await open_postgres(postgres_url, pool_max=4)
    yield first, second
    await first.close()
    await second.close()


async def due_posts(store: PostgresStore) -> None:
    for n in range(POSTS):
        await store.schedules.create_once(NewOnce((n + 1) << 22, 5, f"lesson-{n}", DUE, "UTC", 42, DUE))


async def test_each_due_post_is_claimed_by_exactly_one_process(two_processes):
    first, second = two_processes
    await due_posts(first)
    due = {"a": await first.schedules.next_due(), "b": await second.schedules.next_due()}
    assert len(due["a"]) == len(due["b"]) == POSTS

    async def claim_all(store: PostgresStore, holder: str) -> list[int]:
        won = await asyncio.gather(
            *(
                store.schedules.claim(s, nonce=f"n{s.id}", next_run=None, holder=holder, lease=LEASE, now=DUE)
                for s in due[holder]
            )
        )
        return [claim.schedule.id for claim in won if claim is not None]

    won_a, won_b = await asyncio.gather(claim_all(first, "a"), claim_all(second, "b"))
    assert sorted(won_a + won_b) == sorted(s.id for s in due["a"])  # every post once, none twice
    assert await first.schedules.next_due() == []


async def test_two_processes_claiming_batches_claim_each_post_exactly_once(two_processes):
    first, second = two_processes
    await due_posts(first)
    due = await first.schedules.next_due()

    async def claim_batches(store: PostgresStore, holder: str, order: list[Schedule]) -> list[int]:
        won: list[int] = []
        for start in range(0, len(order), 7):  # several batches each, interleaving with the other's
            batch = [ClaimRequest(s, f"n{s.id}", None) for s in order[start : start + 7]]
            claims = await store.schedules.claim_many(batch, holder=holder, lease=LEASE, now=DUE)
            won += [claim.schedule.id for claim in claims]
        return won

    won_a, won_b = await asyncio.gather(
        claim_batches(first, "a", due), claim_batches(second, "b", list(reversed(due)))
    )
    assert sorted(won_a + won_b) == sorted(s.id for s in due)  # every post once, none twice
    assert await first.schedules.next_due() == []


async def test_a_batch_claim_skips_a_row_another_transaction_holds_without_waiting(
    two_processes, postgres_url
):
    first, _ = two_processes
    await due_posts(first)
    due = await first.schedules.next_due()
    locker = await asyncpg.connect(postgres_url)
    try:
        async with locker.transaction():
            await locker.execute("SELECT 1 FROM schedules WHERE id = $1 FOR UPDATE", due[3].id)
            # Inside the locker's transaction: waiting for its row would never end (the safety
            # timeout turns that into a failure, not a hang).
            async with asyncio.timeout(30):
                claims = await first.schedules.claim_many(
                    [ClaimRequest(s, f"n{s.id}", None) for s in due], holder="a", lease=LEASE, now=DUE
                )
    finally:
        await locker.close()
    assert [c.schedule.id for c in claims] == [s.id for s in due if s.id != due[3].id]
    assert [s.id for s in await first.schedules.next_due()] == [due[3].id]  # still due, to claim again


async def test_completions_in_batches_race_a_takeover_and_only_the_holder_records(two_processes):
    first, second = two_processes
    await due_posts(first)
    due = await first.schedules.next_due()
    claims = await first.schedules.claim_many(
        [ClaimRequest(s, f"n{s.id}", None) for s in due], holder="a", lease=LEASE, now=DUE
    )
    later = DUE + 2 * LEASE  # "a"'s leases ended: "b" takes them over while "a" finishes late
    taken, late = await asyncio.gather(
        second.schedules.reclaim(holder="b", lease=LEASE, now=later),
        first.schedules.complete_many(
            [(c, RunOutcome.sent(n, None, finished=True)) for n, c in enumerate(claims)]
        ),
    )
    recorded_by_a = {c.schedule.id for c, ok in zip(claims, late, strict=True) if ok}
    taken_by_b = {c.schedule.id for c in taken}
    assert recorded_by_a.isdisjoint(taken_by_b)  # a claim is either finished late or taken over
    assert recorded_by_a | taken_by_b == {s.id for s in due}
    finished = await second.schedules.complete_many(
        [(c, RunOutcome.sent(9, None, finished=True)) for c in taken]
    )
    assert all(finished)
    assert {(await first.schedules.get(s.id)).state for s in due} == {"done"}


async def test_a_dead_holders_claims_are_taken_over_by_one_process_each(two_processes):
    first, second = two_processes
    await due_posts(first)
    for schedule in await first.schedules.next_due():
        assert await first.schedules.claim(
            schedule, nonce=f"n{schedule.id}", next_run=None, holder="dead", lease=LEASE, now=DUE
        )
    later = DUE + 2 * LEASE
    taken_a, taken_b = await asyncio.gather(
        first.schedules.reclaim(holder="a", lease=LEASE, now=later),
        second.schedules.reclaim(holder="b", lease=LEASE, now=later),
    )
    owners = Counter(claim.schedule.id for claim in taken_a + taken_b)
    assert len(owners) == POSTS and set(owners.values()) == {1}
    assert all(claim.nonce == f"n{claim.schedule.id}" for claim in taken_a + taken_b)  # the same nonce


async def test_a_late_finish_from_a_process_that_lost_its_lease_changes_nothing(two_processes):
    first, second = two_processes
    schedule = await first.schedules.create_once(NewOnce(1 << 22, 5, "lesson", DUE, "UTC", 42, DUE))
    slow = await first.schedules.claim(schedule, nonce="n", next_run=None, holder="a", lease=LEASE, now=DUE)
    assert slow is not None
    (taken,) = await second.schedules.reclaim(holder="b", lease=LEASE, now=DUE + 2 * LEASE)

    late, on_time = await asyncio.gather(
        first.schedules.complete(slow, RunOutcome.not_sent("failed", "timed out", final_state="failed")),
        second.schedules.complete(taken, RunOutcome.sent(777, "lesson", finished=True)),
    )
    assert (late, on_time) == (False, True)
    stored = await first.schedules.get(schedule.id)
    assert stored is not None and (stored.state, stored.last_error) == ("done", None)
    assert await first.schedules.renew(slow, lease=LEASE, now=DUE + 3 * LEASE) is None


def lesson_text(title: str) -> LessonText:
    return LessonText(title, title.lower(), f"{title}\n\nText.", f"---\ntitle: {title}\n---\n", "compute")


async def test_two_processes_adding_the_same_title_add_it_once(two_processes):
    first, second = two_processes
    results = await asyncio.gather(
        *(
            store.lessons.add(1 << 22, "chips", lesson_text("Chips"), by=42, at=DUE)
            for store in (first, second, first, second)
        )
    )
    added = [r for r in results if isinstance(r, AddedLesson)]
    assert len(added) == 1
    assert [r for r in results if isinstance(r, Refused)] == [Refused("title_taken", lesson_id="chips")] * 3


async def test_two_processes_adding_one_id_get_distinct_ids(two_processes):
    first, second = two_processes
    results = await asyncio.gather(
        *(
            store.lessons.add(1 << 22, "chips", lesson_text(f"Chips part {n}"), by=42, at=DUE)
            for n, store in enumerate((first, second, first, second))
        )
    )
    assert sorted(r.lesson_id for r in results if isinstance(r, AddedLesson)) == [
        "chips",
        "chips-2",
        "chips-3",
        "chips-4",
    ]
