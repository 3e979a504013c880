"""The Schedules contract: round trips, lists, cancel, and claims with holders and leases.

Written against ``bot.store.ports.Schedules`` only; runs once per backend (``store`` fixture).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.store.rows import NewOnce, NewWeekly, RunOutcome, ShardSet

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday
GUILD = 1 << 22  # shard 1 of 2
OTHER = 2 << 22  # shard 0 of 2
HOUR = timedelta(hours=1)
LEASE = timedelta(minutes=10)


def once(at: datetime, *, guild: int = GUILD, lesson: str = "lesson-a", channel: int = 5) -> NewOnce:
    return NewOnce(guild, channel, lesson, at, "Europe/Berlin", 42, START)


def weekly(first: datetime, *, guild: int = GUILD) -> NewWeekly:
    return NewWeekly(guild, 6, 0, time(13, 0), "Europe/Berlin", first, 43, START)


async def claim(store, schedule, *, holder="a", now=START, lease=LEASE, next_run=None):
    return await store.schedules.claim(
        schedule, nonce=f"s{schedule.id}", next_run=next_run, holder=holder, lease=lease, now=now
    )


# --- creating and reading --------------------------------------------------------------------


async def test_a_one_off_round_trips_with_aware_utc_times(store):
    paris = timezone(timedelta(hours=1))
    created = await store.schedules.create_once(once((START + HOUR).astimezone(paris)))
    assert created.id > 0
    assert await store.schedules.get(created.id) == created
    assert created.next_run == START + HOUR and created.next_run.utcoffset() == timedelta(0)
    assert created.created_at == START
    assert (created.kind, created.state, created.lesson_id, created.timezone) == (
        "once",
        "pending",
        "lesson-a",
        "Europe/Berlin",
    )
    assert (created.weekday, created.local_time, created.last_error) == (None, None, None)
    assert created.zone == ZoneInfo("Europe/Berlin")
    assert await store.schedules.get(created.id + 100) is None


async def test_a_weekly_schedule_round_trips_its_rule(store):
    created = await store.schedules.create_weekly(weekly(START + HOUR))
    assert await store.schedules.get(created.id) == created
    assert (created.kind, created.weekday, created.local_time, created.lesson_id) == (
        "weekly",
        0,
        time(13, 0),
        None,
    )
    assert (created.next_run, created.created_by) == (START + HOUR, 43)


async def test_microseconds_survive_the_round_trip(store):
    odd = START + timedelta(microseconds=500_123)
    created = await store.schedules.create_once(once(odd))
    assert (await store.schedules.get(created.id)).next_run == odd


async def test_a_naive_time_is_refused(store):
    with pytest.raises(ValueError, match="naive"):
        await store.schedules.create_once(once(datetime(2026, 12, 1, 9, 0)))


async def test_pending_lists_a_servers_schedules_soonest_first(store):
    later = await store.schedules.create_once(once(START + 2 * HOUR))
    first = await store.schedules.create_once(once(START + HOUR))
    twin = await store.schedules.create_once(once(START + HOUR, channel=9))
    await store.schedules.create_once(once(START, guild=OTHER))
    being_posted = await store.schedules.create_once(once(START - HOUR))
    assert await claim(store, being_posted, now=START - HOUR)  # claimed: no next_run any more
    assert [s.id for s in await store.schedules.pending(GUILD)] == [
        first.id,
        twin.id,
        later.id,
        being_posted.id,
    ]


async def test_listable_shows_pending_then_missed_and_failed_never_done(store):
    failed = await store.schedules.create_once(once(START))
    done = await store.schedules.create_once(once(START))
    missed = await store.schedules.create_once(once(START - 8 * HOUR))
    pending = await store.schedules.create_once(once(START + HOUR))
    for schedule, outcome in [
        (failed, RunOutcome.not_sent("failed", "The channel was deleted.", final_state="failed")),
        (done, RunOutcome.sent(77, "lesson-a", finished=True)),
    ]:
        won = await claim(store, schedule)
        assert won is not None and await store.schedules.complete(won, outcome)
    assert await store.schedules.record_missed(missed, nonce="m", detail="Missed.", next_run=None, now=START)
    listed = await store.schedules.listable(GUILD)
    assert [s.id for s in listed] == [pending.id, failed.id, missed.id]
    assert [s.state for s in listed] == ["pending", "failed", "missed"]
    assert listed[1].last_error == "The channel was deleted."
    assert await store.schedules.listable(OTHER) == []


async def test_cancel_dismisses_pending_missed_and_failed_ones_of_that_server_only(store):
    pending = await store.schedules.create_once(once(START + HOUR))
    missed = await store.schedules.create_once(once(START - 8 * HOUR))
    await store.schedules.record_missed(missed, nonce="m", detail="Missed.", next_run=None, now=START)
    assert not await store.schedules.cancel(OTHER, pending.id)  # another server's
    assert await store.schedules.cancel(GUILD, pending.id)
    assert await store.schedules.cancel(GUILD, missed.id)
    assert not await store.schedules.cancel(GUILD, pending.id)  # already cancelled
    assert not await store.schedules.cancel(GUILD, 999)
    cancelled = await store.schedules.get(pending.id)
    assert (cancelled.state, cancelled.next_run) == ("cancelled", None)
    assert await store.schedules.listable(GUILD) == []


# --- what is due ----------------------------------------------------------------------------


async def test_next_due_is_every_pending_schedule_at_the_soonest_instant(store):
    assert await store.schedules.next_due() == []
    await store.schedules.create_once(once(START + 2 * HOUR))
    first = await store.schedules.create_once(once(START + HOUR))
    twin = await store.schedules.create_once(once(START + HOUR, guild=OTHER))
    cancelled = await store.schedules.create_once(once(START))
    await store.schedules.cancel(GUILD, cancelled.id)
    assert [s.id for s in await store.schedules.next_due()] == [first.id, twin.id]
    assert [s.id for s in await store.schedules.next_due(limit=1)] == [first.id]


async def test_next_due_compares_instants_below_the_second(store):
    await store.schedules.create_once(once(START + timedelta(seconds=1)))
    sooner = await store.schedules.create_once(once(START + timedelta(microseconds=500_000)))
    assert [s.id for s in await store.schedules.next_due()] == [sooner.id]


async def test_next_due_keeps_to_the_given_shards(store):
    mine = await store.schedules.create_once(once(START + 2 * HOUR, guild=GUILD))
    await store.schedules.create_once(once(START + HOUR, guild=OTHER))
    assert [s.id for s in await store.schedules.next_due(shards=ShardSet.of(2, {1}))] == [mine.id]
    assert [s.guild_id for s in await store.schedules.next_due(shards=ShardSet.of(2, {0}))] == [OTHER]
    assert len(await store.schedules.next_due(shards=ShardSet.of(2, {0, 1}))) == 1


# --- claims ---------------------------------------------------------------------------------


async def test_an_occurrence_is_claimed_once_and_the_schedule_moves_on(store, probe):
    schedule = await store.schedules.create_weekly(weekly(START))
    won = await claim(store, schedule, next_run=START + timedelta(weeks=1))
    assert won is not None
    assert (won.occurrence, won.nonce, won.holder) == (START, f"s{schedule.id}", "a")
    assert won.lease_until == START + LEASE and won.claimed_at == START
    assert won.schedule.next_run == START + timedelta(weeks=1)
    assert (await store.schedules.get(schedule.id)).next_run == START + timedelta(weeks=1)
    assert await claim(store, schedule, holder="b") is None  # the same occurrence again
    [run] = await probe.runs(schedule.id)
    assert (run.state, run.nonce, run.holder) == ("claimed", f"s{schedule.id}", "a")


async def test_a_cancelled_schedule_cannot_be_claimed(store):
    schedule = await store.schedules.create_once(once(START))
    await store.schedules.cancel(GUILD, schedule.id)
    assert await claim(store, schedule) is None


async def test_of_claims_racing_for_one_occurrence_exactly_one_wins(store):
    schedule = await store.schedules.create_once(once(START))
    results = await asyncio.gather(*(claim(store, schedule, holder=f"p{i}") for i in range(8)))
    assert len([r for r in results if r is not None]) == 1


async def test_a_schedule_without_next_run_cannot_be_claimed(store):
    schedule = await store.schedules.create_once(once(START))
    won = await claim(store, schedule)
    with pytest.raises(ValueError):
        await claim(store, won.schedule)


async def test_complete_records_a_sent_post_and_ends_a_one_off(store, probe):
    schedule = await store.schedules.create_once(once(START))
    won = await claim(store, schedule)
    assert await store.schedules.complete(won, RunOutcome.sent(777, "lesson-a", finished=True))
    done = await store.schedules.get(schedule.id)
    assert (done.state, done.next_run, done.last_error) == ("done", None, None)
    [run] = await probe.runs(schedule.id)
    assert (run.state, run.message_id, run.lesson_id) == ("sent", 777, "lesson-a")
    assert not await store.schedules.complete(won, RunOutcome.sent(778, "lesson-a", finished=True))


async def test_a_weekly_failure_keeps_the_next_week_and_a_success_clears_the_error(store, probe):
    schedule = await store.schedules.create_weekly(weekly(START))
    first = await claim(store, schedule, next_run=START + timedelta(weeks=1))
    assert await store.schedules.complete(first, RunOutcome.not_sent("empty", "No lesson left."))
    after = await store.schedules.get(schedule.id)
    assert (after.state, after.next_run, after.last_error) == (
        "pending",
        START + timedelta(weeks=1),
        "No lesson left.",
    )
    second = await claim(store, after, now=START + timedelta(weeks=1), next_run=START + timedelta(weeks=2))
    assert await store.schedules.complete(second, RunOutcome.sent(9, "lesson-b", finished=False))
    assert (await store.schedules.get(schedule.id)).last_error is None
    assert [r.state for r in await probe.runs(schedule.id)] == ["empty", "sent"]


async def test_a_final_failure_stops_a_weekly_schedule(store):
    schedule = await store.schedules.create_weekly(weekly(START))
    won = await claim(store, schedule, next_run=START + timedelta(weeks=1))
    stop = RunOutcome.not_sent("failed", "Discord refused the post.", final_state="failed")
    assert await store.schedules.complete(won, stop)
    after = await store.schedules.get(schedule.id)
    assert (after.state, after.next_run, after.last_error) == ("failed", None, "Discord refused the post.")


async def test_a_cancel_during_the_post_wins_over_its_outcome(store, probe):
    schedule = await store.schedules.create_once(once(START))
    won = await claim(store, schedule)
    assert await store.schedules.cancel(GUILD, schedule.id)
    assert await store.schedules.complete(won, RunOutcome.sent(5, "lesson-a", finished=True))
    assert (await store.schedules.get(schedule.id)).state == "cancelled"
    assert (await probe.runs(schedule.id))[0].state == "sent"  # the run is still recorded


async def test_renew_extends_the_lease_of_the_holder_only(store):
    schedule = await store.schedules.create_once(once(START))
    won = await claim(store, schedule, holder="a")
    later = START + timedelta(minutes=8)
    renewed = await store.schedules.renew(won, lease=LEASE, now=later)
    assert renewed is not None and renewed.lease_until == later + LEASE
    assert renewed.holder == "a" and renewed.occurrence == won.occurrence
    # Nobody can take it over before the renewed lease ends.
    assert await store.schedules.reclaim(holder="b", lease=LEASE, now=START + timedelta(minutes=12)) == []


async def test_an_expired_lease_nobody_took_over_still_counts(store):
    schedule = await store.schedules.create_once(once(START))
    won = await claim(store, schedule, lease=timedelta(seconds=1))
    assert await store.schedules.renew(won, lease=LEASE, now=START + HOUR) is not None
    assert await store.schedules.complete(won, RunOutcome.sent(5, None, finished=True))


async def test_reclaim_takes_this_holders_claims_at_once_and_others_only_when_expired(store):
    mine = await store.schedules.create_once(once(START))
    theirs = await store.schedules.create_once(once(START + timedelta(seconds=1)))
    my_claim = await claim(store, mine, holder="a")
    their_claim = await claim(store, theirs, holder="b", now=START + timedelta(seconds=1))
    # "a" restarted: its own claim comes back at once, keeping occurrence and nonce.
    [again] = await store.schedules.reclaim(holder="a", lease=LEASE, now=START + timedelta(minutes=1))
    assert (again.schedule.id, again.occurrence, again.nonce) == (mine.id, START, my_claim.nonce)
    assert again.lease_until == START + timedelta(minutes=11)
    # "b"'s lease ends at START + 10 min 1 s: then "a" may take it, oldest occurrence first.
    late = START + timedelta(minutes=20)
    taken = await store.schedules.reclaim(holder="a", lease=LEASE, now=late)
    assert [(c.schedule.id, c.holder) for c in taken] == [(mine.id, "a"), (theirs.id, "a")]
    # "b" finishing late changes nothing: its claim is no longer its own.
    assert not await store.schedules.complete(their_claim, RunOutcome.sent(5, None, finished=True))
    assert await store.schedules.renew(their_claim, lease=LEASE, now=late) is None
    assert (await store.schedules.get(theirs.id)).state == "pending"
    assert await store.schedules.complete(taken[1], RunOutcome.sent(6, None, finished=True))
    assert (await store.schedules.get(theirs.id)).state == "done"


async def test_reclaim_can_wait_past_a_grace_and_keeps_to_its_shards(store):
    mine = await store.schedules.create_once(once(START, guild=GUILD))
    other = await store.schedules.create_once(once(START, guild=OTHER))
    await claim(store, mine, holder="dead")
    await claim(store, other, holder="dead")
    late = START + timedelta(minutes=15)  # both leases ended 5 minutes ago
    assert (
        await store.schedules.reclaim(
            holder="x", lease=LEASE, now=late, expired_before=late - timedelta(minutes=30)
        )
        == []
    )
    [taken] = await store.schedules.reclaim(holder="x", lease=LEASE, now=late, shards=ShardSet.of(2, {1}))
    assert taken.schedule.id == mine.id


async def test_a_running_holder_reclaims_ended_leases_only_never_its_claims_in_flight(store):
    in_flight = await store.schedules.create_once(once(START))
    abandoned = await store.schedules.create_once(once(START))
    dead = await store.schedules.create_once(once(START))
    await claim(store, in_flight, holder="a", now=START + timedelta(minutes=15))  # lease to 12:25
    await claim(store, abandoned, holder="a")  # "a"'s own, lease ended at 12:10
    await claim(store, dead, holder="b")  # lease ended at 12:10
    now = START + timedelta(minutes=20)
    taken = await store.schedules.reclaim(holder="a", lease=LEASE, now=now, restarted=False)
    assert [(c.schedule.id, c.holder, c.lease_until) for c in taken] == [
        (abandoned.id, "a", now + LEASE),
        (dead.id, "a", now + LEASE),
    ]
    # The claim in flight keeps its lease: nobody, "a" included, takes it before it ends.
    assert await store.schedules.reclaim(holder="c", lease=LEASE, now=now) == []


async def test_reclaim_skips_finished_and_cancelled_schedules(store):
    finished = await store.schedules.create_once(once(START))
    cancelled = await store.schedules.create_once(once(START))
    done = await claim(store, finished, holder="a")
    await claim(store, cancelled, holder="a")
    await store.schedules.complete(done, RunOutcome.sent(1, None, finished=True))
    await store.schedules.cancel(GUILD, cancelled.id)
    assert await store.schedules.reclaim(holder="a", lease=LEASE, now=START + HOUR) == []


async def test_two_holders_reclaiming_at_once_never_share_a_claim(store):
    for i in range(6):
        schedule = await store.schedules.create_once(once(START + timedelta(seconds=i)))
        await claim(store, schedule, holder="dead", now=START)
    late = START + HOUR
    results = await asyncio.gather(
        *(store.schedules.reclaim(holder=f"p{i}", lease=LEASE, now=late) for i in range(3))
    )
    ids = [c.schedule.id for taken in results for c in taken]
    assert len(ids) == 6 and len(set(ids)) == 6


async def test_complete_of_a_cancelled_retry_records_the_run_only(store, probe):
    schedule = await store.schedules.create_once(once(START))
    won = await claim(store, schedule)
    await store.schedules.cancel(GUILD, schedule.id)
    assert await store.schedules.complete(won, RunOutcome.not_sent("failed", "Cancelled before the retry."))
    [run] = await probe.runs(schedule.id)
    assert (run.state, run.detail) == ("failed", "Cancelled before the retry.")
    assert (await store.schedules.get(schedule.id)).last_error is None


# --- missed ---------------------------------------------------------------------------------


async def test_a_missed_one_off_becomes_missed_with_its_reason(store, probe):
    schedule = await store.schedules.create_once(once(START - 8 * HOUR))
    assert await store.schedules.record_missed(
        schedule, nonce="n1", detail="Missed at 04:00: the bot was offline.", next_run=None, now=START
    )
    after = await store.schedules.get(schedule.id)
    assert (after.state, after.next_run, after.last_error) == (
        "missed",
        None,
        "Missed at 04:00: the bot was offline.",
    )
    [run] = await probe.runs(schedule.id)
    assert (run.state, run.nonce, run.occurrence) == ("missed", "n1", START - 8 * HOUR)
    # Only once: the schedule is no longer at that occurrence.
    assert not await store.schedules.record_missed(schedule, nonce="n1", detail="x", next_run=None, now=START)


async def test_a_missed_weekly_occurrence_moves_on_to_the_next_week(store):
    schedule = await store.schedules.create_weekly(weekly(START - timedelta(days=1)))
    following = START + timedelta(days=6)
    assert await store.schedules.record_missed(
        schedule, nonce="n", detail="Missed.", next_run=following, now=START
    )
    after = await store.schedules.get(schedule.id)
    assert (after.state, after.next_run, after.last_error) == ("pending", following, "Missed.")


async def test_a_cancelled_schedule_is_not_marked_missed(store):
    schedule = await store.schedules.create_once(once(START - 8 * HOUR))
    await store.schedules.cancel(GUILD, schedule.id)
    assert not await store.schedules.record_missed(schedule, nonce="n", detail="x", next_run=None, now=START)
    assert (await store.schedules.get(schedule.id)).state == "cancelled"
