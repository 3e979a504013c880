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
from pathlib import Path

from bot.store.migration_files import load_migrations, pending
from bot.store.sqlite.connection import Sql

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def schema_version(sql: Sql) -> int:
    """The version the database is at (0 for a new file)."""
    row = sql.one("PRAGMA user_version")
    return int(row[0]) if row is not None else 0


def apply_migrations(sql: Sql, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Bring the database up to the newest migration in ``directory``; return the versions applied."""
    applied: list[int] = []
    for migration in pending(load_migrations(directory), schema_version(sql)):
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
