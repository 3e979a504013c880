"""The store backends every store-level test runs against.

To run the whole contract suite (and the dispatcher, writer and collector tests) on another
backend, add one line to ``BACKENDS``: an object with a ``name``, an ``open`` that yields a fresh,
migrated, empty ``Store`` for one test, and a ``runs`` that reads a schedule's run history (the
one thing the tests observe that the bot itself never reads back).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pytest

from bot.store import open_store
from bot.store.ports import Store
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.codec import from_text
from bot.store.sqlite.connection import Sql


@dataclass(frozen=True)
class Run:
    """What became of one claimed occurrence, as the tests read it back."""

    schedule_id: int
    occurrence: datetime
    state: str  # claimed, sent, missed, failed, empty
    nonce: str
    lesson_id: str | None
    message_id: int | None
    detail: str | None
    holder: str


class Backend(Protocol):
    name: str

    def database(self, tmp_path: Path) -> AbstractAsyncContextManager[str]:
        """The URL of a fresh, empty database (not yet migrated), gone after the block."""
        ...

    def open(self, request: pytest.FixtureRequest, tmp_path: Path) -> AbstractAsyncContextManager[Store]: ...

    async def runs(self, store: Store, schedule_id: int) -> list[Run]: ...

    async def schema(self, store: Store) -> dict[str, set[str]]:
        """The store's tables (but the migrations' own record) and their columns."""
        ...


class SqliteBackend:
    name = "sqlite"

    @asynccontextmanager
    async def database(self, tmp_path: Path) -> AsyncIterator[str]:
        yield f"sqlite:///{tmp_path / 'studybot.sqlite3'}"

    @asynccontextmanager
    async def open(self, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
        async with self.database(tmp_path) as url:
            store = await open_store(url)
            try:
                yield store
            finally:
                await store.close()

    async def schema(self, store: Store) -> dict[str, set[str]]:
        assert isinstance(store, SqliteStore)

        def read(sql: Sql) -> dict[str, set[str]]:
            tables = sql.all(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name <> 'schema_migrations'"
            )
            return {
                t["name"]: {c["name"] for c in sql.all(f"PRAGMA table_info({t['name']})")} for t in tables
            }

        return await store.connection.run(read)

    async def runs(self, store: Store, schedule_id: int) -> list[Run]:
        assert isinstance(store, SqliteStore)

        def read(sql: Sql) -> list[Run]:
            rows = sql.all(
                "SELECT schedule_id, occurrence, state, nonce, lesson_id, message_id, detail, holder "
                "FROM schedule_runs WHERE schedule_id = ? ORDER BY occurrence",
                (schedule_id,),
            )
            return [Run(**{**dict(r), "occurrence": from_text(r["occurrence"])}) for r in rows]

        return await store.connection.run(read)


class PostgresBackend:
    """A database of this test's own on the server of TEST_POSTGRES_URL, dropped after the test:
    skipped without a server, a failure under CI=true (tests/postgres_plugin.py)."""

    name = "postgresql"

    @asynccontextmanager
    async def database(self, tmp_path: Path) -> AsyncIterator[str]:
        # Imported here: conftest imports this module before pytest registers the plugin, and
        # an early import would keep pytest from rewriting the plugin's asserts.
        from tests.postgres_plugin import require_server_url, scratch_database

        async with scratch_database(require_server_url()) as url:
            yield url

    @asynccontextmanager
    async def open(self, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
        async with self.database(tmp_path) as url:
            store = await open_store(url)
            try:
                yield store
            finally:
                await store.close()

    async def schema(self, store: Store) -> dict[str, set[str]]:
        assert isinstance(store, PostgresStore)
        rows = await store.connection.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'"
        )
        schema: dict[str, set[str]] = {}
        for row in rows:
            schema.setdefault(row["table_name"], set()).add(row["column_name"])
        return schema

    async def runs(self, store: Store, schedule_id: int) -> list[Run]:
        assert isinstance(store, PostgresStore)
        rows = await store.connection.fetch(
            "SELECT schedule_id, occurrence, state, nonce, lesson_id, message_id, detail, holder "
            "FROM schedule_runs WHERE schedule_id = $1 ORDER BY occurrence",
            schedule_id,
        )
        return [Run(**dict(r)) for r in rows]


BACKENDS: list[Backend] = [SqliteBackend(), PostgresBackend()]
