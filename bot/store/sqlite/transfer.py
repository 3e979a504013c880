"""Whole tables in and out of SQLite, row for row (``ports.Transfer``, for ``migrate-data``).

Reading is one deferred transaction (in WAL mode a snapshot: a bot still writing does not tear
the copy); loading is one ``BEGIN IMMEDIATE`` transaction spanning every batch, committed at the
end or rolled back whole. Each batch is one trip to the connection's thread. AUTOINCREMENT
counters follow explicit ids by themselves (SQLite records the highest in ``sqlite_sequence``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import time

from bot.store.ports import TransferError
from bot.store.sqlite.codec import from_text, to_text
from bot.store.sqlite.connection import Connection, Sql
from bot.store.tables import TABLES, Codec, Row, Table, driver_words


def _time_text(value: time) -> str:
    """``HH:MM`` as the schedules store it; seconds only when there are any."""
    if value.second or value.microsecond:
        return value.isoformat()
    return value.isoformat(timespec="minutes")


_DECODE: Codec = {
    "int": int,
    "text": str,
    "instant": from_text,
    "time": time.fromisoformat,
    "json": json.loads,
}
_ENCODE: Codec = {
    "int": int,
    "text": str,
    "instant": to_text,
    "time": _time_text,
    "json": json.dumps,
}


def _counts(sql: Sql) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in TABLES:
        row = sql.one(f"SELECT COUNT(*) FROM {table.name}")
        counts[table.name] = 0 if row is None else int(row[0])
    return counts


async def _count(db: Connection) -> dict[str, int]:
    try:
        return await db.run(_counts)
    except sqlite3.Error as error:
        raise TransferError(f"counting rows failed: {driver_words(error)}") from error


def _page(sql: Sql, table: Table, after: tuple[object, ...] | None, size: int) -> list[sqlite3.Row]:
    key = ", ".join(table.key)
    where = ""
    if after is not None:
        where = f" WHERE ({key}) > ({', '.join('?' for _ in table.key)})"
    return sql.all(
        f"SELECT {', '.join(table.names)} FROM {table.name}{where} ORDER BY {key} LIMIT ?",
        (*(after or ()), size),
    )


class _Reader:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def batches(self, table: Table, size: int) -> AsyncIterator[list[Row]]:
        decode = table.decoder(_DECODE)
        after: tuple[object, ...] | None = None
        while True:
            try:
                rows = await self._db.run(_page, table, after, size)
            except sqlite3.Error as error:
                raise TransferError(f"reading {table.name} failed: {driver_words(error)}") from error
            if not rows:
                return
            after = tuple(rows[-1][name] for name in table.key)  # stored form: compares as stored
            yield [decode(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        return await _count(self._db)


class _Writer:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def write(self, table: Table, rows: Sequence[Row]) -> None:
        if not rows:
            return
        encode = table.encoder(_ENCODE)
        params = [encode(row) for row in rows]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(table.names)}) "
            f"VALUES ({', '.join('?' for _ in table.columns)})"
        )
        try:
            await self._db.run(lambda s: s.executemany(sql, params))
        except sqlite3.Error as error:
            raise TransferError(f"writing {table.name} failed: {driver_words(error)}") from error

    async def counts(self) -> dict[str, int]:
        return await _count(self._db)


def _end(sql: Sql, statement: str) -> None:
    if sql.in_transaction:
        sql.execute(statement)


class SqliteTransfer:
    """``ports.Transfer`` over SQLite."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[_Reader]:
        try:
            await self._db.run(lambda s: s.execute("BEGIN"))
        except sqlite3.Error as error:
            raise TransferError(f"cannot read the database: {driver_words(error)}") from error
        try:
            yield _Reader(self._db)
        finally:
            await self._db.run(_end, "COMMIT")  # a read-only transaction: ending it changes nothing

    @asynccontextmanager
    async def loading(self) -> AsyncIterator[_Writer]:
        try:
            await self._db.run(lambda s: s.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as error:
            raise TransferError(f"cannot write to the database: {driver_words(error)}") from error
        try:
            yield _Writer(self._db)
        except BaseException:
            await self._db.run(_end, "ROLLBACK")
            raise
        try:
            await self._db.run(_end, "COMMIT")
        except sqlite3.Error as error:
            await self._db.run(_end, "ROLLBACK")
            raise TransferError(f"committing the copy failed: {driver_words(error)}") from error
