"""``python -m bot migrate-data --from URL --to URL``: move a database to another backend.

Typically an existing SQLite file to the PostgreSQL a sharded deployment shares. Both URLs are
written as DATABASE_URL is. Each database is brought to the newest schema first (as the bot does
at start-up), then every row is copied in one transaction on the target (``bot.store.copying``:
all or nothing). The bot should be stopped meanwhile: what it writes after the copy's snapshot
is not copied.

Exit status: 0 copied; 1 the copy failed and nothing was written; 2 it could not start (a bad
or unreachable URL, a missing source file, the same database twice, a target that holds data).
Every failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TextIO

from bot.store import StoreOpenError, backend_name, open_store
from bot.store.copying import DEFAULT_BATCH, CopyMismatch, TargetNotEmpty, copy_store, describe_counts
from bot.store.ports import Store, TransferError
from bot.store.tables import TABLES

_PREFIX = "studybot: migrate-data"


class _Refused(Exception):
    """One sentence for the operator; exit status 2."""


def database_name(url: str) -> str:
    """How messages name a database: a SQLite file's path, PostgreSQL's ``user@host:port/db``
    (never the password). Raises StoreOpenError for a URL neither backend takes."""
    if backend_name(url) == "sqlite":
        from bot.store.sqlite.store import sqlite_path

        return sqlite_path(url)
    from bot.store.postgres.opening import asyncpg_url, describe

    return describe(asyncpg_url(url))


def _identity(url: str, option: str) -> str:
    """What tells two databases apart: a SQLite file's absolute path, PostgreSQL's server,
    user and database."""
    try:
        name = database_name(url)
    except StoreOpenError as error:
        raise _Refused(_as_option(error, option)) from None
    if backend_name(url) == "sqlite" and name != ":memory:":
        return f"sqlite:{Path(name).resolve()}"
    return f"{backend_name(url)}:{name}"


def _as_option(error: StoreOpenError, option: str) -> str:
    """A store's sentence, naming the command-line option where it names DATABASE_URL (or
    starting with the option when it does not)."""
    text = str(error).replace("DATABASE_URL", option)
    return text if option in text else f"{option}: {text}"


async def _open(url: str, option: str) -> Store:
    try:
        return await open_store(url)
    except StoreOpenError as error:
        raise _Refused(_as_option(error, option)) from None


def _check_source_exists(url: str) -> None:
    """open_store would create a missing SQLite file: a mistyped --from must not copy nothing."""
    if backend_name(url) != "sqlite":
        return
    path = database_name(url)
    if path != ":memory:" and not Path(path).is_file():
        raise _Refused(f"--from: there is no SQLite database at {path!r}; check the path.")


async def _migrate(source_url: str, target_url: str, out: TextIO, batch_size: int) -> int:
    if _identity(source_url, "--from") == _identity(target_url, "--to"):
        raise _Refused("--from and --to name the same database; give the database to copy into as --to.")
    _check_source_exists(source_url)
    source_name, target_name = database_name(source_url), database_name(target_url)
    source = await _open(source_url, "--from")
    try:
        target = await _open(target_url, "--to")
        try:
            started = time.perf_counter()
            try:
                copied = await copy_store(source, target, batch_size=batch_size)
            except TargetNotEmpty as error:
                raise _Refused(
                    f"the target {target_name} already holds data ({error}); migrate-data copies only "
                    "into an empty database."
                ) from None
            elapsed = time.perf_counter() - started
        finally:
            await target.close()
    finally:
        await source.close()
    for table in TABLES:
        out.write(f"  {table.label:<26} {copied[table.name]:>10,}\n")
    out.write(
        f"Copied {sum(copied.values()):,} rows ({describe_counts(copied)}) from {source_name} to "
        f"{target_name} in {elapsed:.1f} s.\n"
    )
    return 0


async def migrate_data(
    source_url: str, target_url: str, out: TextIO, err: TextIO, *, batch_size: int = DEFAULT_BATCH
) -> int:
    """Copy the database at ``source_url`` into the empty one at ``target_url``; the exit status."""
    try:
        return await _migrate(source_url, target_url, out, batch_size)
    except _Refused as error:
        err.write(f"{_PREFIX}: {error}\n")
        return 2
    except (TransferError, CopyMismatch) as error:
        err.write(f"{_PREFIX}: the copy failed ({error}); nothing was written to the target.\n")
        return 1


def run_migrate_data(
    source_url: str, target_url: str, out: TextIO, err: TextIO, *, batch_size: int = DEFAULT_BATCH
) -> int:
    """``migrate_data`` in an event loop of its own (the command line's entry)."""
    return asyncio.run(migrate_data(source_url, target_url, out, err, batch_size=batch_size))
