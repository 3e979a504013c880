"""Whole tables in and out of PostgreSQL, row for row (``ports.Transfer``, for ``migrate-data``).

Reading holds one pooled connection in a read-only repeatable-read transaction: every batch sees
the same snapshot, so a bot still writing cannot tear the copy. Loading holds one connection in
one transaction and sends each batch with ``COPY`` (the fastest way in, one round trip per batch);
before committing, each identity counter is moved past the highest copied id, so the next post
or schedule the bot makes gets a new id. A failure rolls everything back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.store.ports import TransferError
from bot.store.postgres.connection import Connection, utc
from bot.store.tables import TABLES, Codec, Row, Table, driver_words

_DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


def _same(value: Any) -> object:
    return value


_DECODE: Codec = {
    "int": _same,
    "text": _same,
    "instant": utc,
    "time": _same,
    "json": json.loads,  # asyncpg hands jsonb over as its text
}
_ENCODE: Codec = {
    "int": _same,
    "text": _same,
    "instant": utc,
    "time": _same,
    "json": json.dumps,
}


async def _counts(db: Connection, conn: PoolConnectionProxy) -> dict[str, int]:
    db.count()
    try:
        row = await conn.fetchrow(
            "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t.name}) AS {t.name}" for t in TABLES)
        )
    except _DRIVER_ERRORS as error:
        raise TransferError(f"counting rows failed: {driver_words(error)}") from error
    assert row is not None  # a SELECT without FROM always returns its row
    return {t.name: int(row[t.name]) for t in TABLES}


class _Reader:
    def __init__(self, db: Connection, conn: PoolConnectionProxy) -> None:
        self._db = db
        self._conn = conn

    async def batches(self, table: Table, size: int) -> AsyncIterator[list[Row]]:
        decode = table.decoder(_DECODE)
        key = ", ".join(table.key)
        first = f"SELECT {', '.join(table.names)} FROM {table.name} ORDER BY {key} LIMIT $1"
        marks = ", ".join(f"${n}" for n in range(2, len(table.key) + 2))
        following = (
            f"SELECT {', '.join(table.names)} FROM {table.name} WHERE ({key}) > ({marks}) "
            f"ORDER BY {key} LIMIT $1"
        )
        after: tuple[object, ...] | None = None
        while True:
            self._db.count()
            try:
                if after is None:
                    rows = await self._conn.fetch(first, size)
                else:
                    rows = await self._conn.fetch(following, size, *after)
            except _DRIVER_ERRORS as error:
                raise TransferError(f"reading {table.name} failed: {driver_words(error)}") from error
            if not rows:
                return
            after = tuple(rows[-1][name] for name in table.key)
            yield [decode(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        return await _counts(self._db, self._conn)


class _Writer:
    def __init__(self, db: Connection, conn: PoolConnectionProxy) -> None:
        self._db = db
        self._conn = conn
        self.written: set[str] = set()

    async def write(self, table: Table, rows: Sequence[Row]) -> None:
        if not rows:
            return
        encode = table.encoder(_ENCODE)
        records = [encode(row) for row in rows]
        self._db.count()
        try:
            await self._conn.copy_records_to_table(table.name, records=records, columns=list(table.names))
        except _DRIVER_ERRORS as error:
            raise TransferError(f"writing {table.name} failed: {driver_words(error)}") from error
        self.written.add(table.name)

    async def counts(self) -> dict[str, int]:
        return await _counts(self._db, self._conn)

    async def move_counters(self) -> None:
        """Each identity counter past the highest id copied into its table."""
        for table in TABLES:
            if table.counter is None or table.name not in self.written:
                continue
            self._db.count()
            sequence = f"pg_get_serial_sequence('{table.name}', '{table.counter}')"
            await self._conn.execute(
                f"SELECT setval({sequence}, MAX({table.counter})) FROM {table.name} "
                f"HAVING MAX({table.counter}) IS NOT NULL"
            )


class PostgresTransfer:
    """``ports.Transfer`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    @asynccontextmanager
    async def _transaction(self, what: str, **options: Any) -> AsyncIterator[PoolConnectionProxy]:
        """One pooled connection in one transaction; only the driver's own failures (connecting,
        BEGIN, COMMIT) become TransferError here, the block's errors pass as they are."""
        self._db.count(2)  # BEGIN and COMMIT (or ROLLBACK)
        try:
            conn = await self._db.pool.acquire()
        except _DRIVER_ERRORS as error:
            raise TransferError(f"{what} failed: {driver_words(error)}") from error
        try:
            transaction = conn.transaction(**options)
            try:
                await transaction.start()
            except _DRIVER_ERRORS as error:
                raise TransferError(f"{what} failed: {driver_words(error)}") from error
            try:
                yield conn
            except BaseException:
                await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except _DRIVER_ERRORS as error:
                raise TransferError(f"{what} failed: {driver_words(error)}") from error
        finally:
            await self._db.pool.release(conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[_Reader]:
        snapshot = {"isolation": "repeatable_read", "readonly": True}
        async with self._transaction("reading the database", **snapshot) as conn:
            yield _Reader(self._db, conn)

    @asynccontextmanager
    async def loading(self) -> AsyncIterator[_Writer]:
        async with self._transaction("writing the database") as conn:
            writer = _Writer(self._db, conn)
            yield writer
            try:
                await writer.move_counters()
            except _DRIVER_ERRORS as error:
                raise TransferError(f"moving the id counters failed: {driver_words(error)}") from error
