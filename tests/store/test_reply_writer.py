"""The reply writer: ordered, batched, flushed on demand and at close, robust to a failing batch.

It writes through the store's Replies port, so these run once per backend; faults are injected
through the store it is handed (``tests.seams``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.store.reply_writer import ReplyWriter
from bot.store.rows import Reply
from tests.seams import SeamStore

T0 = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)


def reply(message_id: int, *, thread_id: int = 100, content: str = "hi", edited_at=None) -> Reply:
    return Reply(
        message_id=message_id,
        thread_id=thread_id,
        guild_id=1,
        author_id=5,
        author_name="Ada",
        content=content,
        attachments=(),
        created_at=T0 + timedelta(seconds=message_id),
        edited_at=edited_at,
    )


@pytest.fixture
def seams(store) -> SeamStore:
    return SeamStore(store)


@pytest.fixture
async def writer(seams) -> AsyncIterator[ReplyWriter]:
    w = ReplyWriter(seams.replies, batch_size=50, max_delay=0.005)
    w.start()
    yield w
    await w.close()


async def stored(store, thread_id: int = 100) -> dict[int, Reply]:
    return {r.message_id: r for r in await store.replies.for_thread(thread_id)}


async def test_enqueueing_is_synchronous(writer):
    assert writer.add(reply(1)) is None
    assert writer.edit(1, "x", T0 + timedelta(hours=1)) is None
    assert writer.delete([1]) is None


async def test_flush_waits_until_everything_is_committed(store, writer):
    for i in range(1, 11):
        writer.add(reply(i))
    assert writer.pending == 10
    await writer.flush()
    assert writer.pending == 0
    assert sorted(await stored(store)) == list(range(1, 11))


async def test_a_burst_of_2000_is_stored_in_batches(store, writer):
    before = store.query_count
    for i in range(1, 2001):
        writer.add(reply(i))
    await writer.flush()
    assert len(await stored(store)) == 2000
    # 2000 ops in batches of at most 50: about 40 transactions of BEGIN, INSERT, COMMIT.
    assert store.query_count - before <= 3 * (2000 // 50 + 2)


async def test_a_delete_after_an_add_wins(store, writer):
    writer.add(reply(1))
    writer.add(reply(2))
    writer.delete([1])
    await writer.flush()
    assert sorted(await stored(store)) == [2]


async def test_a_deleted_message_is_not_resurrected_by_a_late_add(store, writer):
    writer.add(reply(1))
    await writer.flush()
    writer.delete([1])
    await writer.flush()
    writer.add(reply(1))  # e.g. a backfill page fetched before the delete
    await writer.flush()
    assert await stored(store) == {}


async def test_an_edit_after_the_add_is_applied(store, writer):
    writer.add(reply(1, content="frist"))
    writer.edit(1, "first", T0 + timedelta(hours=1))
    await writer.flush()
    got = (await stored(store))[1]
    assert (got.content, got.edited_at) == ("first", T0 + timedelta(hours=1))


async def test_an_edit_before_the_add_is_merged_into_it(store, writer):
    writer.edit(1, "edited", T0 + timedelta(hours=1), ("https://cdn.example/x.png",))
    writer.add(reply(1, content="original"))
    await writer.flush()
    got = (await stored(store))[1]
    assert (got.content, got.attachments) == ("edited", ("https://cdn.example/x.png",))


async def test_an_edit_before_the_add_in_an_earlier_batch_is_merged(store, writer):
    writer.edit(1, "edited", T0 + timedelta(hours=1))
    await writer.flush()
    writer.add(reply(1, content="original"))
    await writer.flush()
    assert (await stored(store))[1].content == "edited"


async def test_the_newest_edit_wins_whatever_the_order(store, writer):
    writer.add(reply(1, content="v1"))
    writer.edit(1, "v3", T0 + timedelta(hours=3))
    writer.edit(1, "v2", T0 + timedelta(hours=2))
    await writer.flush()
    writer.edit(1, "v2 again", T0 + timedelta(hours=2))
    await writer.flush()
    assert (await stored(store))[1].content == "v3"


async def test_forgetting_a_thread_removes_queued_and_stored_replies(store, writer):
    writer.add(reply(1))
    await writer.flush()
    writer.add(reply(2))
    writer.add(reply(3, thread_id=200))
    writer.forget_thread(100)
    writer.add(reply(4, thread_id=200))
    await writer.flush()
    assert await stored(store, 100) == {}
    assert sorted(await stored(store, 200)) == [3, 4]


async def test_close_flushes_then_stops_and_later_writes_are_dropped(store, caplog):
    w = ReplyWriter(store.replies, batch_size=500, max_delay=10.0)  # a long delay: close must not wait for it
    w.start()
    for i in range(1, 101):
        w.add(reply(i))
    await w.close()
    assert len(await stored(store)) == 100
    with caplog.at_level(logging.WARNING):
        w.add(reply(500))
    assert "dropped" in caplog.text
    await w.close()  # twice is fine


async def test_flush_without_start_is_an_error(store):
    w = ReplyWriter(store.replies)
    w.add(reply(1))
    with pytest.raises(RuntimeError, match="start"):
        await w.flush()


async def test_an_idle_writer_issues_no_queries(store, writer):
    writer.add(reply(1))
    await writer.flush()
    before = store.query_count
    await asyncio.sleep(0.05)  # ten times max_delay
    assert store.query_count == before


FAST = (0.001, 0.002, 0.005)  # retry delays that keep these tests quick


async def test_a_batch_the_database_refuses_is_kept_and_stored_once_it_takes_it(store, seams, caplog):
    writer = ReplyWriter(seams.replies, max_delay=0.005, retry_delays=FAST)
    writer.start()
    seams.fail("replies", "apply", RuntimeError("database is locked"), times=3)
    with caplog.at_level(logging.INFO, logger="bot.store.reply_writer"):
        writer.add(reply(1))
        writer.add(reply(2))
        await writer.flush()
        await writer.close()
    assert sorted(await stored(store)) == [1, 2]
    assert writer.lost == 0
    messages = [r.getMessage() for r in caplog.records]
    assert sum("refused a batch of 2 reply writes" in m for m in messages) == 1  # once per episode
    assert sum("takes reply writes again, after" in m and "3 failed attempts" in m for m in messages) == 1


async def test_a_long_refusal_drops_nothing_and_flush_waits_for_it(store, seams):
    writer = ReplyWriter(seams.replies, max_delay=0.005, retry_delays=FAST)
    writer.start()
    try:
        seams.fail("replies", "apply", RuntimeError("database is locked"))  # until healed
        writer.add(reply(1))
        writer.delete([1])
        writer.add(reply(2))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(writer.flush()), 0.2)
        assert writer.pending == 3
        seams.heal("replies", "apply")
        await writer.flush()
    finally:
        await writer.close()
    assert sorted(await stored(store)) == [2]
    assert writer.lost == 0


async def test_memory_stays_bounded_by_spilling_in_order_while_the_database_refuses(
    store, seams, tmp_path, caplog
):
    spill = tmp_path / "replies.spill"
    writer = ReplyWriter(
        seams.replies, batch_size=5, max_delay=0.001, max_queued=20, spill_path=spill, retry_delays=FAST
    )
    writer.start()
    seams.fail("replies", "apply", RuntimeError("database is locked"))
    with caplog.at_level(logging.WARNING, logger="bot.store.reply_writer"):
        for i in range(1, 101):
            writer.add(reply(i, content=f"reply {i}"))
            await asyncio.sleep(0)  # events arrive one by one while the writer retries
        for i in range(101, 111):
            writer.add(reply(i, thread_id=200))
        for i in range(1, 11):
            writer.edit(i, f"edited {i}", T0 + timedelta(hours=1))
        writer.delete(range(11, 21))
        writer.forget_thread(200)
        assert writer.in_memory <= 20 + 5 < writer.pending  # the queue, and the batch being tried
        assert writer.spilled > 0 and spill.exists()
        spill_warnings = [r for r in caplog.records if "go to" in r.getMessage()]
        assert len(spill_warnings) == 1
    seams.heal("replies", "apply")
    await writer.flush()
    await writer.close()
    kept = await stored(store)
    expected = {i: f"edited {i}" if i <= 10 else f"reply {i}" for i in range(1, 101) if not 11 <= i <= 20}
    assert {i: r.content for i, r in kept.items()} == expected
    assert await stored(store, 200) == {}
    assert not spill.exists() and writer.in_memory == 0 and writer.lost == 0


async def test_a_writer_stopped_while_the_database_refuses_keeps_the_rest_for_the_next_start(
    store, seams, tmp_path
):
    spill = tmp_path / "replies.spill"
    first = ReplyWriter(
        seams.replies, max_delay=0.001, spill_path=spill, retry_delays=FAST, close_timeout=0.1
    )
    first.start()
    seams.fail("replies", "apply", RuntimeError("database is locked"))
    first.add(reply(1, content="written while locked"))
    first.edit(1, "edited while locked", T0 + timedelta(hours=1))
    first.add(reply(2))
    first.delete([2])
    await first.close()  # gives up waiting: keeps the rest on disk
    assert spill.exists() and await stored(store) == {}

    seams.heal("replies", "apply")
    second = ReplyWriter(seams.replies, max_delay=0.001, spill_path=spill)
    second.start()
    await second.flush()
    await second.close()
    assert {i: r.content for i, r in (await stored(store)).items()} == {1: "edited while locked"}
    assert not spill.exists()


async def test_a_bad_operation_does_not_stop_the_writer(store, writer, caplog):
    writer.add("not a reply")  # type: ignore[arg-type]  # a bug upstream must not kill the task
    await writer.flush()
    assert writer.lost == 1
    writer.add(reply(1))
    await writer.flush()
    assert sorted(await stored(store)) == [1]


# --- read points -------------------------------------------------------------------------------
class Recording:
    """The store's Replies, remembering every batch it was handed, in order."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.batches: list[list] = []

    async def apply(self, batch) -> None:
        self.batches.append(list(batch))
        await self.inner.apply(batch)


async def test_a_read_point_is_stored_once_its_replies_are(store):
    recording = Recording(store.replies)
    writer = ReplyWriter(recording, batch_size=50, max_delay=0.005)
    writer.start()
    try:
        for i in range(1, 201):  # four batches' worth, queued before the writer runs
            writer.add(reply(i))
            writer.note_read(100, i)
        await writer.flush()
    finally:
        await writer.close()
    assert (await store.replies.reading()).read_up_to == {100: 200}
    stored_so_far: set[int] = set()
    for batch in recording.batches:
        for changes in batch:
            stored_so_far |= {r.message_id for r in changes.upserts}
            for point in changes.read_up_to.values():
                assert set(range(1, point + 1)) <= stored_so_far, point


async def test_a_read_point_noted_while_idle_is_stored(store, writer):
    writer.note_read(100, 9)
    writer.note_read(200, 4)
    await writer.flush()
    assert (await store.replies.reading()).read_up_to == {100: 9, 200: 4}


async def test_a_read_point_after_a_forgotten_thread_does_not_bring_it_back(store, writer):
    writer.add(reply(1))
    writer.forget_thread(100)
    writer.note_read(100, 1)
    await writer.flush()
    reading = await store.replies.reading()
    assert reading.gone == frozenset({100}) and reading.read_up_to == {}
