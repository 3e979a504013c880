"""A real SQLite file per test, migrated to the latest schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.store.database import Database


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite:///{tmp_path / 'studybot.sqlite3'}")
    yield database
    await database.close()
