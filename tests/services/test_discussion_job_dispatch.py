"""A discussion's reminder and close in the one dispatcher, beside the posts: the same claims,
the same grace, except that a close however late still runs. Against a real store (once per
backend), time moved by the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.services.dispatcher import Dispatcher, PostOutcome, make_nonce
from bot.store.rows import DiscussionWindow, NewOnce, NewPost, Schedule

from .conftest import START

GUILD = 1 << 22
CHANNEL = 555
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
GRACE = timedelta(hours=6)


@pytest.fixture
async def make_dispatcher(store, clock, poster) -> AsyncIterator[Callable[[], Dispatcher]]:
    started: list[Dispatcher] = []

    def make() -> Dispatcher:
        dispatcher = Dispatcher(store.schedules, clock, poster, grace=GRACE)
        dispatcher.start()
        started.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in started:
        await dispatcher.stop()


async def open_discussion(store, posted_at, *, thread_id=1001, channel=CHANNEL) -> dict[str, Schedule]:
    """Record a post whose discussion closes a week later, reminded a day before; its jobs by kind."""
    closes = posted_at + WEEK
    post = await store.posts.record(
        NewPost(
            GUILD,
            channel,
            thread_id,
            thread_id,
            f"lesson-{thread_id}",
            posted_at,
            discussion=DiscussionWindow(closes, closes - DAY, "Europe/Berlin", 42),
        )
    )
    jobs = {}
    for schedule_id in range(1, 30):
        job = await store.schedules.get(schedule_id)
        if job is not None and job.post_id == post.id:
            jobs[job.kind] = job
    return jobs


async def test_reminder_then_close_run_at_their_times_with_their_own_nonces(
    store, probe, clock, poster, make_dispatcher
):
    jobs = await open_discussion(store, START)
    make_dispatcher()
    await clock.settle()
    await clock.advance(WEEK - DAY)
    assert [(c.schedule_id, c.at) for c in poster.calls] == [(jobs["remind"].id, START + WEEK - DAY)]
    await clock.advance(DAY)
    assert [(c.schedule_id, c.at, c.nonce) for c in poster.calls][1:] == [
        (jobs["close"].id, START + WEEK, make_nonce(jobs["close"].id, START + WEEK))
    ]
    for job in jobs.values():
        done = await store.schedules.get(job.id)
        assert done is not None and (done.state, done.next_run) == ("done", None)
        [run] = await probe.runs(job.id)
        assert run.state == "sent"


async def test_a_close_missed_beyond_the_grace_still_runs_late(store, probe, clock, poster, make_dispatcher):
    jobs = await open_discussion(store, START - WEEK - 2 * GRACE)  # both were due while the bot was down
    make_dispatcher()
    await clock.settle()
    assert [c.schedule_id for c in poster.calls] == [jobs["close"].id]
    assert poster.calls[0].occurrence == START - 2 * GRACE
    reminder = await store.schedules.get(jobs["remind"].id)
    assert reminder is not None and reminder.state == "missed"
    assert reminder.last_error is not None and reminder.last_error.startswith("Missed at")
    closed = await store.schedules.get(jobs["close"].id)
    assert closed is not None and closed.state == "done"


async def test_a_close_claimed_before_a_crash_is_resumed_however_late(store, clock, poster, make_dispatcher):
    jobs = await open_discussion(store, START - WEEK)
    poster.script[jobs["close"].id] = [asyncio.Event()]  # the close "reaches Discord", then the bot dies
    first = make_dispatcher()
    await poster.entered.wait()
    await first.stop()
    await clock.advance(2 * GRACE)
    make_dispatcher()
    await clock.settle()
    calls = poster.for_schedule(jobs["close"].id)
    assert [c.nonce for c in calls] == [make_nonce(jobs["close"].id, START)] * 2
    closed = await store.schedules.get(jobs["close"].id)
    assert closed is not None and closed.state == "done"


async def test_a_reminder_claimed_before_a_crash_and_found_too_late_is_missed(
    store, clock, poster, make_dispatcher
):
    jobs = await open_discussion(store, START - WEEK + DAY)
    poster.script[jobs["remind"].id] = [asyncio.Event()]
    first = make_dispatcher()
    await poster.entered.wait()
    await first.stop()
    await clock.advance(2 * GRACE)
    make_dispatcher()
    await clock.settle()
    assert len(poster.for_schedule(jobs["remind"].id)) == 1
    reminder = await store.schedules.get(jobs["remind"].id)
    assert reminder is not None and reminder.state == "missed"


async def test_a_skipped_job_is_done_with_its_reason(store, probe, clock, poster, make_dispatcher):
    jobs = await open_discussion(store, START - WEEK + DAY)
    poster.script[jobs["remind"].id] = [PostOutcome.skipped("The discussion was already closed.")]
    make_dispatcher()
    await clock.settle()
    reminder = await store.schedules.get(jobs["remind"].id)
    assert reminder is not None
    assert (reminder.state, reminder.last_error) == ("done", "The discussion was already closed.")
    [run] = await probe.runs(jobs["remind"].id)
    assert (run.state, run.detail) == ("skipped", "The discussion was already closed.")


async def test_posts_and_jobs_share_one_sleep_and_the_earliest_goes_first(
    store, clock, poster, make_dispatcher
):
    jobs = await open_discussion(store, START)
    post = await store.schedules.create_once(
        NewOnce(GUILD, CHANNEL, "lesson-b", START + 3 * DAY, "Europe/Berlin", 42, START)
    )
    make_dispatcher()
    await clock.settle()
    queries = store.query_count
    await clock.advance(timedelta(days=2))
    assert poster.calls == [] and store.query_count == queries  # asleep until the earliest: no polling
    await clock.advance(WEEK)
    assert [c.schedule_id for c in poster.calls] == [post.id, jobs["remind"].id, jobs["close"].id]


async def test_a_next_post_brings_the_close_forward_and_drops_the_reminder(
    store, clock, poster, make_dispatcher
):
    first = await open_discussion(store, START)
    dispatcher = make_dispatcher()
    await clock.settle()
    await clock.advance(2 * DAY)
    await open_discussion(store, START + 2 * DAY, thread_id=1002)
    dispatcher.notify_changed()  # as the bot does when it records a post
    await clock.settle()
    assert [(c.schedule_id, c.at) for c in poster.calls] == [(first["close"].id, START + 2 * DAY)]
    await clock.advance(WEEK)  # the first reminder never comes; the second discussion's does
    reminders = [c for c in poster.calls if c.schedule_id == first["remind"].id]
    assert reminders == []
    dropped = await store.schedules.get(first["remind"].id)
    assert dropped is not None and dropped.state == "cancelled"
