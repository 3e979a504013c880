"""The SQLite backend's migrations: applied in order, each whole or not at all, recorded in the
file, rows kept across upgrades."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import StoreOpenError
from bot.store.migration_files import MigrationError, load_migrations
from bot.store.sqlite import SqliteStore, open_sqlite
from bot.store.sqlite.migrate import MIGRATIONS_DIR, apply_migrations, schema_version


async def rows(store: SqliteStore, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    return await store.connection.run(lambda s: s.all(sql, params))


async def execute(store: SqliteStore, sql: str, params: tuple = ()) -> None:
    await store.connection.run(lambda s: s.execute(sql, params))


@pytest.fixture
def v1_dir(tmp_path) -> Path:
    """A migrations directory holding only the first shipped migration (a bot at version 1)."""
    directory = tmp_path / "migrations"
    directory.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_initial.sql", directory)
    return directory


async def test_a_new_database_is_at_the_latest_version_and_migrating_again_does_nothing(tmp_path):
    store = await open_sqlite(f"sqlite:///{tmp_path / 'n.sqlite3'}")
    try:
        assert await store.connection.run(schema_version) == len(list(MIGRATIONS_DIR.glob("*.sql")))
        assert await store.connection.run(apply_migrations, MIGRATIONS_DIR) == []
    finally:
        await store.close()


def test_the_shipped_migrations_are_numbered_without_gaps():
    migrations = load_migrations(MIGRATIONS_DIR)
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


async def test_an_older_database_migrates_without_losing_rows(tmp_path, v1_dir):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = await open_sqlite(url, migrations_dir=v1_dir)
    assert await old.connection.run(schema_version) == 1
    await execute(old, "INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)", (7, "Europe/Paris"))
    await execute(
        old,
        "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, lesson_id, posted_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (7, 70, 700, 7000, "whither-russias-ai-ambition", "2026-11-18T21:00:00+00:00"),
    )
    await execute(
        old,
        "INSERT INTO replies (message_id, thread_id, guild_id, author_id, author_name, content, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (1, 7000, 7, 5, "Ada", "Chips are the bottleneck.", "2026-11-18T21:05:00+00:00"),
    )
    await old.close()

    (v1_dir / "0002_reply_language.sql").write_text(
        "ALTER TABLE replies ADD COLUMN language TEXT;\n"
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"
        "UPDATE replies SET language = 'en';\n"
    )
    new = await open_sqlite(url, migrations_dir=v1_dir)
    try:
        assert await new.connection.run(schema_version) == 2
        # Read as the schema stands at version 2 (the bot's own reads follow the shipped schema).
        [settings] = await rows(new, "SELECT timezone FROM guild_settings WHERE guild_id = 7")
        assert settings[0] == "Europe/Paris"
        [post] = await rows(new, "SELECT lesson_id FROM posts")
        assert post[0] == "whither-russias-ai-ambition"
        [reply] = await rows(new, "SELECT content FROM replies WHERE thread_id = 7000")
        assert reply[0] == "Chips are the bottleneck."
        assert (await rows(new, "SELECT language FROM replies WHERE message_id = 1"))[0][0] == "en"
        assert await rows(new, "SELECT * FROM notes") == []
    finally:
        await new.close()


async def test_a_claim_made_by_an_older_bot_is_taken_over_at_once(tmp_path):
    """Before 0003, claims had no holder or lease: after the upgrade any holder reclaims them."""
    url = f"sqlite:///{tmp_path / 'claims.sqlite3'}"
    directory = tmp_path / "v2"
    directory.mkdir()
    for name in ("0001_initial.sql", "0002_bot_state.sql"):
        shutil.copy(MIGRATIONS_DIR / name, directory)
    old = await open_sqlite(url, migrations_dir=directory)
    await execute(
        old,
        "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, timezone, next_run, state, created_by,"
        " created_at) VALUES (1, 2, 'once', 'a', 'UTC', NULL, 'pending', 3, '2026-11-30T11:00:00+00:00')",
    )
    await execute(
        old,
        "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at)"
        " VALUES (1, '2026-11-30T12:00:00+00:00', 'claimed', 's1-x', 'a', '2026-11-30T12:00:00+00:00')",
    )
    await old.close()
    new = await open_sqlite(url)
    try:
        now = datetime(2026, 11, 30, 12, 1, tzinfo=UTC)
        [claim] = await new.schedules.reclaim(holder="studybot", lease=timedelta(minutes=10), now=now)
        assert (claim.schedule.id, claim.nonce, claim.occurrence) == (1, "s1-x", now - timedelta(minutes=1))
    finally:
        await new.close()


async def test_schedules_and_their_runs_survive_the_rebuild_for_discussion_jobs(tmp_path):
    """0005 rebuilds schedules and schedule_runs (a CHECK constraint cannot change in place):
    every row, claim and foreign key is kept, and the new columns start empty."""
    url = f"sqlite:///{tmp_path / 'rhythm.sqlite3'}"
    directory = tmp_path / "v4"
    directory.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-4]_*.sql")):
        shutil.copy(path, directory)
    old = await open_sqlite(url, migrations_dir=directory)
    await execute(old, "INSERT INTO guild_settings (guild_id, timezone) VALUES (1, 'Europe/Paris')")
    await execute(
        old,
        "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, lesson_id, posted_at)"
        " VALUES (1, 2, 20, 21, 'a', '2026-11-23T12:00:00+00:00')",
    )
    await execute(
        old,
        "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, timezone, next_run, state, created_by,"
        " created_at) VALUES (1, 2, 'once', 'a', 'UTC', NULL, 'pending', 3, '2026-11-30T11:00:00+00:00')",
    )
    await execute(
        old,
        "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at, holder,"
        " lease_until) VALUES (1, '2026-11-30T12:00:00+00:00', 'claimed', 's1-x', 'a',"
        " '2026-11-30T12:00:00+00:00', 'gone', '2026-11-30T12:10:00+00:00')",
    )
    await old.close()
    new = await open_sqlite(url)
    try:
        assert (await new.settings.get(1)).timezone == "Europe/Paris"
        assert (await new.settings.get(1)).discussion_days is None
        [post] = await new.posts.in_guild(1)
        assert (post.thread_id, post.closes_at) == (21, None)
        schedule = await new.schedules.get(1)
        assert schedule is not None and (schedule.kind, schedule.post_id, schedule.state) == (
            "once",
            None,
            "pending",
        )
        now = datetime(2026, 11, 30, 12, 11, tzinfo=UTC)
        [claim] = await new.schedules.reclaim(holder="studybot", lease=timedelta(minutes=10), now=now)
        assert (claim.schedule.id, claim.nonce) == (1, "s1-x")
        with pytest.raises(sqlite3.IntegrityError):  # the runs still point at their schedule
            await execute(
                new,
                "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, claimed_at)"
                " VALUES (99, '2026-11-30T12:00:00+00:00', 'sent', 'n', '2026-11-30T12:00:00+00:00')",
            )
        foreign = await rows(new, "PRAGMA foreign_key_list(schedule_runs)")
        assert [(f["table"], f["from"]) for f in foreign] == [("schedules", "schedule_id")]
        names = {r["name"] for r in await rows(new, "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"schedules_due", "schedules_guild_lesson", "schedule_runs_claimed"} <= names
    finally:
        await new.close()


async def test_threads_read_before_0007_resume_after_their_newest_stored_reply(tmp_path):
    """Before 0007 a thread was read after its newest stored reply: the upgrade keeps that point."""
    url = f"sqlite:///{tmp_path / 'reads.sqlite3'}"
    directory = tmp_path / "v6"
    directory.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-6]_*.sql")):
        shutil.copy(path, directory)
    old = await open_sqlite(url, migrations_dir=directory)
    for message_id, thread_id in ((1, 7000), (5, 7000), (3, 8000)):
        await execute(
            old,
            "INSERT INTO replies (message_id, thread_id, guild_id, author_id, author_name, content,"
            " created_at) VALUES (?, ?, 7, 5, 'Ada', 'Chips.', '2026-11-18T21:05:00+00:00')",
            (message_id, thread_id),
        )
    await old.close()
    new = await open_sqlite(url)
    try:
        reading = await new.replies.reading()
        assert reading.read_up_to == {7000: 5, 8000: 3} and reading.gone == frozenset()
    finally:
        await new.close()


async def test_a_failing_migration_leaves_the_previous_version_intact(tmp_path, v1_dir):
    url = f"sqlite:///{tmp_path / 'f.sqlite3'}"
    first = await open_sqlite(url, migrations_dir=v1_dir)
    await execute(first, "INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))
    await first.close()
    (v1_dir / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    with pytest.raises(StoreOpenError, match="no_such_table"):
        await open_sqlite(url, migrations_dir=v1_dir)

    (v1_dir / "0002_broken.sql").unlink()
    again = await open_sqlite(url, migrations_dir=v1_dir)
    try:
        assert await again.connection.run(schema_version) == 1
        names = {r["name"] for r in await rows(again, "SELECT name FROM sqlite_master")}
        assert "half_done" not in names
        assert len(await rows(again, "SELECT * FROM guild_settings")) == 1
    finally:
        await again.close()


def test_a_gap_in_the_numbering_is_refused(v1_dir):
    (v1_dir / "0003_skipped_two.sql").write_text("CREATE TABLE t (id INTEGER);")
    with pytest.raises(MigrationError, match="expected migration 0002"):
        load_migrations(v1_dir)


def test_a_badly_named_file_is_refused(v1_dir):
    (v1_dir / "2_oops.sql").write_text("CREATE TABLE t (id INTEGER);")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(v1_dir)


async def test_a_database_newer_than_the_bot_is_refused(tmp_path, v1_dir):
    newer_dir = tmp_path / "newer-bot"
    shutil.copytree(v1_dir, newer_dir)
    (newer_dir / "0002_more.sql").write_text("CREATE TABLE more (id INTEGER);")
    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    await (await open_sqlite(url, migrations_dir=newer_dir)).close()
    with pytest.raises(StoreOpenError, match="newer bot"):
        await open_sqlite(url, migrations_dir=v1_dir)
