"""The ``postgres_url`` fixture: skipped without a server, a failure under CI, a fresh database each."""

from __future__ import annotations

import asyncpg
import pytest

from tests.postgres_plugin import ENV_VAR, with_database

USES_FIXTURE = """
    async def test_needs_postgres(postgres_url):
        assert postgres_url
"""


INNER_ARGS = (
    *("-p", "tests.postgres_plugin", "-p", "asyncio"),
    *("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"),
)


def run_inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, **env: str) -> pytest.RunResult:
    for name in (ENV_VAR, "CI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(USES_FIXTURE)
    return pytester.runpytest_inprocess(*INNER_ARGS, "-rs")


def test_without_a_server_the_case_is_skipped_with_one_line(pytester, monkeypatch):
    result = run_inner(pytester, monkeypatch)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"SKIPPED*{ENV_VAR} is not set: PostgreSQL cases need a server*"])


def test_under_ci_a_missing_server_is_a_failure(pytester, monkeypatch):
    result = run_inner(pytester, monkeypatch, CI="true")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{ENV_VAR} is not set under CI=true*"])


def test_a_case_using_the_fixture_is_marked_postgres(pytester, monkeypatch):
    for name in (ENV_VAR, "CI"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(USES_FIXTURE + "\n\ndef test_plain():\n    pass\n")
    result = pytester.runpytest_inprocess(*INNER_ARGS, "-m", "not postgres")
    result.assert_outcomes(passed=1, deselected=1)


def test_the_database_name_replaces_only_the_path():
    url = "postgresql://postgres@/studybot_test?host=/tmp/pg.abc"
    assert with_database(url, "other") == "postgresql://postgres@/other?host=/tmp/pg.abc"
    assert with_database("postgresql://u:p@127.0.0.1:5433/x", "y") == "postgresql://u:p@127.0.0.1:5433/y"


@pytest.mark.parametrize("turn", [1, 2])
async def test_each_test_gets_an_empty_database_of_its_own(postgres_url, turn):
    """Run twice: the table the first run creates must not be there for the second."""
    conn = await asyncpg.connect(postgres_url)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert tables == []
        await conn.execute("CREATE TABLE left_behind (turn int)")
        await conn.execute("INSERT INTO left_behind VALUES ($1)", turn)
        assert await conn.fetchval("SELECT current_database()") != "studybot_test"
    finally:
        await conn.close()
