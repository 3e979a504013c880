from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.store.ports import Store
from tests.backends import BACKENDS, Backend, Run

pytest_plugins = ["tests.fakediscord.plugin", "tests.postgres_plugin", "pytester"]


@pytest.fixture(params=BACKENDS, ids=lambda backend: backend.name)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend of ``tests/backends.py`` in turn."""
    return request.param


@pytest.fixture
async def store(backend: Backend, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, migrated, empty store of this test's own, once per backend."""
    async with backend.open(request, tmp_path) as opened:
        yield opened


class Probe:
    """Reads back what the bot writes but never reads itself: a schedule's run history."""

    def __init__(self, backend: Backend, store: Store) -> None:
        self._backend = backend
        self._store = store

    async def runs(self, schedule_id: int) -> list[Run]:
        return await self._backend.runs(self._store, schedule_id)

    async def run(self, schedule_id: int, occurrence: datetime) -> Run | None:
        return next((r for r in await self.runs(schedule_id) if r.occurrence == occurrence), None)


@pytest.fixture
def probe(backend: Backend, store: Store) -> Probe:
    return Probe(backend, store)
