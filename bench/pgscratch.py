"""Scratch PostgreSQL databases for the benches: made empty on the server a URL names, dropped after.

A bench needs a fresh database for every measured run (a raw baseline, each round of the bot's
path), and must never touch the tables of a database an operator points it at. So it creates
its own databases next to the one the URL names (the URL's user needs CREATEDB) and drops them
when done, also when the run fails.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (host, user, password and query options kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@asynccontextmanager
async def scratch_database(url: str, label: str) -> AsyncIterator[str]:
    """An empty database on the server of ``url``; yield its URL; drop it afterwards."""
    name = f"studybot_bench_{label}_{uuid.uuid4().hex[:10]}"  # made here, never from input
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
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def server_version(url: str) -> str:
    """The server's version, e.g. ``15.18``, for the bench's header line."""
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version")).split()[0]
    finally:
        await conn.close()
