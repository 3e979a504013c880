"""A start reads only the threads that changed, and forgets what is gone (issue 10, item 5).

Discord says each thread's newest message (``last_message_id``) in the server's active threads
and in a channel's archived-threads list; the bot reads the history of a thread only when that is
past where it had read to. Threads of a server the bot left, or deleted threads, are forgotten
with their data and never asked about again: a request Discord refuses counts toward its ban of
10,000 invalid requests per 10 minutes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store import open_store
from bot.store.rows import NewOnce, NewPost, Reply, ReplyChanges
from tests.e2e.conftest import Harness
from tests.e2e.test_discussion import post_lesson, seen, stored_contents
from tests.fakediscord import FakeDiscord
from tests.fakediscord import permissions as perm

THREADS = 1_000
CHANGED = 10
CHANNELS = 5
POSTED = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)


async def backfill_done(harness: Harness) -> None:
    await harness.fake.wait_until(
        lambda: not [t for t in asyncio.all_tasks() if t.get_name() == "backfill"], timeout=30
    )
    await harness.flush()


def bot_says(fake: FakeDiscord, thread: Any, text: str) -> dict[str, Any]:
    """The bot's own message in a thread (a question, a digest), written before this start."""
    guild = fake.guilds[thread.guild_id]
    message = fake.build_message(thread, fake.bot_member(guild), {"content": text})
    return fake.add_message(thread, message, dispatch=False)


def reply_of(message: dict[str, Any], thread: Any) -> Reply:
    return Reply(
        message_id=int(message["id"]),
        thread_id=thread.id,
        guild_id=thread.guild_id,
        author_id=int(message["author"]["id"]),
        author_name=message["author"]["username"],
        content=message["content"],
        attachments=(),
        created_at=datetime.fromisoformat(message["timestamp"]),
    )


@pytest.fixture
async def years_of_lessons(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[tuple[Harness, list[Any]]]:
    """1,000 lesson threads over five channels, as a bot that ran for years recorded them: each
    with a member's reply and the bot's digest after it, read to the end; all but the last ten
    archived. The bot is not started."""
    fake.setup_study_guild()
    channels = [fake.create_text_channel(fake.guild, f"group-{i}") for i in range(CHANNELS)]
    harness = Harness(fake=fake, tmp_path=tmp_path)
    store = await open_store(harness.database_url)
    threads = []
    changes = ReplyChanges(upserts=[], read_up_to={})
    try:
        for i in range(THREADS):
            channel = channels[i % CHANNELS]
            thread = fake.open_thread(channel, f"Week {i}", fake.bot_user, dispatch=False)
            [answer] = fake.offline_messages(fake.member, thread, [f"answer {i}"])
            digest = bot_says(fake, thread, f"Digest of week {i}.")
            if i < THREADS - 10:
                thread.archived = True
                thread.archive_timestamp = POSTED + timedelta(days=7 + i)
            threads.append(thread)
            posted_at = POSTED + timedelta(days=i)
            await store.posts.record(
                NewPost(fake.guild.id, channel.id, thread.id, thread.id, f"lesson-{i}", posted_at)
            )
            changes.upserts.append(reply_of(answer, thread))  # type: ignore[attr-defined]
            changes.read_up_to[thread.id] = int(digest["id"])  # type: ignore[index]
        await store.replies.apply([changes])
    finally:
        await store.close()
    yield harness, threads
    await harness.stop()


async def test_a_restart_with_1000_recorded_threads_of_which_10_changed_costs_a_few_dozen_requests(
    years_of_lessons,
):
    harness, threads = years_of_lessons
    fake = harness.fake
    # While the bot is down, members answer in ten threads: five archived ones (a message reopens
    # a thread; these were archived again since) and five of the active ones.
    changed = [*threads[100:600:100], *threads[-5:]]
    for thread in changed:
        fake.offline_messages(fake.member, thread, [f"late answer in {thread.name}"])
    for thread in changed[:5]:
        await fake.archive_thread(thread)

    before = len(fake.requests)
    await harness.start()
    await backfill_done(harness)
    made = fake.requests[before:]

    stored = await stored_contents(harness)
    assert [text for text in stored if text.startswith("late answer")] == [
        f"late answer in {thread.name}" for thread in changed
    ]
    assert len(stored) == THREADS + CHANGED
    histories = {r.path for r in made if r.method == "GET" and r.path.endswith("/messages")}
    assert histories == {f"/channels/{thread.id}/messages" for thread in changed}
    kinds = Counter(f"{r.method} {r.path.split('/')[1]}/{r.path.split('/')[-1]}" for r in made)
    assert len(made) <= 40, kinds


async def test_a_second_start_with_nothing_new_reads_no_history(years_of_lessons):
    harness, threads = years_of_lessons
    fake = harness.fake
    await harness.start()
    await backfill_done(harness)
    await fake.say(fake.member, "live, while the bot listens", thread=threads[-1])
    assert "live, while the bot listens" in await seen(harness)
    before = len(fake.requests)
    await harness.restart()
    await backfill_done(harness)
    reads = [r for r in fake.requests[before:] if r.path.endswith("/messages")]
    assert reads == []


# ---------------------------------------------------------------------------------------- leaving
def about(path: str, *channels: Any) -> bool:
    """Whether a request path names one of these channels (or threads)."""
    return any(f"/{channel.id}" in path for channel in channels)



async def fill_server(harness: Harness) -> Any:
    """A posted lesson with a reply, a pending schedule and a setting; returns the thread."""
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Chips are the bottleneck.", thread=thread)
    await fake.slash(fake.moderator, "settings timezone", tz="Europe/Berlin")  # after the reply
    assert harness.store is not None
    await harness.store.schedules.create_once(
        NewOnce(fake.guild.id, fake.text.id, "lesson-a", datetime(2027, 1, 1, tzinfo=UTC), "UTC", 1, POSTED)
    )
    assert await stored_contents(harness) == ["Chips are the bottleneck."]
    return thread


async def nothing_kept(harness: Harness, guild_id: int) -> bool:
    store = harness.store
    assert store is not None
    return (
        await store.posts.in_guild(guild_id) == []
        and (await store.replies.stats(guild_id)).replies == 0
        and await store.schedules.listable(guild_id) == []
        and (await store.settings.get(guild_id)).timezone is None
    )


async def test_a_server_that_removes_the_bot_is_forgotten(harness):
    fake = harness.fake
    await fill_server(harness)
    fake.remove_bot(fake.guild)
    for _ in range(50):
        if await nothing_kept(harness, fake.guild.id):
            break
        await asyncio.sleep(0.05)
    assert await nothing_kept(harness, fake.guild.id)


async def test_a_server_left_while_the_bot_was_offline_is_forgotten_without_asking_discord(harness):
    fake = harness.fake
    thread = await fill_server(harness)
    await harness.stop()
    fake.remove_bot(fake.guild)
    before = len(fake.requests)
    await harness.start()
    await backfill_done(harness)
    assert await nothing_kept(harness, fake.guild.id)
    asked = [r.path for r in fake.requests[before:] if about(r.path, thread, fake.text)]
    assert asked == []


async def test_an_outage_is_not_a_departure_and_its_replies_are_read_when_it_ends(harness):
    fake = harness.fake
    thread = await fill_server(harness)
    fake.start_outage(fake.guild)
    fake.offline_messages(fake.member, thread, ["Written during the outage."])
    fake.end_outage(fake.guild)
    await fake.wait_for_request("GET", rf"^/channels/{thread.id}/messages$")
    await backfill_done(harness)
    assert await stored_contents(harness) == ["Chips are the bottleneck.", "Written during the outage."]
    assert len(await harness.store.posts.in_guild(fake.guild.id)) == 1  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------- threads
async def test_a_thread_deleted_while_offline_is_asked_about_once_and_then_never(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Private words.", thread=thread)
    assert await seen(harness) == ["Private words."]
    await harness.stop()
    fake.delete_channel(thread)
    await harness.start()
    await backfill_done(harness)
    assert await stored_contents(harness) == []

    before = len(fake.requests)
    await harness.restart()
    await backfill_done(harness)
    assert [r.path for r in fake.requests[before:] if str(thread.id) in r.path] == []


async def test_threads_of_a_channel_the_bot_may_not_read_cost_no_request(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Kept while the channel is closed to the bot.", thread=thread)
    assert await seen(harness) == ["Kept while the channel is closed to the bot."]
    await harness.stop()
    await fake.archive_thread(thread)
    fake.offline_messages(fake.member, thread, ["Written while the bot may not read."])
    await fake.archive_thread(thread)
    fake.set_channel_overwrite(fake.text, fake.bot_user, deny=perm.READ_MESSAGE_HISTORY)
    before = len(fake.requests)
    await harness.start()
    await backfill_done(harness)
    asked = [r.path for r in fake.requests[before:] if about(r.path, thread, fake.text)]
    assert asked == []
    assert await stored_contents(harness) == ["Kept while the channel is closed to the bot."]

    # Access given back: the next start reads what was missed.
    fake.set_channel_overwrite(fake.text, fake.bot_user)
    await harness.restart()
    await backfill_done(harness)
    assert await stored_contents(harness) == [
        "Kept while the channel is closed to the bot.",
        "Written while the bot may not read.",
    ]
