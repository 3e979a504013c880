"""Stored replies: upserts without duplicates, edits that respect time, deletions, order, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import replies
from bot.store.replies import Reply

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


async def test_replies_round_trip_with_aware_times_and_attachments(db):
    original = reply(
        1, content="See the chart", attachments=("https://cdn.example/a.png", "https://cdn.example/b.pdf")
    )
    await replies.upsert_many(db, [original])
    [stored] = await replies.replies_for_thread(db, 100)
    assert stored == original
    assert stored.created_at.tzinfo is UTC
    assert stored.attachments == ("https://cdn.example/a.png", "https://cdn.example/b.pdf")


async def test_storing_the_same_message_twice_keeps_one_row(db):
    await replies.upsert_many(db, [reply(1), reply(2)])
    await replies.upsert_many(db, [reply(2), reply(3)])
    assert [r.message_id for r in await replies.replies_for_thread(db, 100)] == [1, 2, 3]


async def test_replies_are_ordered_by_time_then_id(db):
    same = T0 + timedelta(minutes=5)
    await replies.upsert_many(
        db, [reply(30, at=same), reply(20, at=same), reply(10, at=same + timedelta(minutes=1))]
    )
    assert [r.message_id for r in await replies.replies_for_thread(db, 100)] == [20, 30, 10]


async def test_an_edit_updates_content_and_time(db):
    await replies.upsert_many(db, [reply(1, content="frist")])
    edited = T0 + timedelta(hours=1)
    assert await replies.apply_edit(db, 1, "first", edited) is True
    [stored] = await replies.replies_for_thread(db, 100)
    assert (stored.content, stored.edited_at) == ("first", edited)


async def test_an_edit_of_an_unknown_message_changes_nothing(db):
    assert await replies.apply_edit(db, 999, "x", T0) is False


async def test_an_older_edit_does_not_overwrite_a_newer_one(db):
    await replies.upsert_many(db, [reply(1, content="v3", edited_at=T0 + timedelta(hours=3))])
    assert await replies.apply_edit(db, 1, "v2", T0 + timedelta(hours=2)) is False
    # A backfilled copy without an edit (older) does not overwrite it either.
    await replies.upsert_many(db, [reply(1, content="v1")])
    [stored] = await replies.replies_for_thread(db, 100)
    assert stored.content == "v3"


async def test_edit_can_replace_attachments_or_keep_them(db):
    await replies.upsert_many(db, [reply(1, attachments=("https://cdn.example/a.png",))])
    await replies.apply_edit(db, 1, "text only", T0 + timedelta(hours=1))
    assert (await replies.replies_for_thread(db, 100))[0].attachments == ("https://cdn.example/a.png",)
    await replies.apply_edit(db, 1, "no files", T0 + timedelta(hours=2), attachments=())
    assert (await replies.replies_for_thread(db, 100))[0].attachments == ()


async def test_delete_many_and_delete_thread(db):
    await replies.upsert_many(db, [reply(1), reply(2), reply(3), reply(4, thread_id=200)])
    await replies.delete_many(db, [1, 3, 999])
    assert [r.message_id for r in await replies.replies_for_thread(db, 100)] == [2]
    assert await replies.delete_thread(db, 200) == 1
    assert await replies.replies_for_thread(db, 200) == []


async def test_latest_reply_id(db):
    assert await replies.latest_reply_id(db, 100) is None
    await replies.upsert_many(db, [reply(5), reply(9), reply(7), reply(50, thread_id=200)])
    assert await replies.latest_reply_id(db, 100) == 9


async def test_stats_count_replies_participants_and_top_members(db):
    await replies.upsert_many(
        db,
        [
            reply(1, author_id=5, name="Ada"),
            reply(2, author_id=6, name="Grace"),
            reply(3, author_id=5, name="Ada L."),  # renamed since: the latest name is shown
            reply(4, author_id=7, name="Alan", thread_id=200),
            reply(5, author_id=5, name="Ada L.", thread_id=200),
            reply(6, author_id=8, name="Other server", guild_id=2),
        ],
    )
    overall = await replies.stats(db, 1)
    assert (overall.replies, overall.participants) == (5, 3)
    assert overall.top[0] == (5, "Ada L.", 3)
    one_thread = await replies.stats(db, 1, [100])
    assert (one_thread.replies, one_thread.participants) == (3, 2)
    assert one_thread.top == [(5, "Ada L.", 2), (6, "Grace", 1)]
    assert (await replies.stats(db, 1, [])).replies == 0
    assert (await replies.stats(db, 1, top=1)).top == [(5, "Ada L.", 3)]


async def test_many_replies_go_in_one_transaction(db):
    many = [reply(i) for i in range(1, 1201)]
    before = db.query_count
    await replies.upsert_many(db, many)
    assert db.query_count - before <= 6  # BEGIN, a few multi-row INSERTs, COMMIT
    assert len(await replies.replies_for_thread(db, 100)) == 1200
