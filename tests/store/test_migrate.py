"""Versioned migrations: applied in order, each whole or not at all, rows kept across upgrades."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.store.database import Database, DatabaseUrlError
from bot.store.migrate import (
    MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    load_migrations,
    schema_version,
)


@pytest.fixture
def v1_dir(tmp_path) -> Path:
    """A migrations directory holding only the first shipped migration (a bot at version 1)."""
    directory = tmp_path / "migrations"
    directory.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_initial.sql", directory)
    return directory


async def test_a_new_database_is_at_the_latest_version(db):
    assert await schema_version(db) == len(list(MIGRATIONS_DIR.glob("*.sql")))


async def test_the_shipped_migrations_are_numbered_without_gaps():
    migrations = load_migrations(MIGRATIONS_DIR)
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


async def test_an_older_database_migrates_without_losing_rows(tmp_path, v1_dir):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = await Database.open(url, migrations_dir=v1_dir)
    assert await schema_version(old) == 1
    await old.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)", (7, "Europe/Paris"))
    await old.execute(
        "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, lesson_id, posted_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (7, 70, 700, 7000, "whither-russias-ai-ambition", "2026-11-18T21:00:00+00:00"),
    )
    await old.execute(
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
    new = await Database.open(url, migrations_dir=v1_dir)
    try:
        assert await schema_version(new) == 2
        settings = await new.fetch_one("SELECT * FROM guild_settings WHERE guild_id = 7")
        assert settings["timezone"] == "Europe/Paris"
        post = await new.fetch_one("SELECT * FROM posts WHERE guild_id = 7")
        assert post["lesson_id"] == "whither-russias-ai-ambition"
        reply = await new.fetch_one("SELECT * FROM replies WHERE message_id = 1")
        assert reply["content"] == "Chips are the bottleneck."
        assert reply["language"] == "en"
        assert await new.fetch_all("SELECT * FROM notes") == []
    finally:
        await new.close()


async def test_migrating_twice_applies_nothing_the_second_time(db):
    assert await apply_migrations(db, MIGRATIONS_DIR) == []


async def test_a_failing_migration_leaves_the_previous_version_intact(tmp_path, v1_dir):
    url = f"sqlite:///{tmp_path / 'f.sqlite3'}"
    first = await Database.open(url, migrations_dir=v1_dir)
    await first.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))
    await first.close()
    (v1_dir / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    with pytest.raises(DatabaseUrlError, match="no_such_table"):
        await Database.open(url, migrations_dir=v1_dir)

    (v1_dir / "0002_broken.sql").unlink()
    again = await Database.open(url, migrations_dir=v1_dir)
    try:
        assert await schema_version(again) == 1
        names = {r["name"] for r in await again.fetch_all("SELECT name FROM sqlite_master")}
        assert "half_done" not in names
        assert len(await again.fetch_all("SELECT * FROM guild_settings")) == 1
    finally:
        await again.close()


async def test_a_gap_in_the_numbering_is_refused(tmp_path, v1_dir):
    (v1_dir / "0003_skipped_two.sql").write_text("CREATE TABLE t (id INTEGER);")
    with pytest.raises(MigrationError, match="expected migration 0002"):
        load_migrations(v1_dir)


async def test_a_badly_named_file_is_refused(v1_dir):
    (v1_dir / "2_oops.sql").write_text("CREATE TABLE t (id INTEGER);")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(v1_dir)


async def test_a_database_newer_than_the_bot_is_refused(tmp_path, v1_dir):
    newer_dir = tmp_path / "newer-bot"
    shutil.copytree(v1_dir, newer_dir)
    (newer_dir / "0002_more.sql").write_text("CREATE TABLE more (id INTEGER);")
    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    await (await Database.open(url, migrations_dir=newer_dir)).close()
    with pytest.raises(DatabaseUrlError, match="newer bot"):
        await Database.open(url, migrations_dir=v1_dir)
