"""The one door to PostgreSQL: a small facade over an asyncpg pool that counts statements.

The backend's modules hand it SQL with ``$n`` parameters and get asyncpg records back; nothing
outside ``bot.store.postgres`` sees either. A lone statement runs on any pooled connection
(PostgreSQL makes each statement its own transaction); ``transaction()`` holds one connection
for a ``BEGIN ... COMMIT`` of several. ``query_count`` counts every statement sent, transaction
control included, so tests and benches can prove that an idle component makes no queries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Record = asyncpg.Record


def utc(when: datetime) -> datetime:
    """``when`` checked to be aware (a naive instant is a guess, and a wrong guess moves a post
    by hours: asyncpg would silently read it as UTC), as UTC."""
    if when.tzinfo is UTC:
        return when
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r}: pass an aware datetime (UTC)")
    return when.astimezone(UTC)


def utc_or_none(when: datetime | None) -> datetime | None:
    return None if when is None else utc(when)


def rows_changed(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3`` or ``INSERT 0 1`` (0 if none)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Counting:
    """The statement methods, on a pooled connection or the pool itself."""

    def __init__(
        self, target: asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy, counter: Connection
    ) -> None:
        self._target = target
        self._counter = counter

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        self._counter.count()
        return await self._target.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        self._counter.count()
        return await self._target.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self._counter.count()
        return await self._target.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return the rows it changed."""
        self._counter.count()
        return rows_changed(await self._target.execute(sql, *args))


Tx = _Counting


class Connection(_Counting):
    """An asyncpg pool with the schema migrated, counting the statements it sends."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.query_count = 0
        self.closed = False
        super().__init__(pool, self)
        self.pool = pool

    def count(self, statements: int = 1) -> None:
        """Count statements about to be sent; refuse them once the store is closed (the same
        error as the SQLite backend's, rather than asyncpg's own)."""
        if self.closed:
            raise RuntimeError("the database connection is closed")
        self.query_count += statements

    @asynccontextmanager
    async def transaction(self, *, snapshot: bool = False) -> AsyncIterator[Tx]:
        """``async with db.transaction() as tx:`` one connection, BEGIN, then COMMIT (ROLLBACK
        on error); the statements go through ``tx``. ``snapshot``: a read-only transaction whose
        reads all see the database as it was at the first (repeatable read)."""
        self.count(2)  # BEGIN and COMMIT (or ROLLBACK)
        isolation: Literal["repeatable_read"] | None = "repeatable_read" if snapshot else None
        async with self.pool.acquire() as conn, conn.transaction(isolation=isolation, readonly=snapshot):
            yield _Counting(conn, self)

    async def close(self) -> None:
        """Close the pool; safe to call twice. Statements after it raise RuntimeError."""
        self.closed = True
        if not self.pool.is_closing():
            await self.pool.close()
