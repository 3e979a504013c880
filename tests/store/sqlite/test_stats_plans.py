"""/stats reads a server's replies through indexes, never by scanning the whole table (issue 10,
item 6): the plans SQLite makes for ``Replies.activity``'s statement, on a file holding several
servers' replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import open_store
from bot.store.rows import Reply, ReplyChanges
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.replies import activity_query

T0 = datetime(2026, 1, 5, tzinfo=UTC)
GUILD = 3 << 22


@pytest.fixture
async def sqlite_store(tmp_path):
    store = await open_store(f"sqlite:///{tmp_path / 'plans.sqlite3'}")
    assert isinstance(store, SqliteStore)
    replies = [
        Reply(n, (n % 6) + 100 * g, g << 22, n % 9, "Ada", "hi", (), T0 + timedelta(minutes=n))
        for g in (1, 2, 3)
        for n in range(g * 1000, g * 1000 + 300)
    ]
    await store.replies.apply([ReplyChanges(upserts=replies)])
    yield store
    await store.close()


async def plan(store: SqliteStore, threads: list[int] | None, author_id: int | None) -> str:
    statement, params = activity_query(GUILD, threads, author_id)
    rows = await store.connection.run(lambda sql: sql.all("EXPLAIN QUERY PLAN " + statement, params))
    return " | ".join(str(row["detail"]) for row in rows)


@pytest.mark.parametrize(
    ("threads", "author", "index"),
    [
        ([300, 301, 302], None, "replies_guild_thread (guild_id=? AND thread_id=?)"),  # the overview
        ([300], None, "replies_guild_thread (guild_id=? AND thread_id=?)"),  # one lesson
        ([300, 301, 302, 303, 304, 305], 4, "replies_guild_author (guild_id=? AND author_id=?)"),  # a member
    ],
)
async def test_the_stats_reads_search_an_index_of_the_server(sqlite_store, threads, author, index):
    found = await plan(sqlite_store, threads, author)
    assert f"SEARCH replies USING INDEX {index}" in found, found
    assert "SCAN replies" not in found, found
