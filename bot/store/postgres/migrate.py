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
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[A-Za-z0-9_]+\.sql$")
# The advisory lock's key: any fixed bigint that no other lock user of the database picks
# ("studybot" read as eight ASCII bytes).
LOCK_KEY = int.from_bytes(b"studybot", "big")  # fits in a signed bigint

_RECORD_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
)


class MigrationError(Exception):
    """The migrations directory is inconsistent or the database is newer than this bot."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in ``directory``, ordered by version; numbering must be 1, 2, 3, … without gaps."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"{directory}: expected migration {expected:04d}, found {migration.name} "
                "(numbers must run 0001, 0002, … without gaps or duplicates)"
            )
    return found


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
    latest = migrations[-1].version if migrations else 0
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await conn.execute(_RECORD_TABLE)
        current = await schema_version(conn)
        if current > latest:
            raise MigrationError(
                f"the database is at schema version {current} but this bot only knows up to {latest}; "
                "run a newer bot or restore a backup"
            )
        applied: list[int] = []
        for migration in migrations[current:]:
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
