"""PostgreSQL migrations: numbered, recorded in the database, applied by one process at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bot.store.migration_files import MigrationError, load_migrations
from bot.store.ports import StoreOpenError
from bot.store.postgres import open_postgres
from bot.store.postgres.migrate import MIGRATIONS_DIR

SHIPPED = load_migrations(MIGRATIONS_DIR)


async def recorded_versions(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        return [
            r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        ]
    finally:
        await conn.close()


async def tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        return {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    finally:
        await conn.close()


async def test_a_new_database_gets_every_migration_recorded_once(postgres_url):
    store = await open_postgres(postgres_url)
    await store.close()
    assert await recorded_versions(postgres_url) == [m.version for m in SHIPPED]
    assert {"guild_settings", "posts", "replies", "schedules", "schedule_runs", "bot_state"} <= await tables(
        postgres_url
    )
    store = await open_postgres(postgres_url)  # a restart applies nothing again
    await store.close()
    assert await recorded_versions(postgres_url) == [m.version for m in SHIPPED]


async def test_processes_starting_together_migrate_once(postgres_url):
    """Shard processes start at once: without the advisory lock they would race to create the same
    tables and record the same version (an error for all but one)."""
    stores = await asyncio.gather(*(open_postgres(postgres_url, pool_max=2) for _ in range(4)))
    await asyncio.gather(*(store.close() for store in stores))
    assert await recorded_versions(postgres_url) == [m.version for m in SHIPPED]


async def test_a_database_newer_than_the_bot_is_refused(postgres_url):
    store = await open_postgres(postgres_url)
    await store.close()
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future')")
    finally:
        await conn.close()
    with pytest.raises(StoreOpenError) as caught:
        await open_postgres(postgres_url)
    message = str(caught.value)
    assert "schema version 999" in message and f"up to {len(SHIPPED)}" in message and "\n" not in message


async def test_a_failing_migration_leaves_the_previous_version(postgres_url, tmp_path: Path):
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id bigint PRIMARY KEY);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE two (id bigint PRIMARY KEY);\nSELEKT nonsense;")
    with pytest.raises(StoreOpenError) as caught:
        await open_postgres(postgres_url, migrations_dir=tmp_path)
    assert "\n" not in str(caught.value)
    assert await recorded_versions(postgres_url) == [1]
    assert "two" not in await tables(postgres_url)  # the half-applied migration was rolled back

    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE two (id bigint PRIMARY KEY);")
    store = await open_postgres(postgres_url, migrations_dir=tmp_path)  # fixed: the next start retries it
    await store.close()
    assert await recorded_versions(postgres_url) == [1, 2]


def test_numbering_must_run_without_gaps(tmp_path: Path):
    (tmp_path / "0001_one.sql").write_text("SELECT 1;")
    (tmp_path / "0003_three.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="expected migration 0002"):
        load_migrations(tmp_path)


def test_the_shipped_migrations_are_numbered_and_packaged():
    assert [m.version for m in SHIPPED] == list(range(1, len(SHIPPED) + 1))
    assert MIGRATIONS_DIR.name == "migrations" and SHIPPED


async def test_close_twice_is_harmless_and_later_calls_refused(postgres_url):
    store = await open_postgres(postgres_url)
    await store.settings.set_timezone(7, "UTC")
    await store.close()
    await store.close()
    with pytest.raises(RuntimeError, match="closed"):
        await store.settings.get(7)
    reopened = await open_postgres(postgres_url)
    try:
        assert (await reopened.settings.get(7)).timezone == "UTC"
    finally:
        await reopened.close()


async def test_the_stats_reads_have_the_servers_indexes(postgres_url):
    """/stats reads a server's replies by (server, thread) and by (server, author) (issue 10, item 6)."""
    store = await open_postgres(postgres_url)
    await store.close()
    conn = await asyncpg.connect(postgres_url)
    try:
        rows = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'replies'")
        found = {r["indexname"]: r["indexdef"] for r in rows}
    finally:
        await conn.close()
    assert found["replies_guild_thread"].endswith("(guild_id, thread_id, created_at)")
    assert found["replies_guild_author"].endswith("(guild_id, author_id, created_at)")
