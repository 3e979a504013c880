"""The Replies contract: batches applied in order and whole, edits that respect time, reads, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store.rows import AuthorCount, Reply, ReplyChanges, ReplyEdit, ThreadReading

T0 = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)


def reply(message_id, *, thread_id=100, guild_id=1, author_id=5, name="Ada", content="hi", at=None, **kw):
    return Reply(
        message_id=message_id,
        thread_id=thread_id,
        guild_id=guild_id,
        author_id=author_id,
        author_name=name,
        content=content,
        attachments=kw.pop("attachments", ()),
        created_at=at or T0 + timedelta(seconds=message_id),
        edited_at=kw.pop("edited_at", None),
    )


async def upsert(store, *replies):
    await store.replies.apply([ReplyChanges(upserts=list(replies))])


async def edit(store, message_id, content, at, attachments=None):
    await store.replies.apply([ReplyChanges(edits=[ReplyEdit(message_id, content, at, attachments)])])


async def contents(store, thread_id=100):
    return {r.message_id: r.content for r in await store.replies.for_thread(thread_id)}


async def test_replies_round_trip_with_aware_times_and_attachments(store):
    original = reply(
        1,
        content="See the chart — “quoted” ✓",
        attachments=("https://cdn.example/a.png", 'https://cdn.example/b "q".pdf'),
        at=T0 + timedelta(milliseconds=1234),
        edited_at=T0 + timedelta(hours=1, microseconds=7),
    )
    await upsert(store, original)
    [stored] = await store.replies.for_thread(100)
    assert stored == original
    assert stored.created_at.tzinfo is UTC


async def test_storing_the_same_message_twice_keeps_one_row(store):
    await upsert(store, reply(1), reply(2))
    await upsert(store, reply(2, content="again"), reply(3))
    assert await contents(store) == {1: "hi", 2: "again", 3: "hi"}


async def test_replies_are_ordered_by_time_then_id(store):
    same = T0 + timedelta(minutes=5)
    await upsert(store, reply(30, at=same), reply(20, at=same), reply(10, at=same + timedelta(minutes=1)))
    assert [r.message_id for r in await store.replies.for_thread(100)] == [20, 30, 10]


async def test_an_edit_updates_content_and_time_and_an_unknown_one_does_nothing(store):
    await upsert(store, reply(1, content="frist"))
    edited = T0 + timedelta(hours=1)
    await edit(store, 1, "first", edited)
    await edit(store, 999, "nobody", edited)
    [stored] = await store.replies.for_thread(100)
    assert (stored.content, stored.edited_at) == ("first", edited)
    assert await store.replies.latest_ids() == {100: 1}


async def test_an_older_version_never_overwrites_a_newer_one(store):
    await upsert(store, reply(1, content="v3", edited_at=T0 + timedelta(hours=3)))
    await edit(store, 1, "v2", T0 + timedelta(hours=2))
    await upsert(store, reply(1, content="v1"))  # a backfilled copy without an edit
    await upsert(store, reply(1, content="v0", edited_at=T0 + timedelta(hours=1)))
    assert await contents(store) == {1: "v3"}
    await upsert(store, reply(1, content="v4", edited_at=T0 + timedelta(hours=4)))
    assert await contents(store) == {1: "v4"}


async def test_an_upsert_keeps_thread_author_and_creation_time(store):
    await upsert(store, reply(1, name="Ada"))
    await upsert(store, reply(1, thread_id=200, author_id=9, name="Ada L.", at=T0 + timedelta(days=1)))
    [stored] = await store.replies.for_thread(100)
    assert (stored.author_id, stored.author_name, stored.created_at) == (
        5,
        "Ada L.",
        T0 + timedelta(seconds=1),
    )


async def test_an_edit_can_replace_attachments_or_keep_them(store):
    await upsert(store, reply(1, attachments=("https://cdn.example/a.png",)))
    await edit(store, 1, "text only", T0 + timedelta(hours=1))
    assert (await store.replies.for_thread(100))[0].attachments == ("https://cdn.example/a.png",)
    await edit(store, 1, "no files", T0 + timedelta(hours=2), attachments=())
    assert (await store.replies.for_thread(100))[0].attachments == ()


async def test_deletes_and_a_thread_deletion(store):
    await upsert(store, reply(1), reply(2), reply(3), reply(4, thread_id=200))
    await store.replies.apply([ReplyChanges(deletes=[1, 3, 999]), ReplyChanges(forget_thread=200)])
    assert await contents(store) == {2: "hi"}
    assert await store.replies.for_thread(200) == []


async def test_within_a_group_deletes_come_first_and_the_thread_deletion_last(store):
    await upsert(store, reply(1, content="old"), reply(5, thread_id=200))
    await store.replies.apply(
        [
            ReplyChanges(
                upserts=[reply(1, content="new"), reply(6, thread_id=200)],
                edits=[ReplyEdit(1, "edited", T0 + timedelta(hours=1))],
                deletes=[1],
                forget_thread=200,
            ),
            ReplyChanges(upserts=[reply(7, thread_id=200)]),
        ]
    )
    assert await contents(store) == {1: "edited"}  # deleted, stored again, then edited
    assert await contents(store, 200) == {7: "hi"}  # only what came after the thread's deletion


async def test_a_batch_is_all_or_nothing(store):
    await upsert(store, reply(1))
    naive = Reply(2, 100, 1, 5, "Ada", "bad", (), datetime(2026, 11, 18, 21, 0))
    with pytest.raises(ValueError, match="naive"):
        await store.replies.apply([ReplyChanges(deletes=[1]), ReplyChanges(upserts=[reply(3), naive])])
    assert await contents(store) == {1: "hi"}


async def test_a_large_batch_is_stored_whole(store):
    await store.replies.apply([ReplyChanges(upserts=[reply(i) for i in range(1, 1202)])])
    assert len(await store.replies.for_thread(100)) == 1201


async def test_latest_ids(store):
    assert await store.replies.latest_id(100) is None
    assert await store.replies.latest_ids() == {}
    await upsert(store, reply(5), reply(9), reply(7), reply(50, thread_id=200))
    assert await store.replies.latest_id(100) == 9
    assert await store.replies.latest_ids() == {100: 9, 200: 50}


async def test_stats_count_replies_participants_and_top_members(store):
    await upsert(
        store,
        reply(1, author_id=5, name="Ada"),
        reply(2, author_id=6, name="Grace"),
        reply(3, author_id=5, name="Ada L."),  # renamed since: the latest name is shown
        reply(4, author_id=7, name="Alan", thread_id=200),
        reply(5, author_id=5, name="Ada L.", thread_id=200),
        reply(6, author_id=8, name="Other server", guild_id=2),
    )
    overall = await store.replies.stats(1)
    assert (overall.replies, overall.participants) == (5, 3)
    assert overall.top[0] == AuthorCount(5, "Ada L.", 3)
    one_thread = await store.replies.stats(1, [100])
    assert (one_thread.replies, one_thread.participants) == (3, 2)
    assert one_thread.top == (AuthorCount(5, "Ada L.", 2), AuthorCount(6, "Grace", 1))
    assert (await store.replies.stats(1, [])).replies == 0
    assert (await store.replies.stats(1, top=1)).top == (AuthorCount(5, "Ada L.", 3),)


async def test_stats_break_ties_by_the_earlier_latest_reply(store):
    await upsert(store, reply(1, author_id=9, name="Late"), reply(2, author_id=3, name="Early"))
    await upsert(store, reply(3, author_id=9, name="Late"), reply(4, author_id=3, name="Early", at=T0))
    top = (await store.replies.stats(1)).top
    assert [a.author_name for a in top] == ["Early", "Late"]


async def test_activity_tells_who_replied_where_and_when_without_the_text(store):
    await upsert(
        store,
        reply(3, author_id=5, name="Ada", thread_id=100),
        reply(1, author_id=6, name="Grace", thread_id=200),
        reply(2, author_id=5, name="Ada L.", thread_id=200),
        reply(4, author_id=5, name="Ada", guild_id=2, thread_id=300),
    )
    everything = await store.replies.activity(1)
    assert [(a.message_id, a.thread_id, a.author_id, a.author_name) for a in everything] == [
        (1, 200, 6, "Grace"),
        (2, 200, 5, "Ada L."),
        (3, 100, 5, "Ada"),
    ]
    assert everything[0].created_at == T0 + timedelta(seconds=1)
    assert [a.message_id for a in await store.replies.activity(1, thread_ids=[200])] == [1, 2]
    assert [a.message_id for a in await store.replies.activity(1, author_id=5)] == [2, 3]
    assert [a.message_id for a in await store.replies.activity(1, thread_ids=[100], author_id=6)] == []
    assert await store.replies.activity(1, thread_ids=[]) == []


async def test_earliest_gives_each_authors_first_reply_outside_one_thread(store):
    await upsert(
        store,
        reply(1, author_id=5, thread_id=100),
        reply(2, author_id=5, thread_id=200),
        reply(3, author_id=5, thread_id=300),
        reply(4, author_id=6, thread_id=100),
        reply(5, author_id=7, thread_id=200),
        reply(6, author_id=5, thread_id=400, guild_id=2, at=T0),
    )
    earliest = await store.replies.earliest(1, [5, 6, 8], excluding_thread=100)
    assert earliest == {5: T0 + timedelta(seconds=2)}
    assert await store.replies.earliest(1, [], excluding_thread=100) == {}


# --- read points ----------------------------------------------------------------------------------
async def test_read_points_only_rise(store):
    assert await store.replies.reading() == ThreadReading()
    await store.replies.apply([ReplyChanges(read_up_to={100: 50, 200: 7})])
    await store.replies.apply([ReplyChanges(read_up_to={100: 40})])  # an older point: ignored
    await store.replies.apply([ReplyChanges(read_up_to={200: 9})])
    assert await store.replies.reading() == ThreadReading(read_up_to={100: 50, 200: 9})


async def test_read_points_are_written_with_the_replies_of_their_batch(store):
    await store.replies.apply([ReplyChanges(upserts=[reply(1), reply(2)], read_up_to={100: 3})])
    assert await contents(store) == {1: "hi", 2: "hi"}
    assert (await store.replies.reading()).read_up_to == {100: 3}


async def test_a_forgotten_thread_is_gone_for_good(store):
    await upsert(store, reply(1), reply(2, thread_id=200))
    await store.replies.apply([ReplyChanges(read_up_to={100: 1, 200: 2})])
    await store.replies.apply([ReplyChanges(forget_thread=100)])
    await store.replies.apply([ReplyChanges(read_up_to={100: 5})])  # a late point changes nothing
    assert await store.replies.reading() == ThreadReading(read_up_to={200: 2}, gone=frozenset({100}))
    assert await contents(store) == {}
    assert await contents(store, 200) == {2: "hi"}
