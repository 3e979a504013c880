"""Opening the database from DATABASE_URL, its settings, and the statement/transaction API."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.database import Database, DatabaseUrlError, Statement, parse_database_url, parse_utc, utc_text


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///studybot.sqlite3", "studybot.sqlite3"),
        ("sqlite:///data/bot.db", "data/bot.db"),
        ("sqlite:////var/lib/studybot/bot.db", "/var/lib/studybot/bot.db"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
        ("SQLite:///x.db", "x.db"),
        ("  sqlite:///x.db  ", "x.db"),
    ],
)
def test_sqlite_urls_name_the_file(url, path):
    assert parse_database_url(url) == path


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://bot:pw@db.example/studybot", "PostgreSQL is not supported by this build yet"),
        ("postgres://db.example/studybot", "PostgreSQL is not supported by this build yet"),
        ("postgresql+asyncpg://db.example/studybot", "PostgreSQL is not supported by this build yet"),
        ("mysql://db.example/studybot", "scheme 'mysql' is not supported"),
        ("studybot.sqlite3", "is not a URL"),
        ("sqlite://host/bot.db", "names a host"),
        ("sqlite:///bot.db?mode=ro", "query options"),
    ],
)
def test_unusable_urls_say_why_in_one_sentence(url, words):
    with pytest.raises(DatabaseUrlError) as raised:
        parse_database_url(url)
    message = str(raised.value)
    assert words in message
    assert "\n" not in message


async def test_open_creates_a_wal_database_with_foreign_keys(tmp_path):
    db = await Database.open(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert (tmp_path / "new.sqlite3").exists()
        assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
        assert (await db.fetch_one("PRAGMA synchronous"))[0] == 1  # NORMAL
        assert (await db.fetch_one("PRAGMA busy_timeout"))[0] > 0
        tables = {
            r["name"] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert {"guild_settings", "posts", "replies", "schedules", "schedule_runs"} <= tables
    finally:
        await db.close()


async def test_absolute_url_with_four_slashes_opens_that_file(tmp_path):
    target = tmp_path / "abs.sqlite3"
    assert str(target).startswith("/")
    db = await Database.open(f"sqlite:///{target}")  # "sqlite:///" + "/tmp/..." = four slashes
    await db.close()
    assert target.exists()


async def test_memory_database_opens_and_migrates():
    db = await Database.open("sqlite:///:memory:")
    try:
        assert await db.fetch_all("SELECT * FROM replies") == []
    finally:
        await db.close()


async def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(DatabaseUrlError, match="does not exist"):
        await Database.open(f"sqlite:///{tmp_path / 'nowhere' / 'bot.sqlite3'}")


async def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("these are my lecture notes, not a database\n" * 100)
    with pytest.raises(DatabaseUrlError, match="not a SQLite database"):
        await Database.open(f"sqlite:///{bogus}")


async def test_a_directory_is_not_a_database_file(tmp_path):
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(DatabaseUrlError, match="Cannot"):
        await Database.open(f"sqlite:///{tmp_path / 'dir.sqlite3'}")


async def test_statements_return_rowcounts_ids_and_named_rows(db):
    first = await db.insert("INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)", (1, "UTC"))
    assert first == 1
    await db.executemany(
        "INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)",
        [(2, "Europe/Paris"), (3, "Asia/Tokyo")],
    )
    changed = await db.execute("UPDATE guild_settings SET channel_id = ? WHERE guild_id > ?", (99, 1))
    assert changed == 2
    row = await db.fetch_one("SELECT * FROM guild_settings WHERE guild_id = ?", (2,))
    assert row["timezone"] == "Europe/Paris"
    assert row["channel_id"] == 99
    assert await db.fetch_one("SELECT * FROM guild_settings WHERE guild_id = ?", (42,)) is None
    rows = await db.fetch_all("SELECT guild_id FROM guild_settings ORDER BY guild_id")
    assert [r["guild_id"] for r in rows] == [1, 2, 3]


async def test_user_text_is_a_parameter_not_sql(db):
    evil = "Europe/Paris'); DROP TABLE guild_settings; --"
    await db.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)", (1, evil))
    row = await db.fetch_one("SELECT timezone FROM guild_settings WHERE guild_id = ?", (1,))
    assert row["timezone"] == evil


async def test_transaction_commits_on_success(db):
    async with db.transaction():
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (2,))
    assert len(await db.fetch_all("SELECT * FROM guild_settings")) == 2


async def test_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))
            raise RuntimeError("boom")
    assert await db.fetch_all("SELECT * FROM guild_settings") == []
    # The connection is usable afterwards.
    await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (5,))
    assert len(await db.fetch_all("SELECT * FROM guild_settings")) == 1


async def test_other_tasks_statements_are_not_swept_into_a_rolled_back_transaction(db):
    inside = asyncio.Event()
    release = asyncio.Event()

    async def failing_transaction() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))
                inside.set()
                await release.wait()
                raise RuntimeError("abort")

    task = asyncio.create_task(failing_transaction())
    await inside.wait()
    other = asyncio.create_task(db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (2,)))
    await asyncio.sleep(0)
    release.set()
    await task
    await other
    rows = await db.fetch_all("SELECT guild_id FROM guild_settings")
    assert [r["guild_id"] for r in rows] == [2]


async def test_nested_transaction_joins_the_outer_one(db):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            async with db.transaction():
                await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))
            raise RuntimeError("outer fails")
    assert await db.fetch_all("SELECT * FROM guild_settings") == []


async def test_execute_all_commits_the_statements_together(db):
    before = db.query_count
    changed = await db.execute_all(
        [
            Statement("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,)),
            Statement("INSERT INTO guild_settings (guild_id) VALUES (?)", [(2,), (3,)], many=True),
        ]
    )
    assert changed == 3
    assert db.query_count - before == 4  # BEGIN, two statements, COMMIT
    rows = await db.fetch_all("SELECT guild_id FROM guild_settings ORDER BY guild_id")
    assert [r["guild_id"] for r in rows] == [1, 2, 3]


async def test_execute_all_rolls_back_every_statement_when_one_fails(db):
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute_all(
            [
                Statement("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,)),
                Statement("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,)),  # same key
            ]
        )
    assert await db.fetch_all("SELECT * FROM guild_settings") == []
    await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (5,))  # usable afterwards
    assert len(await db.fetch_all("SELECT * FROM guild_settings")) == 1


async def test_execute_all_joins_the_tasks_transaction(db):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute_all([Statement("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))])
            raise RuntimeError("outer fails")
    assert await db.fetch_all("SELECT * FROM guild_settings") == []


async def test_query_count_counts_statements(db):
    before = db.query_count
    await db.fetch_all("SELECT 1")
    await db.execute("SELECT 1")
    assert db.query_count == before + 2


async def test_close_twice_is_harmless(tmp_path):
    db = await Database.open(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (7,))
    await db.close()
    await db.close()  # the second close neither raises nor touches the closed connection
    with pytest.raises(ValueError, match="no active connection"):
        await db.fetch_all("SELECT 1")
    reopened = await Database.open(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    try:
        assert [row[0] for row in await reopened.fetch_all("SELECT guild_id FROM guild_settings")] == [7]
    finally:
        await reopened.close()


def test_utc_text_round_trips_and_refuses_naive_times():
    paris = timezone(timedelta(hours=1))
    when = datetime(2026, 11, 25, 22, 30, tzinfo=paris)
    assert utc_text(when) == "2026-11-25T21:30:00+00:00"
    assert parse_utc(utc_text(when)) == when
    assert parse_utc(utc_text(when)).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        utc_text(datetime(2026, 11, 25, 21, 30))
