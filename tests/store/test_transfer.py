"""The Transfer contract (whole tables in and out, for migrate-data), once per backend.

``bot.store.tables`` must name every table and column of each backend's schema: a migration that
adds one without adding it there would make migrate-data drop that data silently.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.store.rows import GuildSettings, NewOnce
from bot.store.tables import TABLES

AT = datetime(2026, 11, 30, 12, 0, 0, 123_000, tzinfo=UTC)


async def test_the_tables_name_every_table_and_column_of_the_schema(store, backend):
    schema = await backend.schema(store)
    described = {table.name: set(table.names) for table in TABLES}
    assert set(schema) == set(described), (
        "bot/store/tables.py must list every table of the schema (migrate-data copies only those)"
    )
    for name, columns in schema.items():
        assert columns == described[name], f"bot/store/tables.py: the columns of {name}"
    for table in TABLES:
        assert set(table.key) <= set(table.names) and (table.counter is None or table.counter in table.names)


async def test_rows_written_whole_read_back_as_the_same_neutral_values(store):
    schedules = next(t for t in TABLES if t.name == "schedules")
    replies = next(t for t in TABLES if t.name == "replies")
    schedule = {
        "id": 41,
        "guild_id": 1 << 22,
        "channel_id": 5,
        "kind": "weekly",
        "lesson_id": None,
        "weekday": 2,
        "local_time": time(21, 30),
        "timezone": "Europe/Berlin",
        "next_run": AT,
        "state": "pending",
        "last_error": "Nothing left — «queue» empty.",
        "created_by": 42,
        "created_at": AT,
        "post_id": None,
    }
    reply = {
        "message_id": 1 << 60,
        "thread_id": 7,
        "guild_id": 1 << 22,
        "author_id": 9,
        "author_name": "Zoë 🧠",
        "content": "Chips.\r\nPower.",
        "attachments": ["https://cdn/x.png"],
        "created_at": AT,
        "edited_at": None,
    }
    async with store.transfer.loading() as writer:
        await writer.write(schedules, [schedule])
        await writer.write(replies, [reply])
    async with store.transfer.reading() as reader:
        assert [rows async for rows in reader.batches(schedules, 10)] == [[schedule]]
        assert [rows async for rows in reader.batches(replies, 10)] == [[reply]]
        counts = await reader.counts()
    assert counts == {table.name: int(table.name in ("schedules", "replies")) for table in TABLES}
    # The bot's own methods see the row, and new ids go on after the one written.
    assert (await store.schedules.get(41)).last_error == "Nothing left — «queue» empty."
    created = await store.schedules.create_once(NewOnce(1 << 22, 5, "x", AT, "UTC", 42, AT))
    assert created.id == 42


async def test_batches_come_in_key_order_and_size(store):
    settings = next(t for t in TABLES if t.name == "guild_settings")
    rows = [
        {
            "guild_id": g << 22,
            "timezone": None,
            "channel_id": g,
            "modrole_id": None,
            "discussion_days": None,
            "reminder_hours": None,
            "pingrole_id": g,
        }
        for g in (5, 1, 4, 2, 3)
    ]
    async with store.transfer.loading() as writer:
        await writer.write(settings, rows)
    async with store.transfer.reading() as reader:
        batches = [[row["channel_id"] for row in batch] async for batch in reader.batches(settings, 2)]
    assert batches == [[1, 2], [3, 4], [5]]


async def test_a_loading_that_raises_leaves_nothing_behind(store):
    settings = next(t for t in TABLES if t.name == "guild_settings")
    row = {
        "guild_id": 1,
        "timezone": "UTC",
        "channel_id": None,
        "modrole_id": None,
        "discussion_days": None,
        "reminder_hours": None,
        "pingrole_id": 7,
    }
    with pytest.raises(RuntimeError, match="stop here"):
        async with store.transfer.loading() as writer:
            await writer.write(settings, [row])
            assert (await writer.counts())["guild_settings"] == 1
            raise RuntimeError("stop here")
    assert await store.settings.get(1) == GuildSettings(1)
    async with store.transfer.reading() as reader:
        assert set((await reader.counts()).values()) == {0}
