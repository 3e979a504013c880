"""Recorded lesson posts: found by server, lesson and thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.store import posts

T0 = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)


async def record(db, guild_id, lesson_id, thread_id, at, **extra):
    return await posts.record_post(
        db,
        guild_id=guild_id,
        channel_id=guild_id * 10,
        message_id=thread_id - 1,
        thread_id=thread_id,
        lesson_id=lesson_id,
        posted_at=at,
        **extra,
    )


async def test_record_post_returns_the_stored_post(db):
    occurrence = datetime(2026, 11, 18, 22, 0, tzinfo=timezone(timedelta(hours=1)))
    post = await record(
        db, 1, "whither-russias-ai-ambition", 1001, T0, schedule_id=None, occurrence=occurrence
    )
    assert post.id > 0
    assert post.posted_at == T0
    assert post.occurrence == occurrence
    assert post.occurrence.tzinfo is UTC
    assert await posts.post_by_thread(db, 1001) == post


async def test_latest_post_is_per_server(db):
    await record(db, 1, "a", 1001, T0)
    newest = await record(db, 1, "b", 1002, T0 + timedelta(days=7))
    await record(db, 2, "c", 2001, T0 + timedelta(days=14))
    assert await posts.latest_post(db, 1) == newest
    assert await posts.latest_post(db, 3) is None


async def test_posts_for_lesson_and_posted_ids(db):
    first = await record(db, 1, "a", 1001, T0)
    again = await record(db, 1, "a", 1003, T0 + timedelta(days=30))
    await record(db, 1, "b", 1002, T0 + timedelta(days=7))
    await record(db, 2, "z", 2001, T0)
    assert await posts.posts_for_lesson(db, 1, "a") == [first, again]
    assert await posts.posts_for_lesson(db, 2, "a") == []
    assert await posts.posted_lesson_ids(db, 1) == {"a", "b"}
    assert [p.lesson_id for p in await posts.posts_in_guild(db, 1)] == ["a", "b", "a"]


async def test_post_by_unknown_thread_is_none(db):
    assert await posts.post_by_thread(db, 404) is None


async def test_all_threads_lists_every_server(db):
    await record(db, 1, "a", 1001, T0)
    await record(db, 2, "a", 2001, T0)
    await posts.record_post(
        db, guild_id=3, channel_id=30, message_id=31, thread_id=None, lesson_id="x", posted_at=T0
    )
    assert sorted(p.thread_id for p in await posts.all_threads(db)) == [1001, 2001]


async def test_post_for_occurrence_finds_the_scheduled_post(db):
    occurrence = T0 + timedelta(days=7)
    post = await record(
        db, 1, "a", 1001, T0 + timedelta(days=7, seconds=3), schedule_id=4, occurrence=occurrence
    )
    await record(db, 1, "b", 1002, T0, schedule_id=5, occurrence=occurrence)
    # The same instant written in another zone is the same occurrence.
    same = occurrence.astimezone(timezone(timedelta(hours=-5)))
    assert await posts.post_for_occurrence(db, 4, same) == post
    assert await posts.post_for_occurrence(db, 4, T0) is None
    assert await posts.post_for_occurrence(db, 6, occurrence) is None
