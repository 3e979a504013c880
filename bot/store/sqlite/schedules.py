"""Schedules and the claims of their occurrences in SQLite (tables ``schedules``, ``schedule_runs``).

A claim is a ``schedule_runs`` row in state ``claimed`` with its ``holder`` and ``lease_until``;
each change of several rows runs in one ``BEGIN IMMEDIATE`` transaction, which SQLite serialises
across processes sharing the file. See ``bot.store.ports.Schedules`` for the contract.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from bot.store.rows import Claim, ClaimRequest, NewOnce, NewWeekly, RunOutcome, Schedule, ShardSet
from bot.store.sqlite.codec import from_text, from_text_or_none, to_text, to_text_or_none
from bot.store.sqlite.connection import Connection, Row, Sql
from bot.store.sqlite.shards import shard_sql

_SCHEDULE_COLUMNS = (
    "id, guild_id, channel_id, kind, lesson_id, weekday, local_time, timezone, next_run, state, "
    "last_error, created_by, created_at, post_id"
)
# The moderators' lists and cancels see the post schedules only, never a discussion's jobs.
_POSTS_ONLY = "kind IN ('once', 'weekly')"


def _schedule(row: Row) -> Schedule:
    local = row["local_time"]
    return Schedule(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        kind=row["kind"],
        lesson_id=row["lesson_id"],
        weekday=None if row["weekday"] is None else int(row["weekday"]),
        local_time=None if local is None else time.fromisoformat(local),
        timezone=row["timezone"],
        next_run=from_text_or_none(row["next_run"]),
        state=row["state"],
        last_error=row["last_error"],
        created_by=int(row["created_by"]),
        created_at=from_text(row["created_at"]),
        post_id=row["post_id"],
    )


def _get(sql: Sql, schedule_id: int) -> Schedule | None:
    row = sql.one(f"SELECT {_SCHEDULE_COLUMNS} FROM schedules WHERE id = ?", (schedule_id,))
    return None if row is None else _schedule(row)


def _create(sql: Sql, params: tuple[object, ...]) -> Schedule:
    with sql.transaction():
        schedule_id = sql.insert(
            "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, weekday, local_time, timezone, "
            "next_run, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            params,
        )
        created = _get(sql, schedule_id)
    assert created is not None
    return created


def _select(sql: Sql, where: str, params: list[object] | tuple[object, ...]) -> list[Schedule]:
    return [_schedule(r) for r in sql.all(f"SELECT {_SCHEDULE_COLUMNS} FROM schedules WHERE {where}", params)]


def _cancel(sql: Sql, guild_id: int, schedule_id: int) -> bool:
    changed = sql.execute(
        "UPDATE schedules SET state = 'cancelled', next_run = NULL "
        f"WHERE id = ? AND guild_id = ? AND state IN ('pending', 'missed', 'failed') AND {_POSTS_ONLY}",
        (schedule_id, guild_id),
    )
    return changed == 1


def _claim_in(
    sql: Sql,
    schedule_id: int,
    occurrence: str,
    next_run: str | None,
    run: tuple[object, ...],
    shards: tuple[str, list[object]] = ("", []),
) -> bool:
    """One claim inside the caller's transaction: won only while the schedule is still pending
    at that very occurrence (and, with ``shards``, one of their servers')."""
    where, params = shards
    moved = sql.execute(
        f"UPDATE schedules SET next_run = ? WHERE id = ? AND state = 'pending' AND next_run = ?{where}",
        (next_run, schedule_id, occurrence, *params),
    )
    if moved != 1:
        return False
    sql.execute(
        "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at, "
        "holder, lease_until) VALUES (?, ?, 'claimed', ?, ?, ?, ?, ?) "
        "ON CONFLICT (schedule_id, occurrence) DO UPDATE SET state = 'claimed', nonce = excluded.nonce, "
        "lesson_id = excluded.lesson_id, message_id = NULL, claimed_at = excluded.claimed_at, "
        "detail = NULL, holder = excluded.holder, lease_until = excluded.lease_until",
        (schedule_id, occurrence, *run),
    )
    return True


def _claim(
    sql: Sql,
    schedule_id: int,
    occurrence: str,
    next_run: str | None,
    run: tuple[object, ...],
) -> bool:
    with sql.transaction():
        return _claim_in(sql, schedule_id, occurrence, next_run, run)


def _claim_many(
    sql: Sql,
    wanted: list[tuple[int, str, str | None, tuple[object, ...]]],
    shards: ShardSet | None,
) -> list[bool]:
    """Every claim of a batch in one ``BEGIN IMMEDIATE``: one trip to the connection's thread."""
    condition = shard_sql(shards)
    with sql.transaction():
        return [_claim_in(sql, *one, shards=condition) for one in wanted]


def _renew(sql: Sql, schedule_id: int, occurrence: str, holder: str, lease_until: str) -> bool:
    changed = sql.execute(
        "UPDATE schedule_runs SET lease_until = ? "
        "WHERE schedule_id = ? AND occurrence = ? AND state = 'claimed' AND holder = ?",
        (lease_until, schedule_id, occurrence, holder),
    )
    return changed == 1


def _reclaim(
    sql: Sql, holder: str, lease_until: str, expired_before: str, shards: ShardSet | None, restarted: bool
) -> list[tuple[Row, Schedule]]:
    where, params = shard_sql(shards, "s.guild_id")
    columns = ", ".join(f"s.{c.strip()}" for c in _SCHEDULE_COLUMNS.split(","))
    with sql.transaction():
        rows = sql.all(
            "SELECT r.occurrence AS run_occurrence, r.nonce AS run_nonce, r.claimed_at AS run_claimed_at, "
            f"{columns} FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id "
            "WHERE r.state = 'claimed' AND s.state = 'pending' "
            f"AND ((r.holder = ? AND ?) OR r.lease_until IS NULL OR r.lease_until <= ?){where} "
            "ORDER BY r.occurrence, r.schedule_id",
            [holder, restarted, expired_before, *params],
        )
        if rows:
            sql.executemany(
                "UPDATE schedule_runs SET holder = ?, lease_until = ? "
                "WHERE schedule_id = ? AND occurrence = ?",
                [(holder, lease_until, r["id"], r["run_occurrence"]) for r in rows],
            )
    return [(r, _schedule(r)) for r in rows]


def _complete_in(
    sql: Sql,
    schedule_id: int,
    occurrence: str,
    holder: str,
    outcome: RunOutcome,
) -> bool:
    """One completion inside the caller's transaction (recorded only if still the holder's)."""
    recorded = sql.execute(
        "UPDATE schedule_runs SET state = ?, message_id = COALESCE(?, message_id), "
        "lesson_id = COALESCE(?, lesson_id), detail = ? "
        "WHERE schedule_id = ? AND occurrence = ? AND state = 'claimed' AND holder = ?",
        (
            outcome.run_state,
            outcome.message_id,
            outcome.lesson_id,
            outcome.detail,
            schedule_id,
            occurrence,
            holder,
        ),
    )
    if recorded != 1:
        return False
    if outcome.final_state is None:
        sql.execute(
            "UPDATE schedules SET last_error = ? WHERE id = ? AND state = 'pending'",
            (outcome.detail, schedule_id),
        )
    else:
        sql.execute(
            "UPDATE schedules SET last_error = ?, state = ?, next_run = NULL "
            "WHERE id = ? AND state = 'pending'",
            (outcome.detail, outcome.final_state, schedule_id),
        )
    return True


def _complete(
    sql: Sql,
    schedule_id: int,
    occurrence: str,
    holder: str,
    outcome: RunOutcome,
) -> bool:
    with sql.transaction():
        return _complete_in(sql, schedule_id, occurrence, holder, outcome)


def _complete_many(sql: Sql, done: list[tuple[int, str, str, RunOutcome]]) -> list[bool]:
    with sql.transaction():
        return [_complete_in(sql, *one) for one in done]


def _record_missed(
    sql: Sql,
    schedule_id: int,
    occurrence: str,
    next_run: str | None,
    run: tuple[object, ...],
    detail: str,
) -> bool:
    with sql.transaction():
        moved = sql.execute(
            "UPDATE schedules SET next_run = ?, state = ?, last_error = ? "
            "WHERE id = ? AND state = 'pending' AND next_run = ?",
            (next_run, "pending" if next_run is not None else "missed", detail, schedule_id, occurrence),
        )
        if moved != 1:
            return False
        sql.execute(
            "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at, "
            "detail) VALUES (?, ?, 'missed', ?, ?, ?, ?) ON CONFLICT (schedule_id, occurrence) "
            "DO UPDATE SET state = 'missed', detail = excluded.detail",
            (schedule_id, occurrence, *run, detail),
        )
    return True


def _occurrence_of(schedule: Schedule) -> str:
    if schedule.next_run is None:
        raise ValueError(f"schedule {schedule.id} has no next_run to claim")
    return to_text(schedule.next_run)


class SqliteSchedules:
    """``ports.Schedules`` over SQLite."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def create_once(self, new: NewOnce) -> Schedule:
        params = (
            new.guild_id,
            new.channel_id,
            "once",
            new.lesson_id,
            None,
            None,
            new.timezone,
            to_text(new.run_at),
            new.created_by,
            to_text(new.created_at),
        )
        return await self._db.run(_create, params)

    async def create_weekly(self, new: NewWeekly) -> Schedule:
        params = (
            new.guild_id,
            new.channel_id,
            "weekly",
            None,
            new.weekday,
            new.local_time.strftime("%H:%M"),
            new.timezone,
            to_text(new.first_run),
            new.created_by,
            to_text(new.created_at),
        )
        return await self._db.run(_create, params)

    async def get(self, schedule_id: int) -> Schedule | None:
        return await self._db.run(_get, schedule_id)

    async def pending(self, guild_id: int) -> list[Schedule]:
        return await self._db.run(
            _select,
            f"guild_id = ? AND state = 'pending' AND {_POSTS_ONLY} ORDER BY next_run IS NULL, next_run, id",
            (guild_id,),
        )

    async def listable(self, guild_id: int) -> list[Schedule]:
        return await self._db.run(
            _select,
            f"guild_id = ? AND state IN ('pending', 'missed', 'failed') AND {_POSTS_ONLY} "
            "ORDER BY state != 'pending', next_run IS NULL, next_run, id",
            (guild_id,),
        )

    async def cancel(self, guild_id: int, schedule_id: int) -> bool:
        return await self._db.run(_cancel, guild_id, schedule_id)

    async def next_due(self, *, shards: ShardSet | None = None, limit: int = 500) -> list[Schedule]:
        where, params = shard_sql(shards)
        return await self._db.run(
            _select,
            "state = 'pending' AND next_run = (SELECT MIN(next_run) FROM schedules WHERE state = 'pending' "
            f"AND next_run IS NOT NULL{where}){where} ORDER BY id LIMIT ?",
            [*params, *params, limit],
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
        occurrence = _occurrence_of(schedule)
        following = to_text_or_none(next_run)
        lease_until = now + lease
        run = (nonce, schedule.lesson_id, to_text(now), holder, to_text(lease_until))
        if not await self._db.run(_claim, schedule.id, occurrence, following, run):
            return None
        return Claim(
            schedule=dataclasses.replace(schedule, next_run=from_text_or_none(following)),
            occurrence=from_text(occurrence),
            nonce=nonce,
            holder=holder,
            lease_until=from_text(to_text(lease_until)),
            claimed_at=from_text(to_text(now)),
        )

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
        if len({w.schedule.id for w in wanted}) != len(wanted):
            raise ValueError("claim_many: a schedule is asked for twice")
        if not wanted:
            return []
        until, claimed_at = to_text(now + lease), to_text(now)
        following = [to_text_or_none(w.next_run) for w in wanted]
        won = await self._db.run(
            _claim_many,
            [
                (w.schedule.id, occurrence, after, (w.nonce, w.schedule.lesson_id, claimed_at, holder, until))
                for w, occurrence, after in zip(wanted, occurrences, following, strict=True)
            ],
            shards,
        )
        return [
            Claim(
                schedule=dataclasses.replace(w.schedule, next_run=from_text_or_none(after)),
                occurrence=from_text(occurrence),
                nonce=w.nonce,
                holder=holder,
                lease_until=from_text(until),
                claimed_at=from_text(claimed_at),
            )
            for w, occurrence, after, ok in zip(wanted, occurrences, following, won, strict=True)
            if ok
        ]

    async def renew(self, claim: Claim, *, lease: timedelta, now: datetime) -> Claim | None:
        lease_until = to_text(now + lease)
        held = await self._db.run(
            _renew, claim.schedule.id, to_text(claim.occurrence), claim.holder, lease_until
        )
        return dataclasses.replace(claim, lease_until=from_text(lease_until)) if held else None

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
        lease_until = to_text(now + lease)
        expired = to_text(now if expired_before is None else expired_before)
        taken = await self._db.run(_reclaim, holder, lease_until, expired, shards, restarted)
        return [
            Claim(
                schedule=schedule,
                occurrence=from_text(row["run_occurrence"]),
                nonce=row["run_nonce"],
                holder=holder,
                lease_until=from_text(lease_until),
                claimed_at=from_text(row["run_claimed_at"]),
            )
            for row, schedule in taken
        ]

    async def complete(self, claim: Claim, outcome: RunOutcome) -> bool:
        return await self._db.run(
            _complete, claim.schedule.id, to_text(claim.occurrence), claim.holder, outcome
        )

    async def complete_many(self, done: Sequence[tuple[Claim, RunOutcome]]) -> list[bool]:
        rows = [(c.schedule.id, to_text(c.occurrence), c.holder, outcome) for c, outcome in done]
        if len({row[:2] for row in rows}) != len(rows):
            raise ValueError("complete_many: an occurrence is given twice")
        if not rows:
            return []
        return await self._db.run(_complete_many, rows)

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
        run = (nonce, schedule.lesson_id, to_text(now))
        return await self._db.run(
            _record_missed, schedule.id, occurrence, to_text_or_none(next_run), run, detail
        )
