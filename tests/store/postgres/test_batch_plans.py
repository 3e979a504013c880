"""The batch statements' plans: asyncpg prepares each statement, and PostgreSQL soon plans it once
for any parameters (a generic plan, guessing 10 array elements). Whatever that guess, a batch
must find its rows by primary key, never by reading every schedule due at that instant once per
element (which made claims several times slower with thousands due at once), nor a whole table.
The plan is read from PostgreSQL itself (auto_explain, reported to the client) for the statement
the store sends, on tables shaped like a deployment's after a while."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.store.postgres import open_postgres
from bot.store.postgres.connection import Connection
from bot.store.postgres.schedules import PostgresSchedules
from bot.store.rows import ClaimRequest, RunOutcome, Schedule, ShardSet

DUE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
# Reading these means reading every due row, or a whole table, for a batch of 50.
WHOLE = {
    ("Seq Scan", "schedules"),
    ("Seq Scan", "schedule_runs"),
    ("Index Scan", "schedules_due"),
    ("Bitmap Index Scan", "schedules_due"),
}


def scans(plan: dict) -> set[tuple[str, str]]:
    """(node type, index or table) of every scan in a JSON plan."""
    found = set()
    node = plan.get("Plan", plan)
    if "Scan" in node.get("Node Type", ""):
        found.add((node["Node Type"], node.get("Index Name") or node.get("Relation Name", "")))
    for child in node.get("Plans", []):
        found |= scans(child)
    return found


@pytest.fixture
async def due(postgres_url: str) -> list[Schedule]:
    """21,000 schedules over the weeks, 20,000 of them with a past run (done, or pending for
    later), and 1,000 due at the same instant (the (state, next_run) index's worst case)."""
    store = await open_postgres(postgres_url)  # the schema
    try:
        await store.connection.execute(
            "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, timezone, next_run, state, "
            "created_by, created_at) SELECT (n + 1) << 22, 5, 'once', 'l' || n, 'UTC', "
            "CASE WHEN n < 1000 THEN $1::timestamptz "
            "WHEN n % 2 = 0 THEN $1::timestamptz + n * interval '1 minute' END, "
            "CASE WHEN n < 1000 OR n % 2 = 0 THEN 'pending' ELSE 'done' END, 42, $1 "
            "FROM generate_series(0, 20999) AS n",
            DUE,
        )
        await store.connection.execute(
            "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, claimed_at, holder) "
            "SELECT id, $1::timestamptz - interval '1 week', 'sent', 'n' || id, $1, 'old' FROM schedules "
            "WHERE id > 1000",
            DUE,
        )
        await store.connection.execute("ANALYZE schedules, schedule_runs")  # as autovacuum would
        return await store.schedules.next_due()
    finally:
        await store.close()


@pytest.fixture
async def explained(postgres_url: str) -> AsyncIterator[tuple[PostgresSchedules, list[dict]]]:
    """The backend's Schedules on one connection whose every statement is planned generically,
    and the plans PostgreSQL reports for them."""
    plans: list[dict] = []
    conn = await asyncpg.connect(postgres_url)
    await conn.execute(
        "SET plan_cache_mode = force_generic_plan; LOAD 'auto_explain'; "
        "SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = notice; "
        "SET auto_explain.log_format = json"
    )
    # The notice reads "duration: ... plan:" and then the plan as JSON.
    conn.add_log_listener(lambda _c, notice: plans.append(json.loads(notice.message.split("\n", 1)[1])))
    try:
        yield PostgresSchedules(Connection(conn)), plans
    finally:
        await conn.close()


def plan_of(plans: list[dict], words: str) -> set[tuple[str, str]]:
    [plan] = [p for p in plans if words in p.get("Query Text", "")]
    return scans(plan)


@pytest.mark.parametrize("shards", [None, ShardSet.of(2, {0, 1})], ids=["every server", "shards"])
async def test_a_batch_claim_reads_its_rows_by_primary_key_in_a_generic_plan(due, explained, shards):
    schedules, plans = explained
    claims = await schedules.claim_many(
        [ClaimRequest(s, f"n{s.id}", None) for s in due[:50]], holder="a", lease=LEASE, now=DUE, shards=shards
    )
    assert len(claims) == 50
    read = plan_of(plans, "won AS")
    assert ("Index Scan", "schedules_pkey") in read or ("Bitmap Index Scan", "schedules_pkey") in read
    assert not WHOLE & read, read


async def test_a_batch_completion_reads_its_rows_by_primary_key_in_a_generic_plan(due, explained):
    schedules, plans = explained
    claims = await schedules.claim_many(
        [ClaimRequest(s, f"n{s.id}", None) for s in due[:50]], holder="a", lease=LEASE, now=DUE
    )
    recorded = await schedules.complete_many([(c, RunOutcome.sent(1, None, finished=True)) for c in claims])
    assert recorded == [True] * 50
    read = plan_of(plans, "mine AS")
    assert ("Index Scan", "schedules_pkey") in read
    assert not WHOLE & read, read
