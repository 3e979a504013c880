"""The discussion's jobs in the store contract: recording a post schedules its reminder and its
close beside the moderators' schedules, a later post in the same channel closes the earlier
discussion now, and the moderators' lists never show a job. Runs once per backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.rows import DiscussionWindow, NewOnce, NewPost, RunOutcome

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
WEEK = timedelta(days=7)
DAY = timedelta(days=1)
GUILD = 1 << 22
CHANNEL = 50
LEASE = timedelta(minutes=10)


def window(opened: datetime, *, remind: bool = True, by: int = 42) -> DiscussionWindow:
    closes = opened + WEEK
    return DiscussionWindow(closes, closes - DAY if remind else None, "Europe/Berlin", by)


async def post(store, thread_id: int, at: datetime, *, channel: int = CHANNEL, remind: bool = True, **kw):
    return await store.posts.record(
        NewPost(
            guild_id=GUILD,
            channel_id=channel,
            message_id=thread_id,
            thread_id=thread_id,
            lesson_id=f"lesson-{thread_id}",
            posted_at=at,
            discussion=kw.pop("discussion", window(at, remind=remind)),
            **kw,
        )
    )


async def jobs_of(store, post_id: int) -> dict[str, object]:
    """The post's jobs by kind, read back through the dispatcher's own door (next_due/get)."""
    found = {}
    for schedule_id in range(1, 50):
        schedule = await store.schedules.get(schedule_id)
        if schedule is not None and schedule.post_id == post_id:
            found[schedule.kind] = schedule
    return found


async def test_recording_a_post_schedules_its_reminder_and_its_close(store):
    recorded = await post(store, 1001, T0)
    assert recorded.closes_at == T0 + WEEK
    assert await store.posts.get(recorded.id) == recorded
    jobs = await jobs_of(store, recorded.id)
    assert set(jobs) == {"remind", "close"}
    close, remind = jobs["close"], jobs["remind"]
    assert (close.next_run, remind.next_run) == (T0 + WEEK, T0 + WEEK - DAY)
    for job in (close, remind):
        assert (job.state, job.guild_id, job.channel_id, job.lesson_id) == (
            "pending",
            GUILD,
            CHANNEL,
            "lesson-1001",
        )
        assert (job.timezone, job.created_by, job.created_at, job.weekday) == ("Europe/Berlin", 42, T0, None)
    assert [s.id for s in await store.schedules.next_due()] == [remind.id]


async def test_no_reminder_when_there_is_none_or_it_would_come_before_the_post(store):
    without = await post(store, 1001, T0, remind=False)
    assert set(await jobs_of(store, without.id)) == {"close"}
    short = DiscussionWindow(T0 + timedelta(hours=5), T0 - timedelta(hours=19), "UTC", 42)
    early = await post(store, 1002, T0, channel=CHANNEL + 1, discussion=short)
    assert set(await jobs_of(store, early.id)) == {"close"}


async def test_a_post_without_a_window_schedules_nothing_and_never_closes(store):
    recorded = await post(store, 1001, T0, discussion=None)
    assert recorded.closes_at is None
    assert await jobs_of(store, recorded.id) == {}


async def test_the_next_post_in_the_channel_closes_the_open_discussion_now(store):
    first = await post(store, 1001, T0)
    second = await post(store, 1002, T0 + 3 * DAY)
    first_jobs = await jobs_of(store, first.id)
    assert first_jobs["close"].next_run == T0 + 3 * DAY
    assert (first_jobs["remind"].state, first_jobs["remind"].next_run) == ("cancelled", None)
    second_jobs = await jobs_of(store, second.id)
    assert second_jobs["close"].next_run == T0 + 3 * DAY + WEEK  # the new one keeps its window
    assert second_jobs["remind"].state == "pending"
    assert [s.id for s in await store.schedules.next_due()] == [first_jobs["close"].id]


async def test_a_post_in_another_channel_or_server_closes_nothing(store):
    first = await post(store, 1001, T0)
    await post(store, 1002, T0 + DAY, channel=CHANNEL + 1)
    await store.posts.record(
        NewPost(GUILD + (1 << 22), CHANNEL, 9, 1003, "x", T0 + DAY, discussion=window(T0 + DAY))
    )
    jobs = await jobs_of(store, first.id)
    assert (jobs["close"].next_run, jobs["remind"].state) == (T0 + WEEK, "pending")


async def test_a_close_already_due_or_claimed_is_left_as_it_is(store):
    first = await post(store, 1001, T0, remind=False)
    close = (await jobs_of(store, first.id))["close"]
    claim = await store.schedules.claim(
        close, nonce="c", next_run=None, holder="a", lease=LEASE, now=T0 + WEEK
    )
    assert claim is not None
    await post(store, 1002, T0 + WEEK + timedelta(minutes=1))
    assert (await store.schedules.get(close.id)).next_run is None  # not brought back
    assert await store.schedules.complete(claim, RunOutcome.sent(77, "lesson-1001", finished=True))
    assert (await store.schedules.get(close.id)).state == "done"


async def test_the_moderators_lists_and_cancels_never_see_a_job(store):
    recorded = await post(store, 1001, T0)
    once = await store.schedules.create_once(NewOnce(GUILD, CHANNEL, "a", T0 + 2 * DAY, "UTC", 42, T0))
    assert [s.id for s in await store.schedules.pending(GUILD)] == [once.id]
    assert [s.id for s in await store.schedules.listable(GUILD)] == [once.id]
    for job in (await jobs_of(store, recorded.id)).values():
        assert not await store.schedules.cancel(GUILD, job.id)
        assert (await store.schedules.get(job.id)).state == "pending"


async def test_a_missed_reminder_is_recorded_and_the_job_ends(store):
    recorded = await post(store, 1001, T0)
    remind = (await jobs_of(store, recorded.id))["remind"]
    late = T0 + WEEK
    assert await store.schedules.record_missed(remind, nonce="r", detail="Missed.", next_run=None, now=late)
    again = await store.schedules.get(remind.id)
    assert (again.state, again.next_run, again.last_error) == ("missed", None, "Missed.")
    assert (await jobs_of(store, recorded.id))["close"].state == "pending"


async def test_discussion_settings_are_set_together_and_reset_by_none(store):
    await store.settings.set_timezone(1, "Europe/Paris")
    both = await store.settings.set_discussion(1, 5, 0)
    assert (both.timezone, both.discussion_days, both.reminder_hours) == ("Europe/Paris", 5, 0)
    assert await store.settings.get(1) == both
    reset = await store.settings.set_discussion(1, None, None)
    assert (reset.discussion_days, reset.reminder_hours, reset.timezone) == (None, None, "Europe/Paris")
