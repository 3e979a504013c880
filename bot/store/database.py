"""The one door to the database: a small async facade over aiosqlite.

Callers (the modules of ``bot.store``) hand it SQL with parameters and get plain rows back; nobody
outside ``bot.store`` sees a cursor. SQL runs on aiosqlite's own thread, so a slow statement never
runs on the event loop. One connection is shared by the whole bot; an ``asyncio.Lock`` keeps the
statements of one ``transaction()`` from interleaving with those of other tasks.

Every method is one trip to that thread: the statement, its cursor's results and the cursor's
close happen in one function queued on aiosqlite's connection thread (aiosqlite's own methods
would make a trip for each step). ``execute_all`` runs a whole transaction, BEGIN to COMMIT, in
one trip: the form for batched writes, where each trip costs a wake-up of both threads.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5_000


def utc_text(when: datetime) -> str:
    """The stored form of an instant: ISO-8601 in UTC ('2026-11-25T21:30:00+00:00').

    Naive datetimes are refused: their zone is a guess, and a wrong guess moves a post by hours.
    """
    if when.tzinfo is UTC:  # the common case (discord.py's datetimes): skip the conversion
        return when.isoformat()
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r}: pass an aware datetime (UTC)")
    return when.astimezone(UTC).isoformat()


def parse_utc(text: str) -> datetime:
    """The aware UTC datetime of a stored ISO-8601 text (the inverse of ``utc_text``)."""
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def parse_utc_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of an ``execute_all`` transaction: ``params`` is one parameter row, or with
    ``many`` a sequence of rows (run as ``executemany``)."""

    sql: str
    params: Any = ()
    many: bool = False


# These run on aiosqlite's connection thread (through ``Database._call``), never on the loop.


def _execute_on(conn: sqlite3.Connection, sql: str, params: Any) -> int:
    with closing(conn.execute(sql, params)) as cur:
        return cur.rowcount


def _insert_on(conn: sqlite3.Connection, sql: str, params: Any) -> int | None:
    with closing(conn.execute(sql, params)) as cur:
        return cur.lastrowid


def _executemany_on(conn: sqlite3.Connection, sql: str, rows: Any) -> int:
    with closing(conn.executemany(sql, rows)) as cur:
        return cur.rowcount


def _fetch_one_on(conn: sqlite3.Connection, sql: str, params: Any) -> Row | None:
    with closing(conn.execute(sql, params)) as cur:
        return cur.fetchone()


def _fetch_all_on(conn: sqlite3.Connection, sql: str, params: Any) -> list[Row]:
    with closing(conn.execute(sql, params)) as cur:
        return cur.fetchall()


def _execute_script_on(conn: sqlite3.Connection, script: str) -> None:
    conn.executescript(script).close()


def _execute_all_on(conn: sqlite3.Connection, statements: Sequence[Statement], own_transaction: bool) -> int:
    """The statements in order, inside BEGIN IMMEDIATE ... COMMIT when ``own_transaction``
    (ROLLBACK on any error); return the rows they changed."""
    if own_transaction:
        conn.execute("BEGIN IMMEDIATE")
    changed = 0
    try:
        for statement in statements:
            if statement.many:
                cur = conn.executemany(statement.sql, statement.params)
            else:
                cur = conn.execute(statement.sql, statement.params)
            changed += max(cur.rowcount, 0)
            cur.close()
        if own_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if own_transaction and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return changed


class DatabaseUrlError(Exception):
    """DATABASE_URL cannot be used; the message is one sentence an operator can act on."""


def parse_database_url(url: str) -> str:
    """Return the SQLite path named by a SQLAlchemy-style URL, or raise DatabaseUrlError.

    ``sqlite:///relative/path``, ``sqlite:////absolute/path`` and ``sqlite:///:memory:`` are
    understood (the forms SQLAlchemy writes, which operators already know).
    """
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise DatabaseUrlError(
            f"DATABASE_URL {url!r} is not a URL; write it as sqlite:///relative/path "
            "or sqlite:////absolute/path."
        )
    if scheme.split("+", 1)[0] in ("postgresql", "postgres"):
        raise DatabaseUrlError(
            "PostgreSQL is not supported by this build yet; set DATABASE_URL to a SQLite file "
            "such as sqlite:///studybot.sqlite3."
        )
    if scheme.split("+", 1)[0] != "sqlite":
        raise DatabaseUrlError(
            f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:///relative/path "
            "or sqlite:////absolute/path."
        )
    if rest in ("", "/"):
        return MEMORY
    if not rest.startswith("/"):
        raise DatabaseUrlError(
            f"DATABASE_URL {url!r} names a host, which SQLite does not have; "
            "use three slashes for a relative path (sqlite:///data/bot.sqlite3) or four for an absolute one."
        )
    if "?" in rest:
        raise DatabaseUrlError(
            f"DATABASE_URL {url!r} has query options, which this bot does not accept; "
            "remove the part after '?'."
        )
    path = rest[1:]  # sqlite:///rel -> "rel"; sqlite:////abs -> "/abs"
    if path == MEMORY:
        return MEMORY
    if not path:
        raise DatabaseUrlError(f"DATABASE_URL {url!r} names no file; write sqlite:///path/to/file.sqlite3.")
    return path


class Database:
    """An open SQLite database with the schema migrated to the latest version.

    ``query_count`` counts every statement sent to SQLite (including BEGIN/COMMIT), so tests and
    benchmarks can assert that an idle component issues no queries.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self.query_count = 0
        self._lock = asyncio.Lock()
        # Set inside transaction() for the task that holds it, so its own statements do not wait
        # for the lock it already holds. Per instance: no module-level mutable state.
        self._in_tx: contextvars.ContextVar[bool] = contextvars.ContextVar(f"db_tx_{id(self)}", default=False)
        self._closed = False

    @classmethod
    async def open(cls, url: str, *, migrations_dir: Path | None = None) -> Database:
        """Open (creating if needed) the database named by ``url`` and migrate it.

        Raises DatabaseUrlError with one readable sentence when the URL or the file is unusable.
        """
        path = parse_database_url(url)
        if path != MEMORY:
            _check_directory(path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseUrlError(f"Cannot open the database {path!r}: {_reason(exc)}.") from exc
        conn.row_factory = sqlite3.Row
        db = cls(conn, path)
        try:
            await db._configure()
            await apply_migrations(db, migrations_dir or MIGRATIONS_DIR)
        except sqlite3.Error as exc:
            await conn.close()
            raise DatabaseUrlError(f"Cannot use the database {path!r}: {_reason(exc)}.") from exc
        except MigrationError as exc:
            await conn.close()
            raise DatabaseUrlError(f"Cannot use the database {path!r}: {exc}.") from exc
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        await self.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Reading the schema first turns "file is not a database" into an error here, at open.
        await self.fetch_all("SELECT count(*) FROM sqlite_master")
        if self.path != MEMORY:
            row = await self.fetch_one("PRAGMA journal_mode = WAL")
            if row is None or str(row[0]).lower() != "wal":
                log.warning("SQLite refused WAL mode for %s (journal_mode=%s)", self.path, row and row[0])
        await self.execute("PRAGMA synchronous = NORMAL")
        await self.execute("PRAGMA foreign_keys = ON")
        # A write lock proves the file (and its directory, for the WAL files) is writable now,
        # rather than at the first reply of the day.
        await self.execute("BEGIN IMMEDIATE")
        await self.execute("ROLLBACK")

    async def _call(self, statements: int, fn: Any, *args: Any) -> Any:
        """Run ``fn(sqlite3_connection, *args)`` on aiosqlite's connection thread: one trip.

        ``statements`` is how many statements ``fn`` sends to SQLite (for ``query_count``).
        aiosqlite has no public call for this; ``Connection._execute`` is the method all of its
        own public ones queue their work through (aiosqlite 0.17 to 0.22 at least).
        """
        self.query_count += statements
        conn = self._conn
        return await conn._execute(fn, conn._conn, *args)

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        """Serialise with other tasks' transactions, unless this task holds the transaction."""
        if self._in_tx.get():
            yield
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        async with self._guard():
            return await self._call(1, _execute_on, sql, params)

    async def execute_script(self, script: str) -> None:
        """Run several statements at once (migrations). Note: SQLite commits any open transaction first."""
        async with self._guard():
            await self._call(1, _execute_script_on, script)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row's id."""
        async with self._guard():
            rowid = await self._call(1, _insert_on, sql, params)
            return int(rowid) if rowid is not None else 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement for each parameter row (one round trip); return rows changed."""
        async with self._guard():
            return await self._call(1, _executemany_on, sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query (addressable by column name), or None."""
        async with self._guard():
            return await self._call(1, _fetch_one_on, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a query (addressable by column name)."""
        async with self._guard():
            return await self._call(1, _fetch_all_on, sql, params)

    async def execute_all(self, statements: Sequence[Statement]) -> int:
        """Run the statements in order as one transaction, in one trip to the connection's thread;
        return the rows they changed.

        All or nothing: BEGIN IMMEDIATE, the statements, COMMIT, or ROLLBACK if any fails (the
        error is raised). Inside this task's ``transaction()`` they join it instead. Counted in
        ``query_count`` as the statements plus BEGIN and COMMIT, as ``transaction()`` counts them.
        """
        if not statements:
            return 0
        if self._in_tx.get():
            return await self._call(len(statements), _execute_all_on, statements, False)
        async with self._lock:
            return await self._call(len(statements) + 2, _execute_all_on, statements, True)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """``async with db.transaction():`` — BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on error.

        Statements issued by this task inside the block belong to the transaction; other tasks'
        statements wait until it ends. Nesting in the same task joins the outer transaction.
        """
        if self._in_tx.get():
            yield self
            return
        async with self._lock:
            token = self._in_tx.set(True)
            try:
                await self._call(1, _execute_on, "BEGIN IMMEDIATE", ())
                try:
                    yield self
                except BaseException:
                    await self._call(1, _execute_on, "ROLLBACK", ())
                    raise
                await self._call(1, _execute_on, "COMMIT", ())
            finally:
                self._in_tx.reset(token)

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await self._conn.close()


def _check_directory(path: str) -> None:
    """Say which directory is missing, which SQLite's own "unable to open" does not.

    Checked before connecting also because a failed ``aiosqlite.connect`` leaves its worker
    thread behind, with no connection object to close it by.
    """
    target = Path(path).resolve()
    if target.is_dir():
        raise DatabaseUrlError(f"Cannot open the database {path!r}: it is a directory, not a file.")
    if not target.parent.is_dir():
        raise DatabaseUrlError(
            f"Cannot open the database {path!r}: the directory {str(target.parent)!r} does not exist."
        )


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc).rstrip(".")
    if "not a database" in text:
        return "the file is not a SQLite database"
    if "readonly" in text or "read-only" in text:
        return "the file or its directory is not writable"
    if "unable to open" in text:
        return "the file cannot be opened (check the path and permissions)"
    return text
