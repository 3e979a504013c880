"""The schedules store on a real SQLite file: round trips, claims, listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import schedules as store

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday

GUILD = 1 << 22
HOUR = timedelta(hours=1)


async def test_one_off_round_trips_with_aware_utc_times(db):
    created = await store.create_once(
        db, GUILD, 5, "lesson-a", START + HOUR, "Europe/Berlin", 42, created_at=START
    )
    loaded = await store.get(db, created.id)
    assert loaded == created
    assert loaded.next_run == START + HOUR and loaded.next_run.tzinfo is not None
    assert loaded.next_run.utcoffset() == timedelta(0)
    assert (loaded.kind, loaded.state, loaded.lesson_id, loaded.timezone) == (
        "once",
        "pending",
        "lesson-a",
        "Europe/Berlin",
    )
    assert await store.get(db, created.id + 100) is None


async def test_an_occurrence_is_claimed_only_once(db):
    schedule = await store.create_once(db, GUILD, 5, "lesson-a", START, "UTC", 42)
    assert await store.claim_run(db, schedule, "s1-x", None, claimed_at=START)
    assert not await store.claim_run(db, schedule, "s1-x", None, claimed_at=START)
    run = await store.existing_run(db, schedule.id, START)
    assert run is not None and (run.state, run.nonce, run.lesson_id) == ("claimed", "s1-x", "lesson-a")
    assert [(s.id, r.nonce) for s, r in await store.unfinished_runs(db)] == [(schedule.id, "s1-x")]
    await store.mark_run_sent(db, schedule.id, START, 777)
    assert await store.unfinished_runs(db) == []
    sent = await store.existing_run(db, schedule.id, START)
    assert sent is not None and sent.state == "sent" and sent.message_id == 777


async def test_earliest_due_and_next_batch(db):
    later = await store.create_once(db, GUILD, 5, "b", START + 2 * HOUR, "UTC", 42)
    first = await store.create_once(db, GUILD, 5, "a", START + HOUR, "UTC", 42)
    twin = await store.create_once(db, GUILD, 6, "c", START + HOUR, "UTC", 42)
    earliest = await store.earliest_pending(db)
    assert earliest is not None and earliest.id == first.id
    assert [s.id for s in await store.next_batch(db)] == [first.id, twin.id]
    assert [s.id for s in await store.due(db, START + HOUR)] == [first.id, twin.id]
    assert [s.id for s in await store.due(db, START + 3 * HOUR)] == [first.id, twin.id, later.id]
    assert await store.due(db, START) == []
    # sub-second instants still compare as instants in the stored text
    odd = await store.create_once(db, GUILD, 5, "d", START + timedelta(microseconds=500_000), "UTC", 42)
    assert [s.id for s in await store.due(db, START + timedelta(seconds=1))] == [odd.id]
    assert await store.due(db, START) == []


async def test_listable_shows_pending_then_missed_and_failed(db):
    pending = await store.create_once(db, GUILD, 5, "a", START + HOUR, "UTC", 42)
    failed = await store.create_once(db, GUILD, 5, "b", START + HOUR, "UTC", 42)
    done = await store.create_once(db, GUILD, 5, "c", START + HOUR, "UTC", 42)
    await store.advance(db, failed.id, None, "failed", "The channel was deleted.")
    await store.advance(db, done.id, None, "done")
    assert [s.id for s in await store.listable_for_guild(db, GUILD)] == [pending.id, failed.id]
    assert [s.id for s in await store.pending_for_guild(db, GUILD)] == [pending.id]
    assert await store.cancel(db, GUILD, failed.id)  # dismissing a failed one
    assert [s.id for s in await store.listable_for_guild(db, GUILD)] == [pending.id]
    assert await store.listable_for_guild(db, GUILD + (1 << 22)) == []


def test_db_time_is_utc_text():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    berlin = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert store.to_db_time(berlin) == "2026-12-07T08:00:00+00:00"
    assert store.from_db_time("2026-12-07T08:00:00+00:00") == datetime(2026, 12, 7, 8, tzinfo=UTC)
