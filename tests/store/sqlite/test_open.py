"""The SQLite backend's own promises: DATABASE_URL forms, opening and refusing files, its
pragmas (WAL), one connection thread whose calls never interleave, and closing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading

import pytest

from bot.store import StoreOpenError, backend_name, open_store
from bot.store.sqlite import SqliteStore, open_sqlite, sqlite_path
from bot.store.sqlite.connection import Sql


async def rows(store: SqliteStore, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    return await store.connection.run(lambda s: s.all(sql, params))


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
    assert backend_name(url) == "sqlite"
    assert sqlite_path(url) == path


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://db.example/studybot", "scheme 'mysql' is not supported"),
        ("studybot.sqlite3", "is not a URL"),
        ("sqlite://host/bot.db", "names a host"),
        ("sqlite:///bot.db?mode=ro", "query options"),
    ],
)
async def test_unusable_urls_say_why_in_one_sentence(url, words):
    with pytest.raises(StoreOpenError) as raised:
        await open_store(url)
    message = str(raised.value)
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:pw@db.example/studybot",
        "postgres://db.example/studybot",
        "postgresql+asyncpg://db.example/studybot",
    ],
)
def test_postgresql_urls_pick_the_postgresql_backend(url):
    assert backend_name(url) == "postgresql"


async def test_open_creates_a_wal_database_with_foreign_keys(tmp_path):
    store = await open_sqlite(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert (tmp_path / "new.sqlite3").exists()
        assert (await rows(store, "PRAGMA journal_mode"))[0][0] == "wal"
        assert (await rows(store, "PRAGMA foreign_keys"))[0][0] == 1
        assert (await rows(store, "PRAGMA synchronous"))[0][0] == 1  # NORMAL
        assert (await rows(store, "PRAGMA busy_timeout"))[0][0] > 0
        tables = {r["name"] for r in await rows(store, "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"guild_settings", "posts", "replies", "schedules", "schedule_runs", "bot_state"} <= tables
    finally:
        await store.close()


async def test_absolute_url_with_four_slashes_opens_that_file(tmp_path):
    target = tmp_path / "abs.sqlite3"
    assert str(target).startswith("/")
    store = await open_store(f"sqlite:///{target}")  # "sqlite:///" + "/tmp/..." = four slashes
    await store.close()
    assert target.exists()


async def test_memory_database_opens_and_migrates():
    store = await open_store("sqlite:///:memory:")
    try:
        assert await store.replies.latest_ids() == {}
    finally:
        await store.close()


async def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(StoreOpenError, match="does not exist"):
        await open_store(f"sqlite:///{tmp_path / 'nowhere' / 'bot.sqlite3'}")


async def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("these are my lecture notes, not a database\n" * 100)
    with pytest.raises(StoreOpenError, match="not a SQLite database"):
        await open_store(f"sqlite:///{bogus}")


async def test_a_directory_is_not_a_database_file(tmp_path):
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreOpenError, match="it is a directory"):
        await open_store(f"sqlite:///{tmp_path / 'dir.sqlite3'}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
async def test_a_read_only_file_is_a_clear_error(tmp_path):
    target = tmp_path / "ro.sqlite3"
    await (await open_store(f"sqlite:///{target}")).close()
    target.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(StoreOpenError, match=r"not writable|cannot be opened"):
            await open_store(f"sqlite:///{target}")
    finally:
        tmp_path.chmod(0o755)
        target.chmod(0o644)


async def test_a_failed_open_leaves_no_thread_behind(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database\n" * 100)
    before = {t.ident for t in threading.enumerate()}
    for _ in range(3):
        with pytest.raises(StoreOpenError):
            await open_store(f"sqlite:///{bogus}")
    await asyncio.sleep(0.05)
    left = [
        t for t in threading.enumerate() if t.ident not in before and t.name.startswith("studybot-sqlite")
    ]
    assert left == []


async def test_a_write_lock_held_elsewhere_is_waited_for_not_failed(tmp_path):
    path = tmp_path / "locked.sqlite3"
    store = await open_store(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a moment
        write = asyncio.create_task(store.settings.set_timezone(1, "Europe/Paris"))
        await asyncio.sleep(0.2)
        assert not write.done()
        other.execute("COMMIT")
        assert (await write).timezone == "Europe/Paris"
    finally:
        other.close()
        await store.close()


async def test_every_call_runs_on_the_one_connection_thread_never_the_loop(tmp_path):
    store = await open_sqlite(f"sqlite:///{tmp_path / 't.sqlite3'}")
    try:
        names = await asyncio.gather(
            *(store.connection.run(lambda _s: threading.current_thread().name) for _ in range(5))
        )
        assert len(set(names)) == 1 and names[0].startswith("studybot-sqlite")
        assert names[0] != threading.current_thread().name
    finally:
        await store.close()


async def test_a_failing_transaction_rolls_back_and_never_sweeps_in_other_calls(tmp_path):
    store = await open_sqlite(f"sqlite:///{tmp_path / 't.sqlite3'}")

    def failing(sql: Sql) -> None:
        with sql.transaction():
            sql.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (1,))
            raise RuntimeError("abort")

    try:
        results = await asyncio.gather(
            store.connection.run(failing), store.settings.set_timezone(2, "UTC"), return_exceptions=True
        )
        assert isinstance(results[0], RuntimeError)
        assert [r["guild_id"] for r in await rows(store, "SELECT guild_id FROM guild_settings")] == [2]
        await store.settings.set_timezone(3, "UTC")  # usable afterwards
        assert len(await rows(store, "SELECT * FROM guild_settings")) == 2
    finally:
        await store.close()


async def test_query_count_counts_statements(tmp_path):
    store = await open_sqlite(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    try:
        before = store.query_count
        await store.settings.get(1)  # one SELECT
        await store.settings.set_timezone(1, "UTC")  # BEGIN, INSERT, SELECT, COMMIT
        assert store.query_count == before + 5
    finally:
        await store.close()


async def test_close_twice_is_harmless_and_later_calls_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = await open_store(url)
    await store.settings.set_timezone(7, "UTC")
    await store.close()
    await store.close()  # the second close neither raises nor touches the closed connection
    with pytest.raises(RuntimeError, match="closed"):
        await store.settings.get(7)
    reopened = await open_store(url)
    try:
        assert (await reopened.settings.get(7)).timezone == "UTC"
    finally:
        await reopened.close()
