"""The batch claim's plan: asyncpg prepares each statement, and PostgreSQL soon plans it once for
any parameters (a generic plan, guessing 10 array elements). Whatever that guess, a batch claim
must find its rows by primary key, never by reading every schedule due at that instant once per
element (which made it several times slower with thousands due at once). The plan is read from
PostgreSQL itself (auto_explain, reported to the client) for the statement the store sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.store.postgres import open_postgres
from bot.store.postgres.connection import Connection
from bot.store.postgres.schedules import PostgresSchedules
from bot.store.rows import ClaimRequest, ShardSet

DUE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def scans(plan: dict) -> set[tuple[str, str]]:
    """(node type, index or table) of every scan in a JSON plan."""
    found = set()
    node = plan.get("Plan", plan)
    if "Scan" in node.get("Node Type", ""):
        found.add((node["Node Type"], node.get("Index Name") or node.get("Relation Name", "")))
    for child in node.get("Plans", []):
        found |= scans(child)
    return found


@pytest.mark.parametrize("shards", [None, ShardSet.of(2, {0, 1})], ids=["every server", "shards"])
async def test_a_batch_claim_reads_its_rows_by_primary_key_in_a_generic_plan(postgres_url, shards):
    store = await open_postgres(postgres_url)  # the schema
    try:
        # A deployment's table after a while: 20,000 schedules over the weeks (done or pending),
        # and 1,000 due at the same instant (the (state, next_run) index's worst case).
        await store.connection.execute(
            "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, timezone, next_run, state, "
            "created_by, created_at) SELECT (n + 1) << 22, 5, 'once', 'l' || n, 'UTC', "
            "CASE WHEN n < 1000 THEN $1::timestamptz "
            "WHEN n % 2 = 0 THEN $1::timestamptz + n * interval '1 minute' END, "
            "CASE WHEN n < 1000 OR n % 2 = 0 THEN 'pending' ELSE 'done' END, 42, $1 "
            "FROM generate_series(0, 20999) AS n",
            DUE,
        )
        await store.connection.execute("ANALYZE schedules")  # as autovacuum does after such a change
        due = await store.schedules.next_due()
    finally:
        await store.close()
    assert len(due) == 500

    plans: list[dict] = []
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute(
            "SET plan_cache_mode = force_generic_plan; LOAD 'auto_explain'; "
            "SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = notice; "
            "SET auto_explain.log_format = json"
        )
        # The notice reads "duration: ... plan:" and then the plan as JSON.
        conn.add_log_listener(lambda _c, notice: plans.append(json.loads(notice.message.split("\n", 1)[1])))
        schedules = PostgresSchedules(Connection(conn))  # the backend's own statements, on this connection
        claims = await schedules.claim_many(
            [ClaimRequest(s, f"n{s.id}", None) for s in due[:50]],
            holder="a",
            lease=timedelta(minutes=10),
            now=DUE,
            shards=shards,
        )
    finally:
        await conn.close()
    assert len(claims) == 50
    [plan] = [p for p in plans if "won AS" in p.get("Query Text", "")]
    read = scans(plan)
    assert ("Index Scan", "schedules_pkey") in read or ("Bitmap Index Scan", "schedules_pkey") in read
    assert (
        not {
            ("Seq Scan", "schedules"),
            ("Index Scan", "schedules_due"),
            ("Bitmap Index Scan", "schedules_due"),
        }
        & read
    )
