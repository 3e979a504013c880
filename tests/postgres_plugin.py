"""pytest fixtures for tests that need PostgreSQL: ``postgres_url`` is a fresh database per test.

Register with ``pytest_plugins = ["tests.postgres_plugin"]`` in tests/conftest.py.

The server comes from ``TEST_POSTGRES_URL`` (``.ci/run`` starts a throwaway one and sets it).
Without it the test is skipped with one line saying so, except under ``CI=true``, where a
missing server would silently hide the PostgreSQL half of the suite: there it is a failure.

Each test gets a database of its own, created empty (from ``template0``) and dropped after the
test, so tests never see each other's rows and can run in any order.

    async def test_something(postgres_url):
        store = await open_store(postgres_url)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

ENV_VAR = "TEST_POSTGRES_URL"
SKIP_REASON = f"{ENV_VAR} is not set: PostgreSQL cases need a server (.ci/run starts one)"
CI_FAILURE = (
    f"{ENV_VAR} is not set under CI=true: .ci/run must start PostgreSQL (.ci/postgres.sh) "
    "so the PostgreSQL cases run instead of being skipped"
)
MARKER = "postgres"


def server_url(env: Mapping[str, str] | None = None) -> str | None:
    """The test server's URL, or None when none is configured."""
    env = os.environ if env is None else env
    return env.get(ENV_VAR, "").strip() or None


def require_server_url(env: Mapping[str, str] | None = None) -> str:
    """The test server's URL; skip the test without one (fail it under CI=true)."""
    env = os.environ if env is None else env
    url = server_url(env)
    if url is None:
        if env.get("CI", "").strip().lower() == "true":
            pytest.fail(CI_FAILURE, pytrace=False)
        pytest.skip(SKIP_REASON)
    return url


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (host, user and query options kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[str]:
    """Create an empty database on the server of ``url``; yield its URL; drop it afterwards."""
    name = f"studybot_t_{uuid.uuid4().hex[:16]}"  # made here, never from input: safe as an identifier
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        await admin.close()
    try:
        yield with_database(url, name)
    finally:
        admin = await asyncpg.connect(url)
        try:
            # FORCE ends connections a failed test left open (a leaked pool must not leak databases).
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of a fresh, empty PostgreSQL database of this test's own."""
    async with scratch_database(require_server_url()) as url:
        yield url


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: needs PostgreSQL ({ENV_VAR}); added automatically")


def _uses_postgres(item: pytest.Item) -> bool:
    if "postgres_url" in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)  # the PostgreSQL case of a test run per backend
    return callspec is not None and any(
        getattr(value, "name", value) == "postgresql" for value in callspec.params.values()
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs PostgreSQL so ``-m 'not postgres'`` can leave them out."""
    for item in items:
        if _uses_postgres(item):
            item.add_marker(MARKER)
