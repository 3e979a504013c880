"""The pool keeps a floor of open connections through a quiet spell, so the first claim after
days without a due post does not wait for a new connection (and its server process)."""

from __future__ import annotations

import asyncio

import asyncpg

from bot.store.postgres import open_postgres
from bot.store.postgres.store import POOL_MAX, POOL_MIN


async def server_processes(url: str) -> int:
    """The server processes serving the bot's connections to this database just now."""
    watcher = await asyncpg.connect(url)
    try:
        return await watcher.fetchval(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'studybot'"
        )
    finally:
        await watcher.close()


async def server_processes_once_settled(url: str, expected: int) -> int:
    """``server_processes``, given up to 10 s to reach ``expected``: a server process whose
    client hung up ends on its own time, a moment later."""
    for _ in range(100):
        count = await server_processes(url)
        if count == expected:
            break
        await asyncio.sleep(0.1)
    return count


async def test_after_a_quiet_spell_the_floor_of_connections_is_still_open(postgres_url):
    store = await open_postgres(postgres_url, idle_lifetime=0.2)
    try:
        pool = store.connection.pool
        burst = [await pool.acquire() for _ in range(POOL_MAX)]  # a burst opens every connection
        opened = {await conn.fetchval("SELECT pg_backend_pid()") for conn in burst}
        for conn in burst:
            await pool.release(conn)
        assert len(opened) == POOL_MAX == await server_processes(postgres_url)

        await asyncio.sleep(1.0)  # five idle lifetimes: asyncio runs the earlier timers first

        assert pool.get_size() == POOL_MIN  # the rest were closed
        assert await server_processes_once_settled(postgres_url, POOL_MIN) == POOL_MIN
        async with pool.acquire() as conn:  # the first statement after the quiet spell
            assert await conn.fetchval("SELECT pg_backend_pid()") in opened  # an open one, not a new one
        assert await server_processes(postgres_url) == POOL_MIN
    finally:
        await store.close()
