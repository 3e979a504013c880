"""The weekly rhythm end to end: a discussion's reminder, its digest and close, over the fake
Discord with the test's clock (issue 12, items 2, 4 and 6).

Each scene posts small lessons (``week-1`` ... ``week-N``) with /post or a schedule, has
members reply and react in the thread, moves the ManualClock and reads what people see: the
reminder and the digest in the thread, the thread locked and archived, the moderators' notices.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime, timedelta
from typing import Any, Protocol

import pytest

from tests.e2e.conftest import START, Harness
from tests.e2e.test_scheduling import notices, write_lessons
from tests.fakediscord import permissions as perm
from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.mentions import Pings
from tests.fakediscord.models import Channel

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


class Launch(Protocol):
    def __call__(self, *, lessons: int = 4) -> Awaitable[Harness]: ...


@pytest.fixture
async def launch(fake: FakeDiscord, tmp_path, bot_database: str) -> AsyncIterator[Launch]:
    fake.setup_study_guild()
    started: list[Harness] = []

    async def _launch(*, lessons: int = 4) -> Harness:
        harness = Harness(
            fake=fake,
            tmp_path=tmp_path,
            lessons_dir=write_lessons(tmp_path / "lessons", lessons),
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


# --- acting and reading --------------------------------------------------------------------------


async def post(harness: Harness, week: int, channel: Channel | None = None) -> Channel:
    """/post week-N now; its discussion thread."""
    fake = harness.fake
    result = await fake.slash(fake.moderator, "post", lesson=f"week-{week}", channel=channel or fake.text)
    assert "Posted" in (result.content or ""), result.content
    await harness.clock.settle()  # the dispatcher has read the new jobs
    return [t for t in fake.threads(channel or fake.text) if t.name == f"Week {week} lesson"][-1]


async def reply(harness: Harness, member: Any, thread: Channel, text: str, *, after: timedelta) -> dict:
    """A member's reply, written ``after`` the clock's now (its id encodes that time)."""
    return await harness.fake.say(member, text, thread=thread, at=harness.clock.now() + after)


async def stored(harness: Harness) -> None:
    """Every reply written so far is in the database: an interaction after them on the same
    gateway connection proves the bot has handled them, then the writer is flushed."""
    await harness.fake.slash(harness.fake.member, "lesson list")
    await harness.flush()


def embeds_titled(fake: FakeDiscord, thread: Channel, prefix: str) -> list[dict[str, Any]]:
    """The bot's messages in ``thread`` whose embed title starts with ``prefix``."""
    return [
        m
        for m in fake.bot_messages(thread)
        if m.get("embeds") and m["embeds"][0].get("title", "").startswith(prefix)
    ]


def reminders(fake: FakeDiscord, thread: Channel) -> list[dict[str, Any]]:
    return embeds_titled(fake, thread, "Reminder:")


def digests(fake: FakeDiscord, thread: Channel) -> list[dict[str, Any]]:
    return embeds_titled(fake, thread, "Discussion closed:")


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


def timestamp(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}:F>"


# --- the week, start to end --------------------------------------------------------------------


@pytest.mark.both_backends
async def test_a_discussion_is_reminded_a_day_before_its_end_then_digested_and_closed(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    thread = await post(harness, 1)
    article = fake.bot_messages(fake.text)[0]
    await reply(harness, fake.member, thread, "Week one taught me patience.", after=HOUR)
    await reply(harness, fake.moderator, thread, "And me chips.", after=2 * HOUR)
    await stored(harness)

    await clock.advance(6 * DAY - HOUR)
    assert reminders(fake, thread) == []
    await clock.advance(HOUR)
    [reminder] = reminders(fake, thread)
    embed = reminder["embeds"][0]
    assert embed["title"] == "Reminder: Week 1 lesson"
    assert "What did week 1 teach you?" in embed["description"]
    assert "So far: 2 replies from 2 participants." in embed["description"]
    article_link = f"https://discord.com/channels/{fake.guild.id}/{fake.text.id}/{article['id']}"
    assert f"[Read the article]({article_link})" in embed["description"]
    assert timestamp(START + WEEK) in embed["description"]
    assert not (thread.locked or thread.archived)

    await clock.advance(DAY - HOUR)
    assert digests(fake, thread) == [] and not thread.locked
    await clock.advance(HOUR)
    [digest] = digests(fake, thread)
    embed = digest["embeds"][0]
    assert embed["title"] == "Discussion closed: Week 1 lesson"
    assert (field(embed, "Replies"), field(embed, "Participants")) == ("2", "2")
    assert field(embed, "Next lesson") == "none scheduled"
    assert thread.locked and thread.archived
    assert fake.bot_messages(thread)[-1] is digest  # the digest came before the lock
    for message in (reminder, digest):
        assert fake.pings(message) == Pings()
    assert len(reminders(fake, thread)) == 1


async def test_no_one_is_pinged_by_the_reminder_or_the_digest(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    role = fake.create_role(fake.guild, "Students", mentionable=True)
    thread = await post(harness, 1)
    # A member named like a ping and a reply mentioning everyone: the digest quotes names as text.
    loud = fake.create_member(fake.guild, "@everyone", nick=f"<@&{role.id}>")
    first = await reply(harness, loud, thread, f"@everyone <@&{role.id}> look", after=HOUR)
    await fake.react(fake.member, first, "🔥")
    await stored(harness)
    await clock.advance(WEEK)
    sent = [m for m in fake.bot_messages(thread) if m.get("embeds")]  # the question is plain text
    assert len(sent) == 2
    for message in sent:
        assert fake.pings(message) == Pings(), message
    payloads = [
        r.json
        for r in fake.requests_matching("POST", rf"^/channels/{thread.id}/messages$")
        if r.json and r.json.get("embeds")
    ]
    assert len(payloads) == 2
    for body in payloads:
        assert body["allowed_mentions"] == {"parse": []}


async def test_the_next_post_in_the_channel_closes_the_open_discussion_early(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    first = await post(harness, 1)
    await reply(harness, fake.member, first, "Early thoughts.", after=HOUR)
    await stored(harness)
    await clock.advance(2 * DAY)
    second = await post(harness, 2)

    [digest] = digests(fake, first)
    embed = digest["embeds"][0]
    assert field(embed, "Replies") == "1"
    assert field(embed, "Next lesson") == f"{timestamp(START + 2 * DAY)}: Week 2 lesson"
    assert first.locked and first.archived
    assert not (second.locked or second.archived)

    await clock.advance(WEEK)  # the first discussion's reminder and close never come again
    assert reminders(fake, first) == [] and len(digests(fake, first)) == 1
    assert len(reminders(fake, second)) == 1 and len(digests(fake, second)) == 1


async def test_a_post_in_another_channel_leaves_the_discussion_open(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    first = await post(harness, 1)
    await clock.advance(DAY)
    await post(harness, 2, channel=fake.forum)
    assert digests(fake, first) == [] and not first.locked
    await clock.advance(6 * DAY)
    assert len(digests(fake, first)) == 1 and first.locked


@pytest.mark.both_backends
async def test_a_restart_between_the_reminder_and_the_close(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    thread = await post(harness, 1)
    await clock.advance(6 * DAY + HOUR)
    assert len(reminders(fake, thread)) == 1
    await harness.restart()
    await clock.settle()
    await reply(harness, fake.member, thread, "Written after the restart.", after=HOUR)
    await stored(harness)
    await clock.advance(DAY)
    assert len(reminders(fake, thread)) == 1  # not sent again by the new process
    [digest] = digests(fake, thread)
    assert field(digest["embeds"][0], "Replies") == "1"
    assert thread.locked and thread.archived


@pytest.mark.both_backends
async def test_a_close_missed_during_an_outage_still_closes_late_and_the_reminder_is_skipped(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    thread = await post(harness, 1)
    await reply(harness, fake.member, thread, "Said before the outage.", after=HOUR)
    await stored(harness)
    await harness.stop()
    await clock.set(START + WEEK + 10 * HOUR)  # both jobs fell due while the bot was down
    await harness.start()
    await clock.settle()
    assert reminders(fake, thread) == []
    [digest] = digests(fake, thread)
    assert field(digest["embeds"][0], "Replies") == "1"
    assert thread.locked and thread.archived
    await clock.advance(WEEK)
    assert len(digests(fake, thread)) == 1


async def test_without_manage_threads_the_digest_goes_and_the_moderators_are_told(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    thread = await post(harness, 1)
    fake.set_bot_permissions(fake.guild, deny=perm.MANAGE_THREADS)
    await clock.advance(WEEK)
    assert len(digests(fake, thread)) == 1
    assert thread.archived and not thread.locked  # archived as its owner may; not locked
    [notice] = [n for n in notices(fake, fake.text) if "Manage Threads" in n]
    assert notice.startswith(f"<@{fake.moderator.id}> The discussion of **Week 1 lesson** is over")
    assert "members can reopen it by replying" in notice


# --- the digest's figures ------------------------------------------------------------------------


async def test_the_digest_counts_a_scripted_discussion_and_links_the_most_reacted_replies(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    ada, ben, cy, dee = (fake.create_member(fake.guild, name) for name in ("Ada", "Ben", "Cy", "Dee"))

    # Week 1: Ada and Ben take part (their first time).
    week1 = await post(harness, 1)
    await reply(harness, ada, week1, "First!", after=HOUR)
    await reply(harness, ben, week1, "Me too.", after=2 * HOUR)
    await clock.advance(WEEK)

    # Week 2: Ada again; Cy and Dee for the first time; reactions on three replies, one on none.
    week2 = await post(harness, 2)
    a = await reply(harness, ada, week2, "Chips are the bottleneck.", after=HOUR)
    c = await reply(harness, cy, week2, "Energy is.", after=2 * HOUR)
    d = await reply(harness, dee, week2, "Talent is.", after=3 * HOUR)
    a2 = await reply(harness, ada, week2, "Also energy.", after=4 * HOUR)
    await reply(harness, cy, week2, "Agreed.", after=5 * HOUR)
    for member, message, emoji in [
        (ben, c, "👍"),
        (dee, c, "🔥"),
        (ada, c, "👍"),
        (ben, d, "👍"),
        (cy, d, "🎉"),
        (cy, a, "👍"),
        (fake.member, a2, "👍"),
    ]:
        await fake.react(member, message, emoji)
    await stored(harness)
    # One more week: a schedule for week 3 names the next lesson.
    when = (START + 2 * WEEK + 2 * DAY).strftime("%Y-%m-%d %H:%M")
    scheduled = await fake.slash(
        fake.moderator, "schedule once", lesson="week-3", when=when, channel=fake.text
    )
    assert "Scheduled" in (scheduled.content or "")
    await clock.settle()
    await clock.advance(WEEK)

    [digest] = digests(fake, week2)
    embed = digest["embeds"][0]
    assert field(embed, "Replies") == "5"
    assert field(embed, "Participants") == "3"
    assert field(embed, "First-time participants") == "2: welcome Cy, Dee"
    top = field(embed, "Most-reacted replies").splitlines()
    link = f"https://discord.com/channels/{fake.guild.id}/{week2.id}/{{}}"
    assert top == [
        f"1. Cy · 3 reactions · [jump to the reply]({link.format(c['id'])})",
        f"2. Dee · 2 reactions · [jump to the reply]({link.format(d['id'])})",
        f"3. Ada · 1 reaction · [jump to the reply]({link.format(a['id'])})",
    ]
    assert field(embed, "Next lesson") == f"{timestamp(START + 2 * WEEK + 2 * DAY)}: Week 3 lesson"


# --- the window setting ------------------------------------------------------------------------------


async def test_changing_the_window_applies_to_discussions_opened_afterwards(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    first = await post(harness, 1, channel=fake.forum)
    result = await fake.slash(fake.moderator, "settings discussion", days=3, reminder_hours=0)
    assert result.ephemeral
    assert result.content == (
        "Discussions will stay open 3 days, no reminder. This applies to lessons posted from now on; "
        "the discussions already open keep their window."
    )
    shown = await fake.slash(fake.moderator, "settings show")
    assert field(shown.embeds[0], "Discussion window") == "open 3 days, no reminder"
    second = await post(harness, 2)
    await clock.advance(3 * DAY)
    assert len(digests(fake, second)) == 1 and reminders(fake, second) == []
    assert digests(fake, first) == []  # still the week it was opened with
    await clock.advance(4 * DAY)
    assert len(digests(fake, first)) == 1 and len(reminders(fake, first)) == 1


async def test_a_reminder_that_would_come_before_the_opening_is_refused(launch):
    harness = await launch()
    fake = harness.fake
    result = await fake.slash(fake.moderator, "settings discussion", days=1, reminder_hours=30)
    assert result.ephemeral
    assert re.fullmatch(r"A reminder 30 hours before the end would come before .*\.", result.content or "")
    shown = await fake.slash(fake.moderator, "settings show")
    assert field(shown.embeds[0], "Discussion window") == (
        "open 7 days, reminded 24 hours before the end (the default)"
    )
    refused = await fake.slash(fake.member, "settings discussion", days=2)
    assert refused.ephemeral and "moderator" in (refused.content or "").lower()


async def test_a_close_cut_off_before_its_outcome_is_recorded_posts_one_digest(launch):
    """The digest went out and the thread was closed, then the bot died before recording it: the
    restarted bot resumes the claim, finds its digest in the thread, and sends no second one."""
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    thread = await post(harness, 1)
    await clock.advance(6 * DAY + HOUR)
    assert harness.seams is not None
    harness.seams.fail("schedules", "complete_many", RuntimeError("database gone"), times=1)
    await clock.advance(DAY)
    assert len(digests(fake, thread)) == 1 and thread.locked and thread.archived
    await harness.restart()
    await clock.settle()
    await clock.advance(HOUR)
    assert len(digests(fake, thread)) == 1
    assert thread.locked and thread.archived
    assert harness.store is not None
    jobs = [await harness.store.schedules.get(i) for i in range(1, 10)]
    closes = [j for j in jobs if j is not None and j.kind == "close"]
    assert [(j.state, j.next_run) for j in closes] == [("done", None)]


async def test_a_close_due_with_the_next_weekly_post_names_that_post(launch):
    """Default settings and a weekly schedule at the posting time: the close and the next post
    fall due at the same instant. The post goes first, so the digest names it."""
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    first = await post(harness, 1)  # Wednesday 12:00 UTC; its discussion closes a week later
    result = await fake.slash(fake.moderator, "schedule weekly", weekday=2, time="12:00", channel=fake.text)
    assert "Every Wednesday at 12:00" in (result.content or ""), result.content
    await clock.settle()
    await clock.advance(WEEK)
    [digest] = digests(fake, first)
    assert field(digest["embeds"][0], "Next lesson") == f"{timestamp(START + WEEK)}: Week 2 lesson"
    assert first.locked and first.archived
    second = [t for t in fake.threads(fake.text) if t.name == "Week 2 lesson"]
    assert len(second) == 1 and not second[0].locked
