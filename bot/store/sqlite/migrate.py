"""The SQLite schema's versions: numbered SQL files, applied in order, recorded in the file.

``migrations/NNNN_name.sql`` files are applied in order of their number, each in its own
transaction together with the bump of ``PRAGMA user_version`` (the database's record of its
version, kept in the file header and rolled back with the transaction), so a crash
mid-migration leaves the previous version intact and the next start-up retries it. A file is
never edited once released: a change to the schema is a new file, which is how a database
from an older bot keeps its rows. Runs on the connection's thread (``Connection.run``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bot.store.sqlite.connection import Sql

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[A-Za-z0-9_]+\.sql$")


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
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"{directory}: expected migration {expected:04d}, found {migration.name} "
                "(numbers must run 0001, 0002, … without gaps or duplicates)"
            )
    return found


def schema_version(sql: Sql) -> int:
    """The version the database is at (0 for a new file)."""
    row = sql.one("PRAGMA user_version")
    return int(row[0]) if row is not None else 0


def apply_migrations(sql: Sql, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Bring the database up to the newest migration in ``directory``; return the versions applied."""
    migrations = load_migrations(directory)
    current = schema_version(sql)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise MigrationError(
            f"the database is at schema version {current} but this bot only knows up to {latest}; "
            "run a newer bot or restore a backup"
        )
    applied: list[int] = []
    for migration in migrations:
        if migration.version <= current:
            continue
        log.info("Applying database migration %s", migration.name)
        # executescript commits any open transaction before it runs, so the transaction is
        # written into the script itself; on failure the ROLLBACK undoes the partial migration.
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql}\n;\nPRAGMA user_version = {migration.version:d};\nCOMMIT;\n"
        )
        try:
            sql.script(script)
        except Exception:
            if sql.in_transaction:
                sql.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
