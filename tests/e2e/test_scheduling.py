"""Scheduling end to end (issue 5): the real bot on the fake Discord, time moved by the test.

Each test sets up a server, runs /schedule commands as a moderator or a member would, moves the
ManualClock and reads what people see: the lesson messages and threads in the channel, the
bot's notices, the ephemeral replies and /schedule list.

The lessons are small ones written into a temporary directory (``week-1`` ... ``week-N``), so a
weekly schedule has a queue to work through and every lesson fits in one message.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import discord
import pytest

from tests.clock import ManualClock
from tests.e2e.conftest import LESSONS, START, Harness
from tests.e2e.test_post_record import until_recorded
from tests.fakediscord import permissions as perm
from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.models import Channel

MONDAY = 0
THURSDAY = 3


class Launch(Protocol):
    def __call__(
        self, *, lessons: int = 4, start: datetime = START, grace: timedelta = timedelta(hours=6)
    ) -> Awaitable[Harness]: ...


def write_lessons(directory: Path, count: int) -> Path:
    """``count`` one-message lessons, weeks 1..count, with concepts from the real glossary."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(LESSONS / "glossary.yaml", directory / "glossary.yaml")
    for week in range(1, count + 1):
        (directory / f"week-{week}.md").write_text(
            "---\n"
            f"title: Week {week} lesson\n"
            f"week: {week}\n"
            f"prompt: What did week {week} teach you?\n"
            "concept: machine-learning\n"
            "---\n"
            f"Opening of week {week}.\n\n"
            "## Part one\n\n"
            f"Body of week {week}.\n\n"
            "## Summary\n\n"
            f"Summary of week {week}.\n",
            encoding="utf-8",
        )
    return directory


@pytest.fixture
async def launch(fake: FakeDiscord, tmp_path: Path, bot_database: str) -> AsyncIterator[Launch]:
    """Start the bot with ``lessons`` small lessons and a ManualClock at ``start``."""
    fake.setup_study_guild()
    started: list[Harness] = []

    async def _launch(
        *, lessons: int = 4, start: datetime = START, grace: timedelta = timedelta(hours=6)
    ) -> Harness:
        lessons_dir = write_lessons(tmp_path / "lessons", lessons)
        harness = Harness(
            fake=fake,
            tmp_path=tmp_path,
            lessons_dir=lessons_dir,
            clock=ManualClock(start),
            grace=grace,
            database=bot_database,
        )
        started.append(harness)
        await harness.start()
        await harness.clock.settle()
        return harness

    try:
        yield _launch
    finally:
        for harness in started:
            await harness.stop()


# --- what people see ---------------------------------------------------------------------


def articles(fake: FakeDiscord, channel: Channel) -> list[str]:
    """Titles of the lesson articles the bot posted in ``channel``, oldest first.

    Every message of the bot's that carries embeds counts, so a duplicate shows up even if it
    never got its thread.
    """
    return [m["embeds"][0].get("title", "") for m in fake.bot_messages(channel) if m.get("embeds")]


def notices(fake: FakeDiscord, channel: Channel) -> list[str]:
    """The bot's plain-text messages in ``channel`` (what it tells the moderators)."""
    return [m["content"] for m in fake.bot_messages(channel) if not m.get("embeds") and m.get("content")]


def discussion(fake: FakeDiscord, channel: Channel) -> list[tuple[str, list[str]]]:
    """Each discussion thread of ``channel``: its name and the bot's messages in it."""
    return [(t.name, [m["content"] for m in fake.bot_messages(t)]) for t in fake.threads(channel)]


async def schedule_list(harness: Harness) -> str:
    result = await harness.fake.slash(harness.fake.moderator, "schedule list")
    assert result.ephemeral
    return result.embeds[0]["description"]


async def set_timezone(harness: Harness, zone: str) -> None:
    result = await harness.fake.slash(harness.fake.moderator, "settings timezone", tz=zone)
    assert zone in (result.content or ""), result.content


def stamp(moment: datetime) -> str:
    """The Discord timestamp markup the bot uses for an instant."""
    return f"<t:{int(moment.timestamp())}:F>"


async def move_to(harness: Harness, when: datetime) -> None:
    await harness.clock.settle(require_participant=False)
    await harness.clock.set(when)


async def expect_post_at(harness: Harness, channel: Channel, when: datetime) -> str:
    """Nothing new one second before ``when``; exactly one new article at ``when``; its title."""
    before = articles(harness.fake, channel)
    await move_to(harness, when - timedelta(seconds=1))
    assert articles(harness.fake, channel) == before, f"posted before {when.isoformat()}"
    await move_to(harness, when)
    after = articles(harness.fake, channel)
    assert len(after) == len(before) + 1, f"expected one post at {when.isoformat()}, got {after}"
    return after[-1]


async def schedule_once(harness: Harness, lesson: str, when: str, channel: Channel | None = None) -> Any:
    fake = harness.fake
    return await fake.slash(
        fake.moderator, "schedule once", lesson=lesson, when=when, channel=channel or fake.text
    )


async def weekly(harness: Harness, weekday: int, time: str, channel: Channel | None = None) -> Any:
    fake = harness.fake
    return await fake.slash(
        fake.moderator, "schedule weekly", weekday=weekday, time=time, channel=channel or fake.text
    )


# --- one-off posts -----------------------------------------------------------------------


@pytest.mark.both_backends
async def test_one_off_posts_at_its_time_and_never_twice(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    reply = await schedule_once(harness, "week-2", "2026-11-26 09:00")
    assert reply.ephemeral
    assert stamp(due) in reply.content and f"<t:{int(due.timestamp())}:R>" in reply.content
    assert "Week 2 lesson" in reply.content and "schedule #1" in reply.content

    assert await expect_post_at(harness, fake.text, due) == "Week 2 lesson"
    [(name, messages)] = discussion(fake, fake.text)
    assert name == "Week 2 lesson"
    assert len(messages) == 1 and "Food for thought" in messages[0] and "week 2 teach" in messages[0]

    await move_to(harness, due + timedelta(days=8))
    await harness.restart()
    await harness.clock.settle()
    await move_to(harness, due + timedelta(days=15))
    assert articles(fake, fake.text) == ["Week 2 lesson"]
    assert len(fake.threads(fake.text)) == 1
    assert "Nothing is scheduled" in await schedule_list(harness)


@pytest.mark.both_backends
async def test_restart_while_waiting_still_posts(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-11-27 18:30")
    await move_to(harness, START + timedelta(hours=20))
    await harness.restart()
    await harness.clock.settle()
    due = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)
    assert await expect_post_at(harness, fake.text, due) == "Week 1 lesson"
    await move_to(harness, due + timedelta(days=2))
    assert articles(fake, fake.text) == ["Week 1 lesson"]


async def test_cancel_stops_a_pending_post_and_autocompletes_it(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-3", "2026-11-26 10:00")

    choices = await fake.autocomplete(fake.moderator, "schedule cancel", focused="id", value="")
    assert [c["value"] for c in choices] == [1]
    assert "Week 3 lesson" in choices[0]["name"]

    reply = await fake.slash(fake.moderator, "schedule cancel", id=1)
    assert reply.ephemeral and "cancelled" in reply.content
    await move_to(harness, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    assert articles(fake, fake.text) == []
    assert "Nothing is scheduled" in await schedule_list(harness)
    assert await fake.autocomplete(fake.moderator, "schedule cancel", focused="id", value="") == []


async def test_cancel_after_the_claim_and_before_the_instant_stops_the_post(launch: Launch) -> None:
    """The post is claimed 200 ms ahead of its instant; a cancel then still stops it."""
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    await move_to(harness, due - timedelta(milliseconds=100))
    reply = await fake.slash(fake.moderator, "schedule cancel", id=1)
    assert reply.content == "Schedule #1 is cancelled; nothing more will be posted by it."
    await move_to(harness, due + timedelta(days=1))
    assert articles(fake, fake.text) == []
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_cancel_while_the_post_is_going_out_says_it_cannot_be_called_back(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    before = len(fake.requests)
    fake.inject("POST", rf"^/channels/{fake.text.id}/messages$", status=None, delay=1.5)  # a slow send
    moving = asyncio.create_task(move_to(harness, due))
    await fake.wait_for_request("POST", rf"^/channels/{fake.text.id}/messages$", after=before)

    reply = await fake.slash(fake.moderator, "schedule cancel", id=1)
    await moving
    assert reply.ephemeral
    assert reply.content == (
        "Schedule #1 is cancelled, but its post due now was already going out and cannot be "
        "called back: delete it if it should not stay. Nothing more will be posted by this schedule."
    )
    assert articles(fake, fake.text) == ["Week 1 lesson"]  # what the moderator was told
    await move_to(harness, due + timedelta(days=1))
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_cancel_autocomplete_lists_schedules_to_moderators_only(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-3", "2026-11-26 10:00")

    assert await fake.autocomplete(fake.member, "schedule cancel", focused="id", value="") == []
    assert await fake.autocomplete(fake.member, "schedule cancel", focused="id", value="1") == []
    moderator_sees = await fake.autocomplete(fake.moderator, "schedule cancel", focused="id", value="")
    assert [c["value"] for c in moderator_sees] == [1]

    # The moderator role counts as much as Manage Server.
    helpers = fake.create_role(fake.guild, "Helpers")
    fake.set_member_roles(fake.member, [helpers])
    await fake.slash(fake.moderator, "settings modrole", role=helpers)
    member_with_role_sees = await fake.autocomplete(fake.member, "schedule cancel", focused="id", value="")
    assert [c["value"] for c in member_with_role_sees] == [1]


# --- weekly posts ------------------------------------------------------------------------


@pytest.mark.both_backends
async def test_weekly_posts_the_queue_in_order_week_after_week(launch: Launch) -> None:
    harness = await launch(lessons=3)
    fake = harness.fake
    reply = await weekly(harness, THURSDAY, "17:00")
    first = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert reply.ephemeral and stamp(first) in reply.content and "Week 1 lesson" in reply.content
    listing = await schedule_list(harness)
    assert "next lesson in the queue" in listing and stamp(first) in listing

    titles = [await expect_post_at(harness, fake.text, first + timedelta(weeks=n)) for n in range(3)]
    assert titles == ["Week 1 lesson", "Week 2 lesson", "Week 3 lesson"]
    assert [name for name, _ in discussion(fake, fake.text)] == titles


async def test_weekly_skips_a_lesson_booked_by_a_one_off(launch: Launch) -> None:
    harness = await launch(lessons=3)
    fake = harness.fake
    booked = await fake.slash(
        fake.moderator, "schedule once", lesson="week-1", when="2026-12-10 18:00", channel=fake.text
    )
    assert booked.ephemeral and "Week 1 lesson" in booked.content
    reply = await weekly(harness, THURSDAY, "17:00")
    assert "First up: **Week 2 lesson**" in reply.content
    first = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert await expect_post_at(harness, fake.text, first) == "Week 2 lesson"
    assert await expect_post_at(harness, fake.text, first + timedelta(weeks=1)) == "Week 3 lesson"
    assert (
        await expect_post_at(harness, fake.text, datetime(2026, 12, 10, 18, 0, tzinfo=UTC)) == "Week 1 lesson"
    )


DST_CASES = {
    # Europe/Berlin goes from CET (UTC+1) to CEST (UTC+2) on Sunday 2027-03-28.
    "spring-berlin": (
        "Europe/Berlin",
        datetime(2027, 3, 20, 12, 0, tzinfo=UTC),
        [(2027, 3, 22, 8), (2027, 3, 29, 7), (2027, 4, 5, 7)],
    ),
    # America/New_York goes from EDT (UTC-4) back to EST (UTC-5) on Sunday 2027-11-07.
    "autumn-new-york": (
        "America/New_York",
        datetime(2027, 10, 28, 12, 0, tzinfo=UTC),
        [(2027, 11, 1, 13), (2027, 11, 8, 14), (2027, 11, 15, 14)],
    ),
}


@pytest.mark.parametrize(("zone", "start", "posts_utc"), DST_CASES.values(), ids=DST_CASES.keys())
async def test_weekly_keeps_the_local_hour_across_a_clock_change(
    launch: Launch, zone: str, start: datetime, posts_utc: list[tuple[int, int, int, int]]
) -> None:
    """Monday 09:00 local stays 09:00 local: the UTC instant moves by the hour the clocks move."""
    harness = await launch(lessons=3, start=start)
    fake = harness.fake
    await set_timezone(harness, zone)
    reply = await weekly(harness, MONDAY, "09:00")
    instants = [datetime(*parts, tzinfo=UTC) for parts in posts_utc]
    assert zone in reply.content and stamp(instants[0]) in reply.content

    for instant in instants:
        await expect_post_at(harness, fake.text, instant)
    assert articles(fake, fake.text) == ["Week 1 lesson", "Week 2 lesson", "Week 3 lesson"]


async def test_empty_queue_is_reported_and_the_schedule_stays(launch: Launch) -> None:
    harness = await launch(lessons=1)
    fake = harness.fake
    await weekly(harness, THURSDAY, "17:00")
    first = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert await expect_post_at(harness, fake.text, first) == "Week 1 lesson"
    assert notices(fake, fake.text) == []

    await move_to(harness, first + timedelta(weeks=1))
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    [notice] = notices(fake, fake.text)
    assert "#1" in notice and "no lesson left" in notice
    assert "every lesson has been posted here." in notice and "one-off" not in notice

    listing = await schedule_list(harness)
    assert stamp(first + timedelta(weeks=2)) in listing  # still pending, next week
    assert "no lesson left" in listing
    assert "failed" not in listing


async def test_an_empty_queue_names_the_lessons_booked_by_one_offs(launch: Launch) -> None:
    """Week 2 is booked for January: the queue is empty after week 1, though not all is posted."""
    harness = await launch(lessons=2)
    fake = harness.fake
    booked = await schedule_once(harness, "week-2", "2027-01-14 18:00")
    assert booked.ephemeral and "Week 2 lesson" in booked.content
    await weekly(harness, THURSDAY, "17:00")
    first = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert await expect_post_at(harness, fake.text, first) == "Week 1 lesson"

    await move_to(harness, first + timedelta(weeks=1))
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    [notice] = notices(fake, fake.text)
    assert "no lesson left" in notice
    assert "every lesson has been posted here or is booked by a one-off schedule" in notice
    assert "1 lesson waits for its own date" in notice


# --- refusals ----------------------------------------------------------------------------


async def test_time_in_the_past_is_refused_and_nothing_stored(launch: Launch) -> None:
    harness = await launch()
    reply = await schedule_once(harness, "week-1", "2026-11-25 11:59")
    assert reply.ephemeral and "in the past" in reply.content
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_nonexistent_local_time_is_refused(launch: Launch) -> None:
    harness = await launch()
    await set_timezone(harness, "Europe/Berlin")
    reply = await schedule_once(harness, "week-1", "2027-03-28 02:30")
    assert reply.ephemeral
    assert "does not exist in Europe/Berlin" in reply.content and "02:00 to 03:00" in reply.content
    assert "Nothing is scheduled" in await schedule_list(harness)


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("next tuesday", "Use the form YYYY-MM-DD HH:MM"),
        ("2026-12-7 9h", "Use the form YYYY-MM-DD HH:MM"),
        ("2026-02-30 09:00", "is not a date in the calendar"),
        ("2026-12-07 25:00", "is not a time of day"),
    ],
)
async def test_malformed_date_is_refused(launch: Launch, when: str, says: str) -> None:
    harness = await launch()
    reply = await schedule_once(harness, "week-1", when)
    assert reply.ephemeral and says in reply.content
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_unknown_lesson_is_refused(launch: Launch) -> None:
    harness = await launch()
    reply = await schedule_once(harness, "week-99", "2026-12-01 09:00")
    assert reply.ephemeral and "There is no lesson called “week-99”" in reply.content
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_member_is_refused_on_every_schedule_command(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-12-01 09:00")
    attempts = [
        ("schedule once", {"lesson": "week-2", "when": "2026-12-02 09:00", "channel": fake.text}),
        ("schedule weekly", {"weekday": MONDAY, "time": "09:00", "channel": fake.text}),
        ("schedule list", {}),
        ("schedule cancel", {"id": 1}),
    ]
    for command, options in attempts:
        reply = await fake.slash(fake.member, command, **options)
        assert reply.ephemeral, command
        assert reply.content.startswith("Only moderators can do that"), (command, reply.content)
    listing = await schedule_list(harness)
    assert "#1" in listing and "#2" not in listing
    await move_to(harness, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert articles(fake, fake.text) == ["Week 1 lesson"]


async def test_missing_bot_permission_is_refused_at_scheduling_time(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    fake.set_bot_permissions(fake.guild, deny=perm.CREATE_PUBLIC_THREADS)
    await fake.wait_until(
        lambda: (
            not harness.bot.get_channel(fake.text.id)
            .permissions_for(harness.bot.get_guild(fake.guild.id).me)
            .create_public_threads
        )
    )
    once = await schedule_once(harness, "week-1", "2026-12-01 09:00")
    every_week = await weekly(harness, MONDAY, "09:00")
    for reply in (once, every_week):
        assert reply.ephemeral
        assert "I can't post in" in reply.content and "Create Public Threads" in reply.content
    assert "Nothing is scheduled" in await schedule_list(harness)


# --- restarts, crashes, Discord trouble --------------------------------------------------


@pytest.mark.both_backends
async def test_missed_post_within_grace_is_sent_late_after_restart(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-11-25 14:00")
    await harness.stop()
    await move_to(harness, datetime(2026, 11, 25, 19, 0, tzinfo=UTC))  # 5 h late, grace 6 h
    await harness.start()
    await harness.clock.settle()
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_a_server_in_a_discord_outage_is_retried_not_failed(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-11-25 14:00")
    await harness.stop()
    fake.start_outage(fake.guild)  # the bot comes back while Discord cannot serve the server
    await move_to(harness, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    await harness.start()
    await harness.clock.settle()
    assert articles(fake, fake.text) == []
    assert harness.store is not None
    schedule = await harness.store.schedules.get(1)
    assert schedule is not None and schedule.state == "pending"  # not "failed: the channel was deleted"

    fake.end_outage(fake.guild)
    await fake.wait_until(lambda: not harness.bot.get_guild(fake.guild.id).unavailable)
    await harness.clock.advance(timedelta(seconds=5))  # the dispatcher's first retry
    assert articles(fake, fake.text) == ["Week 1 lesson"]


async def test_missed_post_beyond_grace_is_marked_missed_and_listed(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-11-25 14:00")
    await harness.stop()
    await move_to(harness, datetime(2026, 11, 25, 21, 0, tzinfo=UTC))  # 7 h late, grace 6 h
    await harness.start()
    await harness.clock.settle()
    await move_to(harness, datetime(2026, 11, 26, 21, 0, tzinfo=UTC))
    assert articles(fake, fake.text) == []
    listing = await schedule_list(harness)
    assert "#1" in listing and "**missed**" in listing
    assert "Missed at 2026-11-25 14:00 UTC: the bot was offline." in listing


async def test_weekly_missed_beyond_grace_goes_on_next_week(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await weekly(harness, THURSDAY, "17:00")
    await harness.stop()
    first = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    await move_to(harness, first + timedelta(hours=8))
    await harness.start()
    await harness.clock.settle()
    listing = await schedule_list(harness)
    assert "Missed at 2026-11-26 17:00" in listing and stamp(first + timedelta(weeks=1)) in listing
    assert await expect_post_at(harness, fake.text, first + timedelta(weeks=1)) == "Week 1 lesson"


async def _crash_when_reached(harness: Harness, reached: asyncio.Event, due: datetime) -> None:
    """Move time to ``due``; when the post reaches the frozen point (``reached`` is set), stop
    the bot there as a crash would: nothing more reaches the database."""
    await harness.clock.settle()
    mover = asyncio.create_task(harness.clock.set(due))
    try:
        await asyncio.wait_for(reached.wait(), timeout=5)
    finally:
        mover.cancel()
        await asyncio.gather(mover, return_exceptions=True)
    await harness.stop()


async def _crash_before_the_post_is_recorded(harness: Harness, due: datetime) -> None:
    """The store the bot was handed never records the post: the process died just before."""
    assert harness.seams is not None
    await _crash_when_reached(harness, harness.seams.hang("posts", "record"), due)


async def _crash_in_discord_call(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, due: datetime, target: str, what: Any
) -> None:
    """The process dies inside ``what.target`` (a discord.py call), after Discord accepted the
    requests before it."""
    reached = asyncio.Event()

    async def frozen(*args: object, **kwargs: object) -> None:
        reached.set()
        await asyncio.Event().wait()  # the process is gone; this never returns

    with monkeypatch.context() as patch:
        patch.setattr(what, target, frozen)
        await _crash_when_reached(harness, reached, due)


@pytest.mark.both_backends
async def test_crash_between_send_and_record_does_not_double_post(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    # Discord accepted the article, opened its thread and took the question; then the process
    # died before the post was written to the database.
    await _crash_before_the_post_is_recorded(harness, due)
    assert articles(fake, fake.text) == ["Week 1 lesson"]

    await harness.clock.set(due + timedelta(minutes=1))
    await harness.start()
    await harness.clock.settle()
    await move_to(harness, due + timedelta(days=1))
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    [(name, messages)] = discussion(fake, fake.text)
    assert name == "Week 1 lesson" and len(messages) == 1
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_crash_after_article_before_thread_completes_once_after_restart(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:

    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await weekly(harness, THURSDAY, "09:00")
    await _crash_in_discord_call(harness, monkeypatch, due, "create_thread", discord.Message)
    assert articles(fake, fake.text) == ["Week 1 lesson"] and fake.threads(fake.text) == []

    await harness.start()
    await harness.clock.settle()
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    [(name, messages)] = discussion(fake, fake.text)
    assert name == "Week 1 lesson" and len(messages) == 1
    # The queue moved on: next week is week 2, not week 1 again.
    assert await expect_post_at(harness, fake.text, due + timedelta(weeks=1)) == "Week 2 lesson"


async def test_rate_limit_while_posting_is_ridden_out_and_posted_once(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    # One 429 on the article: discord.py waits and retries by itself. Five on the thread's
    # question: discord.py gives up, and the dispatcher tries again 5 s later on its own clock.
    fake.inject("POST", rf"/channels/{fake.text.id}/messages$", 429, times=1, retry_after=0.01)
    fault = fake.inject("POST", rf"/channels/(?!{fake.text.id})\d+/messages$", 429, times=5, retry_after=0.01)
    await move_to(harness, due)
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    assert discussion(fake, fake.text) == [("Week 1 lesson", [])]
    await move_to(harness, due + timedelta(seconds=5))
    assert fault.exhausted
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    [(_name, messages)] = discussion(fake, fake.text)
    assert len(messages) == 1 and "Food for thought" in messages[0]
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_deleted_channel_fails_the_schedule_with_the_reason(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await fake.slash(fake.moderator, "settings channel", channel=fake.text)  # the lesson channel
    doomed = fake.create_text_channel(fake.guild, "doomed")
    await fake.wait_until(lambda: harness.bot.get_channel(doomed.id) is not None)
    await schedule_once(harness, "week-1", "2026-11-26 09:00", channel=doomed)
    fake.delete_channel(doomed)
    await fake.wait_until(lambda: harness.bot.get_channel(doomed.id) is None)
    await move_to(harness, datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    assert articles(fake, doomed) == [] and articles(fake, fake.text) == []
    listing = await schedule_list(harness)
    assert "#1" in listing and "**failed**" in listing
    assert "The channel was deleted" in listing
    [notice] = notices(fake, fake.text)  # the moderators are told in the lesson channel
    assert "Schedule #1 could not post" in notice and "The channel was deleted" in notice
    # ... and the moderator who made the schedule is pinged, nobody else.
    assert notice.startswith(f"<@{fake.moderator.id}> ")
    [sent] = [r for r in fake.requests_matching("POST", rf"/channels/{fake.text.id}/messages$")]
    assert sent.json["allowed_mentions"]["parse"] == []
    assert [int(user) for user in sent.json["allowed_mentions"]["users"]] == [fake.moderator.id]
    # A failed schedule is offered by cancel's autocomplete; cancelling clears it from the list.
    [choice] = await fake.autocomplete(fake.moderator, "schedule cancel", focused="id", value="#1")
    assert choice["value"] == 1 and "failed" in choice["name"]
    await fake.slash(fake.moderator, "schedule cancel", id=1)
    assert "Nothing is scheduled" in await schedule_list(harness)


async def test_lost_permission_at_posting_time_fails_and_tells_the_moderators(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    fake.set_bot_permissions(fake.guild, deny=perm.CREATE_PUBLIC_THREADS)
    await move_to(harness, datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    assert articles(fake, fake.text) == []
    [notice] = notices(fake, fake.text)
    assert "Schedule #1 could not post" in notice and "Create Public Threads" in notice
    listing = await schedule_list(harness)
    assert "**failed**" in listing and "Create Public Threads" in listing


async def test_crash_and_late_restart_after_discord_forgot_the_nonce_does_not_double_post(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    await _crash_before_the_post_is_recorded(harness, due)
    # The bot comes back an hour later (within the 6 h grace); Discord dedupes a nonce for a
    # few minutes only, so it no longer recognises the article's nonce.
    fake.advance(3600)
    await harness.clock.set(due + timedelta(hours=1))
    await harness.start()
    await harness.clock.settle()
    await move_to(harness, due + timedelta(days=1))
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    [(name, messages)] = discussion(fake, fake.text)
    assert name == "Week 1 lesson" and len(messages) == 1


async def test_empty_queue_schedule_posts_again_once_lessons_are_added(launch: Launch) -> None:
    harness = await launch(lessons=1)
    fake = harness.fake
    await weekly(harness, THURSDAY, "17:00")
    first = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    await move_to(harness, first + timedelta(weeks=1))
    assert len(notices(fake, fake.text)) == 1
    write_lessons(harness.lessons_dir, 2)  # a maintainer adds week 2
    assert harness.bot is not None and await harness.bot.reload_content()
    assert await expect_post_at(harness, fake.text, first + timedelta(weeks=2)) == "Week 2 lesson"
    assert "no lesson left" not in await schedule_list(harness)


async def test_sooner_schedule_added_while_waiting_posts_first(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-12-10 09:00")
    await move_to(harness, START + timedelta(hours=1))
    await schedule_once(harness, "week-2", "2026-11-26 09:00")
    assert await expect_post_at(harness, fake.text, datetime(2026, 11, 26, 9, 0, tzinfo=UTC)) == (
        "Week 2 lesson"
    )
    assert await expect_post_at(harness, fake.text, datetime(2026, 12, 10, 9, 0, tzinfo=UTC)) == (
        "Week 1 lesson"
    )


async def test_scheduled_post_in_a_forum_opens_a_forum_post(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await schedule_once(harness, "week-1", "2026-11-26 09:00", channel=fake.forum)
    await move_to(harness, datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    [post] = fake.threads(fake.forum)
    assert post.name == "Week 1 lesson"
    messages = fake.bot_messages(post)
    assert messages[0]["embeds"][0]["title"] == "Week 1 lesson"
    assert "Food for thought" in messages[-1]["content"]
    await move_to(harness, datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    assert len(fake.threads(fake.forum)) == 1


async def test_repeated_local_hour_takes_the_first_and_says_so(launch: Launch) -> None:
    # 2027-10-31 02:30 happens twice in Europe/Berlin: first in CEST (00:30Z), then CET (01:30Z).
    harness = await launch()
    fake = harness.fake
    await set_timezone(harness, "Europe/Berlin")
    reply = await schedule_once(harness, "week-1", "2027-10-31 02:30")
    first = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert stamp(first) in reply.content and "happens twice" in reply.content
    assert await expect_post_at(harness, fake.text, first) == "Week 1 lesson"


async def test_two_weekly_schedules_due_together_post_different_lessons(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    await weekly(harness, THURSDAY, "17:00")
    await weekly(harness, THURSDAY, "17:00", channel=fake.forum)
    await move_to(harness, datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    posted = articles(fake, fake.text) + [t.name for t in fake.threads(fake.forum)]
    assert sorted(posted) == ["Week 1 lesson", "Week 2 lesson"]


async def test_restart_just_after_the_claim_posts_at_the_instant_not_before(launch: Launch) -> None:
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    await move_to(harness, due - timedelta(milliseconds=100))  # claimed 200 ms ahead
    await harness.restart()
    await harness.clock.settle()
    assert articles(fake, fake.text) == []
    await move_to(harness, due)
    assert articles(fake, fake.text) == ["Week 1 lesson"]
    await move_to(harness, due + timedelta(days=1))
    assert articles(fake, fake.text) == ["Week 1 lesson"]


async def test_replies_in_the_thread_of_a_post_cut_off_by_a_crash_are_kept(launch: Launch) -> None:
    """The process died after opening the thread and before recording the post: nobody collected
    the replies written meanwhile, and the resumed post finds the thread already there."""
    harness = await launch()
    fake = harness.fake
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    await _crash_before_the_post_is_recorded(harness, due)
    [thread] = fake.threads(fake.text)
    fake.offline_messages(fake.member, thread, ["Answered while the bot was down."])

    await harness.clock.set(due + timedelta(minutes=1))
    await harness.start()
    await harness.clock.settle()
    assert harness.store is not None
    stored: list[str] = []
    for _ in range(100):  # the backfill runs beside the clock
        await harness.flush()
        stored = [r.content for r in await harness.store.replies.for_thread(thread.id)]
        if stored:
            break
        await asyncio.sleep(0.05)
    assert stored == ["Answered while the bot was down."]
    assert articles(fake, fake.text) == ["Week 1 lesson"]


async def test_a_scheduled_post_whose_record_keeps_failing_is_not_posted_again(
    launch: Launch,
) -> None:
    harness = await launch()
    fake = harness.fake
    assert harness.bot is not None and harness.seams is not None
    harness.bot.record_retry_delays = (0.01, 0.01)
    due = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await schedule_once(harness, "week-1", "2026-11-26 09:00")
    await fake.slash(fake.moderator, "schedule weekly", weekday=3, time="10:00", channel=fake.text)
    harness.seams.fail("posts", "record", sqlite3.OperationalError("database is locked"))

    await move_to(harness, due)

    assert articles(fake, fake.text) == ["Week 1 lesson"]
    [notice] = notices(fake, fake.text)
    assert "posted **Week 1 lesson**" in notice
    assert notice.endswith(
        "but my database could not record it just now: I keep trying, and it will not be posted again."
    )
    harness.seams.heal("posts", "record")
    await until_recorded(harness, 1)
    # The weekly queue knows: at 10:00 the weekly schedule brings the next lesson, not this one.
    await move_to(harness, due + timedelta(hours=1))
    assert articles(fake, fake.text) == ["Week 1 lesson", "Week 2 lesson"]
