"""Schedules and the claims of their occurrences in PostgreSQL (tables ``schedules``, ``schedule_runs``).

A claim is a ``schedule_runs`` row in state ``claimed`` with its ``holder`` and ``lease_until``.
Several processes share the database, so every change of several rows is one statement whose
parts (data-modifying ``WITH`` clauses) commit together, and rows are taken with
``FOR UPDATE SKIP LOCKED``: a process never waits behind another's claim, it skips it, and of
two processes claiming the same occurrence at once exactly one wins. A row that another
process changed and committed meanwhile is re-checked against the conditions (PostgreSQL's
read-committed rule), so a lost lease or a moved ``next_run`` is always seen.
See ``bot.store.ports.Schedules`` for the contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.store.postgres.connection import Connection, Record, utc, utc_or_none
from bot.store.postgres.shards import shard_sql
from bot.store.rows import Claim, ClaimRequest, NewOnce, NewWeekly, RunOutcome, Schedule, ShardSet

_NAMES = (
    "id",
    "guild_id",
    "channel_id",
    "kind",
    "lesson_id",
    "weekday",
    "local_time",
    "timezone",
    "next_run",
    "state",
    "last_error",
    "created_by",
    "created_at",
    "post_id",
)
_COLUMNS = ", ".join(_NAMES)
# The moderators' lists and cancels see the post schedules only, never a discussion's jobs.
_POSTS_ONLY = "kind IN ('once', 'weekly')"


def _of(alias: str) -> str:
    return ", ".join(f"{alias}.{name}" for name in _NAMES)


def _schedule(row: Record) -> Schedule:
    return Schedule(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        kind=row["kind"],
        lesson_id=row["lesson_id"],
        weekday=row["weekday"],
        local_time=row["local_time"],
        timezone=row["timezone"],
        next_run=row["next_run"],
        state=row["state"],
        last_error=row["last_error"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        post_id=row["post_id"],
    )


_INSERT = (
    "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, weekday, local_time, timezone, next_run, "
    "state, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10) "
    f"RETURNING {_COLUMNS}"
)

# Claims (``claim_many``; ``claim`` is a batch of one): each schedule taken at exactly its wanted
# occurrence (skipped if another process holds it right now), moved to its following occurrence,
# and its run written as claimed: all or nothing. The wanted occurrences travel as column arrays
# ($1 ids, $2 occurrences, $3 following runs, $4 nonces, $5 lesson ids; an id at most once) and
# every row is taken under the same condition, skipping (never waiting for) rows another
# transaction holds. One statement, so the moves and the runs commit together. {shards} is a
# condition on s.guild_id using $9 and $10 (or nothing).
#
# Rows are found by primary key (id = ANY) and matched to their place in the arrays
# (array_position), not by joining the unnested arrays: asyncpg prepares the statement and
# PostgreSQL soon plans it once for any arrays, guessing 10 elements; with a join, that plan
# probed the (state, next_run) index once per element, reading every row due at that instant
# each time (measured with 20,000 due at once: 116 µs of statement time a claim, against 31 this
# way). Here the only sensible plan is the primary key, whatever the guess
# (tests/store/postgres/test_batch_plans.py reads the plan PostgreSQL makes).
_CLAIM_MANY = (
    "WITH won AS (SELECT s.id, array_position($1::bigint[], s.id) AS i FROM schedules s "
    "WHERE s.id = ANY($1::bigint[]) AND s.state = 'pending' "
    "AND s.next_run = ($2::timestamptz[])[array_position($1::bigint[], s.id)]{shards} "
    "FOR UPDATE OF s SKIP LOCKED), "
    "moved AS (UPDATE schedules s SET next_run = ($3::timestamptz[])[won.i] FROM won WHERE s.id = won.id "
    f"RETURNING won.i, {_of('s')}), "
    "run AS (INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at, "
    "holder, lease_until) "
    "SELECT m.id, ($2::timestamptz[])[m.i], 'claimed', ($4::text[])[m.i], ($5::text[])[m.i], "
    "$6::timestamptz, $7::text, $8::timestamptz FROM moved m "
    "ON CONFLICT (schedule_id, occurrence) DO UPDATE SET state = 'claimed', nonce = excluded.nonce, "
    "lesson_id = excluded.lesson_id, message_id = NULL, claimed_at = excluded.claimed_at, detail = NULL, "
    "holder = excluded.holder, lease_until = excluded.lease_until) "
    f"SELECT {_COLUMNS} FROM moved"
)

_RENEW = (
    "UPDATE schedule_runs SET lease_until = $4 "
    "WHERE schedule_id = $1 AND occurrence = $2 AND state = 'claimed' AND holder = $3"
)

# Completions (``complete_many``; ``complete`` is a batch of one): each outcome recorded only while its run is
# still its holder's claim, the runs locked in key order first (two batches never wait on each
# other in a cycle); each schedule follows only if its run was recorded. The arrays are joined
# once, to find the runs (by primary key, or among the few claimed runs); after that each row
# carries its place in the arrays (i), so the updates find their rows by primary key and read
# their values by position, whatever the generic plan guesses (see _CLAIM_MANY).
_COMPLETE_MANY = (
    "WITH mine AS (SELECT r.schedule_id, r.occurrence, d.i FROM unnest($1::bigint[], $2::timestamptz[], "
    "$3::text[]) WITH ORDINALITY AS d(schedule_id, occurrence, holder, i) "
    "JOIN schedule_runs r ON r.schedule_id = d.schedule_id AND r.occurrence = d.occurrence "
    "WHERE r.state = 'claimed' AND r.holder = d.holder "
    "ORDER BY r.schedule_id, r.occurrence FOR UPDATE OF r), "
    "recorded AS (UPDATE schedule_runs r SET state = ($4::text[])[mine.i], "
    "message_id = COALESCE(($5::bigint[])[mine.i], r.message_id), "
    "lesson_id = COALESCE(($6::text[])[mine.i], r.lesson_id), detail = ($7::text[])[mine.i] FROM mine "
    "WHERE r.schedule_id = mine.schedule_id AND r.occurrence = mine.occurrence "
    "AND r.state = 'claimed' AND r.holder = ($3::text[])[mine.i] "
    "RETURNING r.schedule_id, r.occurrence, mine.i), "
    "followed AS (UPDATE schedules s SET last_error = ($7::text[])[recorded.i], "
    "state = COALESCE(($8::text[])[recorded.i], s.state), "
    "next_run = CASE WHEN ($8::text[])[recorded.i] IS NULL THEN s.next_run END FROM recorded "
    "WHERE s.id = recorded.schedule_id AND s.state = 'pending') "
    "SELECT schedule_id, occurrence FROM recorded"
)

_RECORD_MISSED = (
    "WITH won AS (SELECT id FROM schedules WHERE id = $1 AND state = 'pending' AND next_run = $2 "
    "FOR UPDATE SKIP LOCKED), "
    "moved AS (UPDATE schedules s SET next_run = $3, "
    "state = CASE WHEN $3::timestamptz IS NULL THEN 'missed' ELSE 'pending' END, last_error = $4 "
    "FROM won WHERE s.id = won.id RETURNING s.id), "
    "run AS (INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at, "
    "detail) SELECT id, $2, 'missed', $5::text, $6::text, $7::timestamptz, $4::text FROM moved "
    "ON CONFLICT (schedule_id, occurrence) "
    "DO UPDATE SET state = 'missed', detail = excluded.detail RETURNING schedule_id) "
    "SELECT COUNT(*) FROM run"
)


def _occurrence_of(schedule: Schedule) -> datetime:
    if schedule.next_run is None:
        raise ValueError(f"schedule {schedule.id} has no next_run to claim")
    return utc(schedule.next_run)


class PostgresSchedules:
    """``ports.Schedules`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def _create(self, *params: object) -> Schedule:
        row = await self._db.fetchrow(_INSERT, *params)
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _schedule(row)

    async def _select(self, where: str, *params: object) -> list[Schedule]:
        rows = await self._db.fetch(f"SELECT {_COLUMNS} FROM schedules WHERE {where}", *params)
        return [_schedule(r) for r in rows]

    async def create_once(self, new: NewOnce) -> Schedule:
        return await self._create(
            new.guild_id,
            new.channel_id,
            "once",
            new.lesson_id,
            None,
            None,
            new.timezone,
            utc(new.run_at),
            new.created_by,
            utc(new.created_at),
        )

    async def create_weekly(self, new: NewWeekly) -> Schedule:
        return await self._create(
            new.guild_id,
            new.channel_id,
            "weekly",
            None,
            new.weekday,
            new.local_time.replace(second=0, microsecond=0, tzinfo=None),
            new.timezone,
            utc(new.first_run),
            new.created_by,
            utc(new.created_at),
        )

    async def get(self, schedule_id: int) -> Schedule | None:
        found = await self._select("id = $1", schedule_id)
        return found[0] if found else None

    async def pending(self, guild_id: int) -> list[Schedule]:
        return await self._select(
            f"guild_id = $1 AND state = 'pending' AND {_POSTS_ONLY} ORDER BY next_run IS NULL, next_run, id",
            guild_id,
        )

    async def listable(self, guild_id: int) -> list[Schedule]:
        return await self._select(
            f"guild_id = $1 AND state IN ('pending', 'missed', 'failed') AND {_POSTS_ONLY} "
            "ORDER BY state <> 'pending', next_run IS NULL, next_run, id",
            guild_id,
        )

    async def cancel(self, guild_id: int, schedule_id: int) -> bool:
        changed = await self._db.execute(
            "UPDATE schedules SET state = 'cancelled', next_run = NULL "
            f"WHERE id = $1 AND guild_id = $2 AND state IN ('pending', 'missed', 'failed') AND {_POSTS_ONLY}",
            schedule_id,
            guild_id,
        )
        return changed == 1

    async def next_due(self, *, shards: ShardSet | None = None, limit: int = 500) -> list[Schedule]:
        where, params = shard_sql(shards, 1)
        return await self._select(
            "state = 'pending' AND next_run = (SELECT MIN(next_run) FROM schedules WHERE state = 'pending' "
            f"AND next_run IS NOT NULL{where}){where} ORDER BY id LIMIT ${len(params) + 1}",
            *params,
            limit,
        )

    async def claim(
        self,
        schedule: Schedule,
        *,
        nonce: str,
        next_run: datetime | None,
        holder: str,
        lease: timedelta,
        now: datetime,
    ) -> Claim | None:
        # One statement for one claim and for many, so their rules cannot drift apart.
        won = await self.claim_many(
            [ClaimRequest(schedule, nonce, next_run)], holder=holder, lease=lease, now=now
        )
        return won[0] if won else None

    async def claim_many(
        self,
        wanted: Sequence[ClaimRequest],
        *,
        holder: str,
        lease: timedelta,
        now: datetime,
        shards: ShardSet | None = None,
    ) -> list[Claim]:
        occurrences = [_occurrence_of(w.schedule) for w in wanted]
        ids = [w.schedule.id for w in wanted]
        if len(set(ids)) != len(ids):
            raise ValueError("claim_many: a schedule is asked for twice")
        if not wanted:
            return []
        now = utc(now)
        lease_until = now + lease
        where, shard_params = shard_sql(shards, 9, "s.guild_id")
        rows = await self._db.fetch(
            _CLAIM_MANY.format(shards=where),
            ids,
            occurrences,
            [utc_or_none(w.next_run) for w in wanted],
            [w.nonce for w in wanted],
            [w.schedule.lesson_id for w in wanted],
            now,
            holder,
            lease_until,
            *shard_params,
        )
        won = {row["id"]: _schedule(row) for row in rows}
        return [
            Claim(
                schedule=won[w.schedule.id],
                occurrence=occurrence,
                nonce=w.nonce,
                holder=holder,
                lease_until=lease_until,
                claimed_at=now,
            )
            for w, occurrence in zip(wanted, occurrences, strict=True)
            if w.schedule.id in won
        ]

    async def renew(self, claim: Claim, *, lease: timedelta, now: datetime) -> Claim | None:
        lease_until = utc(now) + lease
        changed = await self._db.execute(
            _RENEW, claim.schedule.id, utc(claim.occurrence), claim.holder, lease_until
        )
        if changed != 1:
            return None
        return Claim(
            schedule=claim.schedule,
            occurrence=claim.occurrence,
            nonce=claim.nonce,
            holder=claim.holder,
            lease_until=lease_until,
            claimed_at=claim.claimed_at,
        )

    async def reclaim(
        self,
        *,
        holder: str,
        lease: timedelta,
        now: datetime,
        expired_before: datetime | None = None,
        shards: ShardSet | None = None,
        restarted: bool = True,
    ) -> list[Claim]:
        now = utc(now)
        lease_until = now + lease
        expired = now if expired_before is None else utc(expired_before)
        where, params = shard_sql(shards, 5, "s.guild_id")
        rows = await self._db.fetch(
            "WITH taken AS (SELECT r.schedule_id, r.occurrence FROM schedule_runs r "
            "JOIN schedules s ON s.id = r.schedule_id "
            "WHERE r.state = 'claimed' AND s.state = 'pending' "
            f"AND ((r.holder = $1 AND $4::boolean) OR r.lease_until IS NULL OR r.lease_until <= $2){where} "
            "FOR UPDATE OF r SKIP LOCKED) "
            "UPDATE schedule_runs r SET holder = $1, lease_until = $3 FROM taken, schedules s "
            "WHERE r.schedule_id = taken.schedule_id AND r.occurrence = taken.occurrence "
            "AND s.id = r.schedule_id "
            "RETURNING r.occurrence AS run_occurrence, r.nonce AS run_nonce, r.claimed_at AS run_claimed_at, "
            f"{_of('s')}",
            holder,
            expired,
            lease_until,
            restarted,
            *params,
        )
        claims = [
            Claim(
                schedule=_schedule(row),
                occurrence=row["run_occurrence"],
                nonce=row["run_nonce"],
                holder=holder,
                lease_until=lease_until,
                claimed_at=row["run_claimed_at"],
            )
            for row in rows
        ]
        claims.sort(key=lambda c: (c.occurrence, c.schedule.id))
        return claims

    async def complete(self, claim: Claim, outcome: RunOutcome) -> bool:
        [recorded] = await self.complete_many([(claim, outcome)])
        return recorded

    async def complete_many(self, done: Sequence[tuple[Claim, RunOutcome]]) -> list[bool]:
        keys = [(claim.schedule.id, utc(claim.occurrence)) for claim, _ in done]
        if len(set(keys)) != len(keys):
            raise ValueError("complete_many: an occurrence is given twice")
        if not done:
            return []
        rows = await self._db.fetch(
            _COMPLETE_MANY,
            [key[0] for key in keys],
            [key[1] for key in keys],
            [claim.holder for claim, _ in done],
            [outcome.run_state for _, outcome in done],
            [outcome.message_id for _, outcome in done],
            [outcome.lesson_id for _, outcome in done],
            [outcome.detail for _, outcome in done],
            [outcome.final_state for _, outcome in done],
        )
        recorded = {(row["schedule_id"], row["occurrence"]) for row in rows}
        return [key in recorded for key in keys]

    async def record_missed(
        self,
        schedule: Schedule,
        *,
        nonce: str,
        detail: str,
        next_run: datetime | None,
        now: datetime,
    ) -> bool:
        occurrence = _occurrence_of(schedule)
        recorded = await self._db.fetchval(
            _RECORD_MISSED,
            schedule.id,
            occurrence,
            utc_or_none(next_run),
            detail,
            nonce,
            schedule.lesson_id,
            utc(now),
        )
        return recorded == 1
