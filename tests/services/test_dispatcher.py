"""The dispatcher against a real store (once per backend), with time moved by the test (ManualClock)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.recurrence import next_weekly
from bot.services.dispatcher import (
    Dispatcher,
    PermanentPostError,
    PostOutcome,
    RetryableError,
    make_nonce,
)
from bot.store.rows import NewOnce, NewWeekly, ShardSet
from tests.seams import Calls, SeamStore

from .conftest import START

BERLIN = ZoneInfo("Europe/Berlin")
GUILD = 1 << 22  # shard 1 of 2
OTHER_GUILD = 2 << 22  # shard 0 of 2
CHANNEL = 555
MOD = 42
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


@pytest.fixture
def seams(store) -> SeamStore:
    """The store as the dispatcher is handed it, where a test can make an operation fail."""
    return SeamStore(store)


@pytest.fixture
async def make_dispatcher(seams, clock, poster) -> AsyncIterator[Callable[..., Dispatcher]]:
    started: list[Dispatcher] = []

    def make(**options) -> Dispatcher:
        options.setdefault("grace", timedelta(hours=6))
        dispatcher = Dispatcher(seams.schedules, clock, poster, **options)
        dispatcher.start()
        started.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in started:
        await dispatcher.stop()


async def once(store, at, lesson="whither-russias-ai-ambition", guild=GUILD):
    return await store.schedules.create_once(NewOnce(guild, CHANNEL, lesson, at, "Europe/Berlin", MOD, START))


async def weekly(store, weekday=0, at=time(9, 0), after=START, guild=GUILD):
    first = next_weekly(weekday, at, BERLIN, after)
    return await store.schedules.create_weekly(
        NewWeekly(guild, CHANNEL, weekday, at, "Europe/Berlin", first, MOD, START)
    )


async def test_one_off_fires_once_at_its_time_and_never_again(store, probe, clock, poster, make_dispatcher):
    schedule = await once(store, START + HOUR)
    make_dispatcher()
    await clock.settle()

    await clock.advance(HOUR - timedelta(seconds=1))
    assert poster.calls == []
    await clock.advance(timedelta(seconds=1))
    assert [(c.occurrence, c.at) for c in poster.calls] == [(START + HOUR, START + HOUR)]
    assert poster.calls[0].nonce == make_nonce(schedule.id, START + HOUR)

    await clock.advance(3 * WEEK)
    assert len(poster.calls) == 1
    done = await store.schedules.get(schedule.id)
    assert done is not None and done.state == "done" and done.next_run is None and done.last_error is None
    run = await probe.run(schedule.id, START + HOUR)
    assert run is not None and run.state == "sent" and run.message_id == 9001


async def test_one_off_is_not_posted_again_by_a_new_dispatcher(store, clock, poster, make_dispatcher):
    await once(store, START + HOUR)
    first = make_dispatcher()
    await clock.settle()
    await clock.advance(2 * HOUR)
    await first.stop()

    make_dispatcher()
    await clock.settle()
    await clock.advance(WEEK)
    assert len(poster.calls) == 1


async def test_weekly_fires_on_successive_weeks_at_the_local_hour(
    store, probe, clock, poster, make_dispatcher
):
    # Monday 09:00 Berlin, from late November: no DST change in these weeks.
    schedule = await weekly(store)
    make_dispatcher()
    await clock.settle()
    await clock.advance(3 * WEEK)

    calls = poster.for_schedule(schedule.id)
    assert len(calls) == 3
    assert all(c.at == c.occurrence for c in calls)
    assert all(c.occurrence.astimezone(BERLIN).hour == 9 for c in calls)
    assert [c.occurrence.astimezone(BERLIN).weekday() for c in calls] == [0, 0, 0]
    assert len({c.nonce for c in calls}) == 3
    current = await store.schedules.get(schedule.id)
    assert current is not None and current.state == "pending"
    assert current.next_run == calls[-1].occurrence + WEEK
    runs = await probe.runs(schedule.id)
    assert [r.state for r in runs] == ["sent", "sent", "sent"]


async def test_weekly_keeps_the_local_hour_across_the_spring_change(store, clock, poster, make_dispatcher):
    await clock.set(START.replace(year=2027, month=3, day=15))
    schedule = await weekly(store, after=clock.now())
    make_dispatcher()
    await clock.settle()
    await clock.advance(3 * WEEK)
    local = [c.occurrence.astimezone(BERLIN) for c in poster.for_schedule(schedule.id)]
    assert [(d.day, d.hour) for d in local] == [(22, 9), (29, 9), (5, 9)]
    assert [c.occurrence.hour for c in poster.calls] == [8, 7, 7]


async def test_cancel_stops_a_pending_post(store, clock, poster, make_dispatcher):
    schedule = await once(store, START + HOUR)
    dispatcher = make_dispatcher()
    await clock.settle()
    assert await store.schedules.cancel(GUILD, schedule.id)
    dispatcher.notify_changed()
    await clock.settle()
    await clock.advance(2 * HOUR)
    assert poster.calls == []
    cancelled = await store.schedules.get(schedule.id)
    assert cancelled is not None and cancelled.state == "cancelled"


async def test_cancel_without_notify_is_still_honoured_at_claim_time(store, clock, poster, make_dispatcher):
    schedule = await once(store, START + HOUR)
    make_dispatcher()
    await clock.settle()
    assert await store.schedules.cancel(GUILD, schedule.id)  # the dispatcher still holds it in memory
    await clock.advance(2 * HOUR)
    assert poster.calls == []


async def test_cancel_is_per_guild(store):
    schedule = await once(store, START + HOUR)
    assert not await store.schedules.cancel(OTHER_GUILD, schedule.id)
    assert await store.schedules.cancel(GUILD, schedule.id)
    assert not await store.schedules.cancel(GUILD, schedule.id)


async def test_a_sooner_schedule_wakes_the_dispatcher(store, clock, poster, make_dispatcher):
    later = await once(store, START + WEEK)
    dispatcher = make_dispatcher()
    await clock.settle()
    sooner = await once(store, START + HOUR, lesson="sooner")
    dispatcher.notify_changed()
    await clock.settle()
    await clock.advance(HOUR)
    assert [c.schedule_id for c in poster.calls] == [sooner.id]
    assert poster.calls[0].at == START + HOUR
    await clock.advance(WEEK)
    assert [c.schedule_id for c in poster.calls] == [sooner.id, later.id]


async def test_many_due_at_the_same_instant_are_all_posted_then(store, clock, poster, make_dispatcher):
    created = [await once(store, START + HOUR, lesson=f"l{i}", guild=GUILD + (i << 22)) for i in range(30)]
    make_dispatcher(concurrency=4)
    await clock.settle()
    await clock.advance(HOUR)
    assert sorted(c.schedule_id for c in poster.calls) == [s.id for s in created]
    assert all(c.at == START + HOUR for c in poster.calls)


async def test_posts_due_together_are_claimed_in_one_call_and_completed_together(store, clock, poster):
    """Fifty posts due at one instant: one claim for the batch and one completion for the outcomes
    that came back together (the store's calls counted), not two round trips per post."""
    created = [await once(store, START + HOUR, lesson=f"l{i}", guild=GUILD + (i << 22)) for i in range(50)]
    calls = Calls(store.schedules)
    dispatcher = Dispatcher(calls, clock, poster, grace=timedelta(hours=6))
    dispatcher.start()
    try:
        await clock.settle()
        await clock.advance(HOUR)
    finally:
        await dispatcher.stop()
    assert sorted(c.schedule_id for c in poster.calls) == [s.id for s in created]
    assert calls.counts["claim_many"] == 1 and calls.counts["complete_many"] == 1
    assert calls.counts["claim"] == calls.counts["complete"] == calls.counts["get"] == 0
    assert {(await store.schedules.get(s.id)).state for s in created} == {"done"}


async def test_missed_within_grace_is_posted_late(store, clock, poster, make_dispatcher):
    schedule = await once(store, START - 2 * HOUR)  # the bot was down when it fell due
    make_dispatcher(grace=timedelta(hours=6))
    await clock.settle()
    assert [(c.occurrence, c.at) for c in poster.calls] == [(START - 2 * HOUR, START)]
    done = await store.schedules.get(schedule.id)
    assert done is not None and done.state == "done"


async def test_missed_outside_grace_is_marked_missed(store, probe, clock, poster, make_dispatcher):
    schedule = await once(store, START - 7 * HOUR)
    make_dispatcher(grace=timedelta(hours=6))
    await clock.settle()
    assert poster.calls == []
    missed = await store.schedules.get(schedule.id)
    assert missed is not None and missed.state == "missed" and missed.next_run is None
    assert missed.last_error == "Missed at 2026-11-30 06:00 CET: the bot was offline."
    run = await probe.run(schedule.id, START - 7 * HOUR)
    assert run is not None and run.state == "missed"
    assert [s.id for s in await store.schedules.listable(GUILD)] == [schedule.id]
    assert await store.schedules.pending(GUILD) == []


async def test_weekly_missed_outside_grace_continues_next_week(store, clock, poster, make_dispatcher):
    # Due Monday 09:00 Berlin two weeks ago; the bot comes back now (Monday 13:00 Berlin).
    schedule = await weekly(store, after=START - 2 * WEEK - 5 * HOUR)
    assert schedule.next_run == START - 2 * WEEK - 4 * HOUR
    make_dispatcher()
    await clock.settle()
    assert poster.calls == []
    current = await store.schedules.get(schedule.id)
    assert current is not None and current.state == "pending"
    assert current.next_run == START + WEEK - 4 * HOUR  # next Monday 09:00 Berlin, not a past week
    assert current.last_error == "Missed at 2026-11-16 09:00 CET: the bot was offline."
    await clock.advance(WEEK)
    assert [c.occurrence for c in poster.calls] == [START + WEEK - 4 * HOUR]
    after = await store.schedules.get(schedule.id)
    assert after is not None and after.last_error is None


async def test_crash_between_send_and_record_reposts_with_the_same_nonce(
    store, probe, clock, poster, make_dispatcher
):
    schedule = await once(store, START)
    never = asyncio.Event()
    poster.script[schedule.id] = [never]  # the first post "reaches Discord", then the process dies
    first = make_dispatcher()
    await poster.entered.wait()
    await first.stop()
    run = await probe.run(schedule.id, START)
    assert run is not None and run.state == "claimed"

    await clock.advance(timedelta(minutes=3))
    make_dispatcher()
    await clock.settle()
    calls = poster.for_schedule(schedule.id)
    assert len(calls) == 2
    assert calls[1].nonce == calls[0].nonce == make_nonce(schedule.id, START)
    assert calls[1].occurrence == START
    run = await probe.run(schedule.id, START)
    assert run is not None and run.state == "sent"
    done = await store.schedules.get(schedule.id)
    assert done is not None and done.state == "done"
    await clock.advance(WEEK)
    assert len(poster.calls) == 2


async def test_crash_of_a_weekly_post_is_resumed_and_the_series_goes_on(
    store, clock, poster, make_dispatcher
):
    schedule = await weekly(store, after=START - 4 * HOUR - timedelta(minutes=1))
    assert schedule.next_run == START - 4 * HOUR
    poster.script[schedule.id] = [asyncio.Event()]
    first = make_dispatcher()
    await poster.entered.wait()
    await first.stop()

    make_dispatcher()
    await clock.settle()
    await clock.advance(WEEK)
    calls = poster.for_schedule(schedule.id)
    assert [c.occurrence for c in calls] == [START - 4 * HOUR, START - 4 * HOUR, START - 4 * HOUR + WEEK]
    assert calls[0].nonce == calls[1].nonce != calls[2].nonce


async def test_unfinished_claim_older_than_grace_is_marked_missed(store, clock, poster, make_dispatcher):
    schedule = await once(store, START)
    poster.script[schedule.id] = [asyncio.Event()]
    first = make_dispatcher()
    await poster.entered.wait()
    await first.stop()
    await clock.advance(7 * HOUR)
    make_dispatcher()
    await clock.settle()
    assert len(poster.calls) == 1
    missed = await store.schedules.get(schedule.id)
    assert missed is not None and missed.state == "missed"


async def test_retryable_error_is_retried_with_the_same_nonce(store, clock, poster, make_dispatcher):
    schedule = await once(store, START + HOUR)
    poster.script[schedule.id] = [RetryableError("HTTP 503"), RetryableError("HTTP 429", retry_after=20)]
    make_dispatcher(retry_delays=[timedelta(seconds=5), timedelta(seconds=10)])
    await clock.settle()
    await clock.advance(HOUR + timedelta(minutes=5))
    calls = poster.for_schedule(schedule.id)
    assert [c.at - (START + HOUR) for c in calls] == [
        timedelta(0),
        timedelta(seconds=5),
        timedelta(seconds=25),  # Discord's retry_after (20 s) beats the 10 s backoff
    ]
    assert len({c.nonce for c in calls}) == 1
    done = await store.schedules.get(schedule.id)
    assert done is not None and done.state == "done" and done.last_error is None


async def test_a_cancel_while_a_retry_waits_drops_the_retry(store, probe, clock, poster, make_dispatcher):
    schedule = await once(store, START + HOUR)
    poster.script[schedule.id] = [RetryableError("HTTP 503")]
    dispatcher = make_dispatcher(retry_delays=[timedelta(seconds=30)])
    await clock.settle()
    await clock.advance(HOUR)
    assert len(poster.calls) == 1
    assert await store.schedules.cancel(GUILD, schedule.id)
    dispatcher.notify_changed()
    await clock.advance(timedelta(minutes=5))
    assert len(poster.calls) == 1  # the moderator was told "nothing more will be posted"
    cancelled = await store.schedules.get(schedule.id)
    assert cancelled is not None and cancelled.state == "cancelled"
    run = await probe.run(schedule.id, START + HOUR)
    assert run is not None and run.state == "failed" and run.detail == "Cancelled before it was posted."


async def test_a_cancel_between_the_claim_and_the_instant_stops_the_post(
    store, probe, clock, poster, make_dispatcher
):
    schedule = await once(store, START + HOUR)
    dispatcher = make_dispatcher()
    await clock.settle()
    await clock.advance(HOUR - timedelta(milliseconds=100))  # claimed 200 ms ahead, waiting
    assert (await probe.run(schedule.id, START + HOUR)) is not None
    assert await store.schedules.cancel(GUILD, schedule.id)
    assert dispatcher.cancelled(schedule.id) == "stopped"
    dispatcher.notify_changed()
    await clock.advance(WEEK)
    assert poster.calls == []
    run = await probe.run(schedule.id, START + HOUR)
    assert run is not None and run.state == "failed" and run.detail == "Cancelled before it was posted."


async def test_a_cancel_while_the_post_goes_out_is_told_it_is_under_way(
    store, probe, clock, poster, make_dispatcher
):
    schedule = await once(store, START + HOUR)
    sending = asyncio.Event()
    poster.script[schedule.id] = [sending]  # a slow send: it returns when the test lets it
    dispatcher = make_dispatcher()
    await clock.settle()
    moving = asyncio.create_task(clock.advance(HOUR))
    await asyncio.wait_for(poster.entered.wait(), 5)
    assert await store.schedules.cancel(GUILD, schedule.id)
    assert dispatcher.cancelled(schedule.id) == "under way"
    sending.set()
    await moving
    assert len(poster.calls) == 1
    run = await probe.run(schedule.id, START + HOUR)
    assert run is not None and run.state == "sent"
    assert dispatcher.cancelled(schedule.id) == "idle"  # nothing of it is in hand any more


async def test_a_cancel_of_a_schedule_not_in_hand_is_idle(store, clock, poster, make_dispatcher):
    schedule = await once(store, START + WEEK)
    dispatcher = make_dispatcher()
    await clock.settle()
    assert await store.schedules.cancel(GUILD, schedule.id)
    assert dispatcher.cancelled(schedule.id) == "idle"


async def test_a_hung_post_is_abandoned_and_retried_with_the_same_nonce(
    store, clock, poster, make_dispatcher
):
    schedule = await once(store, START + HOUR)
    poster.script[schedule.id] = [asyncio.Event()]  # never answers
    make_dispatcher(retry_delays=[timedelta(seconds=5)], post_timeout=timedelta(milliseconds=50))
    await clock.settle()
    await clock.advance(HOUR)  # the first attempt hangs, times out (real time), a retry is queued
    await clock.advance(timedelta(seconds=5))
    calls = poster.for_schedule(schedule.id)
    assert [c.at - (START + HOUR) for c in calls] == [timedelta(0), timedelta(seconds=5)]
    assert calls[0].nonce == calls[1].nonce
    done = await store.schedules.get(schedule.id)
    assert done is not None and done.state == "done"


async def test_retries_run_out_and_the_one_off_fails(store, clock, poster, make_dispatcher):
    schedule = await once(store, START + HOUR)
    poster.script[schedule.id] = [RetryableError("HTTP 502")] * 3
    make_dispatcher(retry_delays=[timedelta(seconds=5), timedelta(seconds=5)])
    await clock.settle()
    await clock.advance(2 * HOUR)
    assert len(poster.calls) == 3
    failed = await store.schedules.get(schedule.id)
    assert failed is not None and failed.state == "failed"
    assert failed.last_error == "Discord kept failing after 3 attempts: HTTP 502"


async def test_permanent_error_marks_the_schedule_failed_with_the_reason(
    store, probe, clock, poster, make_dispatcher
):
    schedule = await weekly(store)
    reason = "The channel #lessons was deleted."
    poster.script[schedule.id] = [PermanentPostError(reason)]
    make_dispatcher()
    await clock.settle()
    await clock.advance(3 * WEEK)
    assert len(poster.calls) == 1  # a failed weekly schedule stops until a moderator acts
    failed = await store.schedules.get(schedule.id)
    assert failed is not None and failed.state == "failed" and failed.last_error == reason
    assert failed.next_run is None
    runs = await probe.runs(schedule.id)
    assert [(r.state, r.detail) for r in runs] == [("failed", reason)]
    assert [s.id for s in await store.schedules.listable(GUILD)] == [schedule.id]


async def test_failed_outcome_is_treated_like_a_permanent_error(store, clock, poster, make_dispatcher):
    schedule = await once(store, START + HOUR)
    poster.script[schedule.id] = [PostOutcome.failed("I may not send messages in #lessons.")]
    make_dispatcher()
    await clock.settle()
    await clock.advance(HOUR)
    failed = await store.schedules.get(schedule.id)
    assert failed is not None and failed.state == "failed"
    assert failed.last_error == "I may not send messages in #lessons."


async def test_unexpected_exception_is_logged_and_the_dispatcher_goes_on(
    store, probe, clock, poster, make_dispatcher, caplog
):
    broken = await once(store, START + HOUR, lesson="broken")
    fine = await once(store, START + HOUR, lesson="fine", guild=OTHER_GUILD)
    series = await weekly(store)
    poster.script[broken.id] = [ZeroDivisionError("division by zero")]
    poster.script[series.id] = [KeyError("lesson"), None]
    make_dispatcher()
    await clock.settle()
    with caplog.at_level(logging.ERROR, logger="bot.services.dispatcher"):
        await clock.advance(2 * WEEK)
    assert sum("Traceback" in (r.exc_text or "") or r.exc_info is not None for r in caplog.records) == 2
    broken_now = await store.schedules.get(broken.id)
    assert broken_now is not None and broken_now.state == "failed"
    assert broken_now.last_error is not None and "ZeroDivisionError" in broken_now.last_error
    fine_now = await store.schedules.get(fine.id)
    assert fine_now is not None and fine_now.state == "done"
    assert len(poster.for_schedule(series.id)) == 2  # the weekly one failed once, then posted
    series_now = await store.schedules.get(series.id)
    assert series_now is not None and series_now.state == "pending" and series_now.last_error is None
    assert [r.state for r in await probe.runs(series.id)] == ["failed", "sent"]


async def test_empty_queue_is_reported_and_the_weekly_schedule_stays(
    store, probe, clock, poster, make_dispatcher
):
    schedule = await weekly(store)
    notice = "No lesson left in the queue: add lessons to keep the weekly post going."
    poster.script[schedule.id] = [PostOutcome.empty_queue(notice)]
    make_dispatcher()
    await clock.settle()
    await clock.advance(WEEK)
    current = await store.schedules.get(schedule.id)
    assert current is not None and current.state == "pending" and current.last_error == notice
    assert current.next_run == schedule.next_run + WEEK  # type: ignore[operator]
    runs = await probe.runs(schedule.id)
    assert [(r.state, r.detail) for r in runs] == [("empty", notice)]
    await clock.advance(WEEK)
    assert [r.state for r in await probe.runs(schedule.id)] == ["empty", "sent"]


async def test_no_queries_while_idle(store, clock, poster, make_dispatcher):
    await weekly(store)
    await once(store, START + 30 * WEEK)
    make_dispatcher(max_sleep=HOUR)
    await clock.settle()
    before = store.query_count
    await clock.advance(timedelta(days=6))  # wakes hourly to re-read the clock, queries nothing
    assert store.query_count == before
    assert poster.calls == []


async def test_shard_filter_dispatches_only_its_own_guilds(store, clock, poster, make_dispatcher):
    mine = await once(store, START + HOUR, guild=GUILD)
    await once(store, START + HOUR, guild=OTHER_GUILD)
    make_dispatcher(shards=ShardSet.of(2, {1}))
    await clock.settle()
    await clock.advance(2 * HOUR)
    assert [c.schedule_id for c in poster.calls] == [mine.id]


async def test_stop_is_clean_and_idempotent(store, clock, poster, make_dispatcher):
    dispatcher = make_dispatcher()
    await clock.settle()
    assert dispatcher.running
    await dispatcher.stop()
    assert not dispatcher.running
    await dispatcher.stop()


def test_nonce_is_deterministic_and_fits_discord():
    occurrence = START + HOUR
    assert make_nonce(7, occurrence) == make_nonce(7, occurrence) == f"s7-{int(occurrence.timestamp())}"
    assert make_nonce(7, occurrence) != make_nonce(8, occurrence)
    assert make_nonce(7, occurrence) != make_nonce(7, occurrence + WEEK)
    assert len(make_nonce(10**12, occurrence.replace(year=2200))) <= 25


async def test_a_database_error_is_logged_and_the_dispatcher_tries_again(
    store, seams, clock, poster, make_dispatcher, caplog
):
    schedule = await once(store, START + HOUR)
    seams.fail("schedules", "next_due", RuntimeError("database is locked"), times=1)
    with caplog.at_level(logging.ERROR, logger="bot.services.dispatcher"):
        dispatcher = make_dispatcher(error_backoff=timedelta(seconds=30))
        await clock.settle()
        await clock.advance(HOUR)
    assert dispatcher.running
    assert any("database is locked" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
    assert [c.schedule_id for c in poster.calls] == [schedule.id]
