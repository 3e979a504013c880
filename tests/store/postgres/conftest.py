"""A migrated PostgreSQL store per test, on a database of its own (``postgres_url``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.store.postgres import PostgresStore, open_postgres


@pytest.fixture
async def pg_store(postgres_url: str) -> AsyncIterator[PostgresStore]:
    store = await open_postgres(postgres_url)
    yield store
    await store.close()
