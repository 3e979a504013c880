"""One SQLite connection, owned by one thread: every call is one trip to that thread.

The event loop never runs SQL. A call hands a plain function to the connection's own thread
(a one-worker ``ThreadPoolExecutor``, stdlib and public), which runs it against ``Sql``, a thin
counting wrapper over the ``sqlite3`` connection, and hands the result back. A whole
transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``) is one such function, so a store method costs
one wake-up of each thread however many statements it runs, and two methods never interleave:
the thread runs one function at a time, in the order they were called.

This module knows nothing of the schema or of migrations; ``bot.store.sqlite.store`` does.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

log = logging.getLogger(__name__)

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5_000

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]
P = ParamSpec("P")
T = TypeVar("T")


class Sql:
    """The statements a function sends, on the connection's thread; ``count`` counts them
    (transaction control included), for ``Store.query_count``."""

    __slots__ = ("_conn", "count")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.count = 0

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        self.count += 1
        with closing(self._conn.execute(sql, params)) as cur:
            return cur.rowcount

    def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement for each parameter row; return the rows changed."""
        self.count += 1
        with closing(self._conn.executemany(sql, rows)) as cur:
            return cur.rowcount

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row's id."""
        self.count += 1
        with closing(self._conn.execute(sql, params)) as cur:
            return int(cur.lastrowid or 0)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query (addressable by column name), or None."""
        self.count += 1
        with closing(self._conn.execute(sql, params)) as cur:
            return cur.fetchone()

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query."""
        self.count += 1
        with closing(self._conn.execute(sql, params)) as cur:
            return cur.fetchall()

    def script(self, script: str) -> None:
        """Several statements at once (migrations). SQLite commits any open transaction first."""
        self.count += 1
        self._conn.executescript(script).close()

    def close(self) -> None:
        self._conn.close()

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` (the write lock at once, so two writers never deadlock on an
        upgrade), then ``COMMIT``, or ``ROLLBACK`` if the block raises."""
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:
                self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")


class Connection:
    """An open SQLite file (or ``:memory:``) and the thread that owns it."""

    def __init__(self, path: str, executor: ThreadPoolExecutor, sql: Sql) -> None:
        self.path = path
        self._executor = executor
        self._sql = sql
        self._closed = False

    @classmethod
    async def open(cls, path: str) -> Connection:
        """Connect on a new thread (``configure`` then sets the connection up); raise
        ``sqlite3.Error`` if SQLite cannot open the file."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studybot-sqlite")
        loop = asyncio.get_running_loop()
        try:
            sql = await loop.run_in_executor(executor, _connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(path, executor, sql)

    @property
    def query_count(self) -> int:
        return self._sql.count

    async def run(self, fn: Callable[Concatenate[Sql, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(sql, *args, **kwargs)`` on the connection's thread; its result or its exception."""
        if self._closed:
            raise RuntimeError(f"the database {self.path!r} is closed")
        loop = asyncio.get_running_loop()
        if kwargs:
            return await loop.run_in_executor(self._executor, lambda: fn(self._sql, *args, **kwargs))
        return await loop.run_in_executor(self._executor, fn, self._sql, *args)

    async def close(self) -> None:
        """Close the connection and let its thread end; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, _disconnect, self._sql)
        finally:
            self._executor.shutdown(wait=False)


def _connect(path: str) -> Sql:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return Sql(conn)


def configure(sql: Sql, path: str) -> None:
    """WAL, NORMAL sync, foreign keys and a busy timeout; raise ``sqlite3.Error`` if the file is
    not a database or cannot be written. Runs on the connection's thread (``Connection.run``)."""
    sql.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Reading the schema first turns "file is not a database" into an error here, at open.
    sql.all("SELECT count(*) FROM sqlite_master")
    if path != MEMORY:
        row = sql.one("PRAGMA journal_mode = WAL")
        if row is None or str(row[0]).lower() != "wal":
            log.warning("SQLite refused WAL mode for %s (journal_mode=%s)", path, row and row[0])
    sql.execute("PRAGMA synchronous = NORMAL")
    sql.execute("PRAGMA foreign_keys = ON")
    # A write lock proves the file (and its directory, for the WAL files) is writable now,
    # rather than at the first reply of the day.
    sql.execute("BEGIN IMMEDIATE")
    sql.execute("ROLLBACK")


def _disconnect(sql: Sql) -> None:
    sql.close()
