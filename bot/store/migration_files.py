"""Numbered migration files, read the same way by every backend.

Each backend keeps its own series (``sqlite/migrations/``, ``postgres/migrations/``) and applies
it its own way, in its own transactions, recording the version where it keeps it. What they
share lives here: a migration is a file ``NNNN_name.sql``, numbered 1, 2, 3, ... without gaps,
never edited once released; and a database already past the newest file belongs to a newer bot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"^(\d{4})_[A-Za-z0-9_]+\.sql$")


class MigrationError(Exception):
    """The migrations directory is inconsistent or the database is newer than this bot."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path) -> list[Migration]:
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


def pending(migrations: Sequence[Migration], current: int) -> list[Migration]:
    """The migrations a database at version ``current`` still needs, in order; MigrationError if
    the database is past the newest of them (a newer bot wrote it)."""
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise MigrationError(
            f"the database is at schema version {current} but this bot only knows up to {latest}; "
            "run a newer bot or restore a backup"
        )
    return [migration for migration in migrations if migration.version > current]
