"""The PostgreSQL schema's versions: numbered SQL files, applied in order, recorded in the database.

``migrations/NNNN_name.sql`` are PostgreSQL's own (SQLite has its own series): each is applied
in its own transaction together with its row in ``schema_migrations``, so a failed migration
leaves the previous version intact and the next start-up retries it. A file is never edited
once released; a change to the schema is a new file.

Several shard processes start at once against one database, so the whole run holds a
session-level advisory lock: the first process migrates, the others wait for it and then find
nothing left to do (and never race to create the same table).
"""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.store.migration_files import load_migrations, pending

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The advisory lock's key: any fixed bigint that no other lock user of the database picks
# ("studybot" read as eight ASCII bytes).
LOCK_KEY = int.from_bytes(b"studybot", "big")  # fits in a signed bigint

_RECORD_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
)


async def schema_version(conn: asyncpg.Connection | PoolConnectionProxy) -> int:
    """The newest version recorded in the database (0 for a new database)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def apply_migrations(
    conn: asyncpg.Connection | PoolConnectionProxy, directory: Path = MIGRATIONS_DIR
) -> list[int]:
    """Bring the database up to the newest migration in ``directory``, one process at a time;
    return the versions this call applied."""
    migrations = load_migrations(directory)
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await conn.execute(_RECORD_TABLE)
        applied: list[int] = []
        for migration in pending(migrations, await schema_version(conn)):
            log.info("Applying database migration %s", migration.name)
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            applied.append(migration.version)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
