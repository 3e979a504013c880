"""The Posts contract: recorded lesson posts found by server, lesson, occurrence and thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.rows import NewPost, ShardSet

T0 = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)


async def record(store, guild_id, lesson_id, thread_id, at, **extra):
    return await store.posts.record(
        NewPost(
            guild_id=guild_id,
            channel_id=guild_id * 10,
            message_id=(thread_id or guild_id) - 1,
            thread_id=thread_id,
            lesson_id=lesson_id,
            posted_at=at,
            **extra,
        )
    )


async def test_record_returns_the_stored_post_with_utc_times(store):
    occurrence = datetime(2026, 11, 18, 22, 0, tzinfo=timezone(timedelta(hours=1)))
    post = await record(
        store, 1, "whither-russias-ai-ambition", 1001, T0, schedule_id=4, occurrence=occurrence
    )
    assert post.id > 0
    assert (post.posted_at, post.occurrence, post.schedule_id) == (T0, occurrence, 4)
    assert post.occurrence.tzinfo is UTC
    assert await store.posts.latest(1) == post


async def test_latest_is_per_server(store):
    await record(store, 1, "a", 1001, T0)
    newest = await record(store, 1, "b", 1002, T0 + timedelta(days=7))
    await record(store, 2, "c", 2001, T0 + timedelta(days=14))
    assert await store.posts.latest(1) == newest
    assert await store.posts.latest(3) is None


async def test_latest_breaks_a_tie_by_the_later_record(store):
    await record(store, 1, "a", 1001, T0)
    second = await record(store, 1, "b", 1002, T0)
    assert await store.posts.latest(1) == second


async def test_posts_of_a_lesson_and_of_a_server_oldest_first(store):
    first = await record(store, 1, "a", 1001, T0)
    again = await record(store, 1, "a", 1003, T0 + timedelta(days=30))
    await record(store, 1, "b", 1002, T0 + timedelta(days=7))
    await record(store, 2, "z", 2001, T0)
    assert await store.posts.for_lesson(1, "a") == [first, again]
    assert await store.posts.for_lesson(2, "a") == []
    assert await store.posts.posted_lesson_ids(1) == {"a", "b"}
    assert await store.posts.posted_lesson_ids(3) == set()
    assert [p.lesson_id for p in await store.posts.in_guild(1)] == ["a", "b", "a"]


async def test_with_threads_lists_every_server_or_only_some_shards(store):
    shard0, shard1 = 2 << 22, 1 << 22
    await record(store, shard0, "a", 1001, T0)
    await record(store, shard1, "a", 2001, T0 + timedelta(seconds=1))
    await record(store, 3 << 22, "x", None, T0)  # no thread
    assert [p.thread_id for p in await store.posts.with_threads()] == [1001, 2001]
    assert [p.thread_id for p in await store.posts.with_threads(shards=ShardSet.of(2, {1}))] == [2001]


async def test_two_posts_never_share_a_thread(store):
    await record(store, 1, "a", 1001, T0)
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own integrity error
        await record(store, 1, "b", 1001, T0)
    assert [p.lesson_id for p in await store.posts.in_guild(1)] == ["a"]


async def test_for_occurrence_finds_the_scheduled_post(store):
    occurrence = T0 + timedelta(days=7)
    post = await record(
        store, 1, "a", 1001, T0 + timedelta(days=7, seconds=3), schedule_id=4, occurrence=occurrence
    )
    await record(store, 1, "b", 1002, T0, schedule_id=5, occurrence=occurrence)
    # The same instant written in another zone is the same occurrence.
    same = occurrence.astimezone(timezone(timedelta(hours=-5)))
    assert await store.posts.for_occurrence(4, same) == post
    assert await store.posts.for_occurrence(4, T0) is None
    assert await store.posts.for_occurrence(6, occurrence) is None
