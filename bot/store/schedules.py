"""Schedules and their runs (tables ``schedules`` and ``schedule_runs``).

Times are stored as ISO-8601 UTC text (``2026-11-25T21:30:00+00:00``); with one fixed offset
the text sorts like the instant, so ``next_run <= ?`` compares instants.

Exactly once: an occurrence is *claimed* before anything is sent. ``claim_runs`` does, in one
transaction, a compare-and-set on the schedule (still pending, still at that occurrence) that
moves ``next_run`` on to the following occurrence (NULL for a one-off), and inserts the run
row in state ``claimed`` with its nonce. After a crash, ``unfinished_runs`` finds the claims
whose outcome was never recorded; the dispatcher posts them again with the SAME nonce, which
lets the posting side recognise a message Discord already accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.store.database import Database

ScheduleKind = Literal["once", "weekly"]
ScheduleState = Literal["pending", "done", "missed", "failed", "cancelled"]
RunState = Literal["claimed", "sent", "missed", "failed", "empty"]

_LISTABLE_STATES = ("pending", "missed", "failed")


def to_db_time(moment: datetime) -> str:
    """An aware datetime as the UTC text the database stores."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
    return moment.astimezone(UTC).isoformat()


def from_db_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _required_time(text: str) -> datetime:
    moment = from_db_time(text)
    assert moment is not None
    return moment


@dataclass(frozen=True)
class ShardFilter:
    """Only the guilds of these shards: ``(guild_id >> 22) % shard_count in shard_ids``."""

    shard_count: int
    shard_ids: frozenset[int]

    def sql(self, column: str = "guild_id") -> tuple[str, list[Any]]:
        marks = ", ".join("?" for _ in self.shard_ids)
        return f" AND (({column} >> 22) % ?) IN ({marks})", [self.shard_count, *sorted(self.shard_ids)]

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.shard_count in self.shard_ids


def _shard_sql(shard: ShardFilter | None, column: str = "guild_id") -> tuple[str, list[Any]]:
    return ("", []) if shard is None else shard.sql(column)


@dataclass(frozen=True)
class Schedule:
    """One row of ``schedules``; datetimes are aware UTC, ``local_time`` is the weekly wall time."""

    id: int
    guild_id: int
    channel_id: int
    kind: ScheduleKind
    lesson_id: str | None
    weekday: int | None
    local_time: time | None
    timezone: str
    next_run: datetime | None
    state: ScheduleState
    last_error: str | None
    created_by: int
    created_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_row(cls, row: Any) -> Schedule:
        local = row["local_time"]
        return cls(
            id=int(row["id"]),
            guild_id=int(row["guild_id"]),
            channel_id=int(row["channel_id"]),
            kind=row["kind"],
            lesson_id=row["lesson_id"],
            weekday=None if row["weekday"] is None else int(row["weekday"]),
            local_time=None if local is None else time.fromisoformat(local),
            timezone=row["timezone"],
            next_run=from_db_time(row["next_run"]),
            state=row["state"],
            last_error=row["last_error"],
            created_by=int(row["created_by"]),
            created_at=_required_time(row["created_at"]),
        )


@dataclass(frozen=True)
class Run:
    """One row of ``schedule_runs``: an occurrence that was claimed (and what became of it)."""

    schedule_id: int
    occurrence: datetime
    state: RunState
    nonce: str
    lesson_id: str | None
    message_id: int | None
    claimed_at: datetime
    detail: str | None

    @classmethod
    def from_row(cls, row: Any) -> Run:
        return cls(
            schedule_id=int(row["schedule_id"]),
            occurrence=_required_time(row["occurrence"]),
            state=row["state"],
            nonce=row["nonce"],
            lesson_id=row["lesson_id"],
            message_id=None if row["message_id"] is None else int(row["message_id"]),
            claimed_at=_required_time(row["claimed_at"]),
            detail=row["detail"],
        )


@dataclass(frozen=True)
class Claim:
    """A request to claim ``schedule``'s occurrence at ``schedule.next_run``."""

    schedule: Schedule
    nonce: str
    next_run: datetime | None  # the following occurrence (weekly) or None (once)

    @property
    def occurrence(self) -> datetime:
        assert self.schedule.next_run is not None
        return self.schedule.next_run


# --- creating and reading ---------------------------------------------------------------


async def create_once(
    db: Database,
    guild_id: int,
    channel_id: int,
    lesson_id: str,
    run_at: datetime,
    timezone: str,
    created_by: int,
    *,
    created_at: datetime | None = None,
) -> Schedule:
    """A one-off post of ``lesson_id`` at ``run_at`` (aware); returns the stored schedule."""
    schedule_id = await db.insert(
        "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, timezone, next_run, state, "
        "created_by, created_at) VALUES (?, ?, 'once', ?, ?, ?, 'pending', ?, ?)",
        (
            guild_id,
            channel_id,
            lesson_id,
            timezone,
            to_db_time(run_at),
            created_by,
            to_db_time(created_at or datetime.now(UTC)),
        ),
    )
    return await _must_get(db, schedule_id)


async def create_weekly(
    db: Database,
    guild_id: int,
    channel_id: int,
    weekday: int,
    local_time: time | str,
    timezone: str,
    first_run: datetime,
    created_by: int,
    *,
    created_at: datetime | None = None,
) -> Schedule:
    """Every ``weekday`` (0 = Monday) at ``local_time`` in ``timezone``; first at ``first_run``.

    The caller computes ``first_run`` with ``recurrence.next_weekly`` (so the store stays
    free of calendar logic); the next lesson of the queue is chosen at posting time.
    ``local_time`` may be a ``time`` or its ``"HH:MM"`` text.
    """
    if isinstance(local_time, str):
        local_time = time.fromisoformat(local_time)
    schedule_id = await db.insert(
        "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, weekday, local_time, timezone, "
        "next_run, state, created_by, created_at) VALUES (?, ?, 'weekly', NULL, ?, ?, ?, ?, 'pending', ?, ?)",
        (
            guild_id,
            channel_id,
            weekday,
            local_time.strftime("%H:%M"),
            timezone,
            to_db_time(first_run),
            created_by,
            to_db_time(created_at or datetime.now(UTC)),
        ),
    )
    return await _must_get(db, schedule_id)


async def get(db: Database, schedule_id: int) -> Schedule | None:
    row = await db.fetch_one("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
    return None if row is None else Schedule.from_row(row)


async def _must_get(db: Database, schedule_id: int) -> Schedule:
    schedule = await get(db, schedule_id)
    if schedule is None:  # pragma: no cover - the row was just inserted
        raise LookupError(f"schedule {schedule_id} vanished")
    return schedule


async def pending_for_guild(db: Database, guild_id: int) -> list[Schedule]:
    """A server's pending schedules, soonest first (one-offs being posted right now last)."""
    rows = await db.fetch_all(
        "SELECT * FROM schedules WHERE guild_id = ? AND state = 'pending' "
        "ORDER BY next_run IS NULL, next_run, id",
        (guild_id,),
    )
    return [Schedule.from_row(r) for r in rows]


async def listable_for_guild(db: Database, guild_id: int) -> list[Schedule]:
    """What ``/schedule list`` shows: pending, then missed and failed ones (until cancelled).

    Missed and failed schedules stay listed so moderators see why a post did not appear;
    ``cancel`` dismisses them.
    """
    rows = await db.fetch_all(
        "SELECT * FROM schedules WHERE guild_id = ? AND state IN ('pending', 'missed', 'failed') "
        "ORDER BY state != 'pending', next_run IS NULL, next_run, id",
        (guild_id,),
    )
    return [Schedule.from_row(r) for r in rows]


async def earliest_pending(db: Database, *, shard: ShardFilter | None = None) -> Schedule | None:
    """The pending schedule with the soonest ``next_run``, or None."""
    where, params = _shard_sql(shard)
    row = await db.fetch_one(
        "SELECT * FROM schedules WHERE state = 'pending' AND next_run IS NOT NULL"
        f"{where} ORDER BY next_run, id LIMIT 1",
        params,
    )
    return None if row is None else Schedule.from_row(row)


async def next_batch(db: Database, *, shard: ShardFilter | None = None, limit: int = 500) -> list[Schedule]:
    """All pending schedules at the soonest ``next_run`` instant (up to ``limit``), in one query.

    The dispatcher sleeps until that instant holding this list, so when it wakes it can claim
    at once without reading again.
    """
    where, params = _shard_sql(shard)
    rows = await db.fetch_all(
        "SELECT * FROM schedules WHERE state = 'pending' AND next_run = "
        "(SELECT MIN(next_run) FROM schedules WHERE state = 'pending' AND next_run IS NOT NULL"
        f"{where}){where} ORDER BY id LIMIT ?",
        [*params, *params, limit],
    )
    return [Schedule.from_row(r) for r in rows]


async def due(
    db: Database, before: datetime, *, shard: ShardFilter | None = None, limit: int = 500
) -> list[Schedule]:
    """Pending schedules whose ``next_run`` is at or before ``before``, soonest first."""
    where, params = _shard_sql(shard)
    rows = await db.fetch_all(
        "SELECT * FROM schedules WHERE state = 'pending' AND next_run IS NOT NULL AND next_run <= ?"
        f"{where} ORDER BY next_run, id LIMIT ?",
        [to_db_time(before), *params, limit],
    )
    return [Schedule.from_row(r) for r in rows]


async def cancel(db: Database, guild_id: int, schedule_id: int) -> bool:
    """Cancel (or dismiss a missed/failed) schedule of this server; False if there is none."""
    changed = await db.execute(
        "UPDATE schedules SET state = 'cancelled', next_run = NULL "
        "WHERE id = ? AND guild_id = ? AND state IN ('pending', 'missed', 'failed')",
        (schedule_id, guild_id),
    )
    return changed == 1


# --- runs -------------------------------------------------------------------------------


async def claim_runs(db: Database, claims: Sequence[Claim], *, claimed_at: datetime) -> list[Claim]:
    """Claim occurrences in one transaction; return the claims that were won.

    A claim is won when the schedule is still pending at that very occurrence (not cancelled,
    not claimed by someone else); the schedule's ``next_run`` then moves to ``claim.next_run``
    and a ``claimed`` run row records the nonce.
    """
    if not claims:
        return []
    ids = [c.schedule.id for c in claims]
    async with db.transaction():
        marks = ", ".join("?" for _ in ids)
        rows = await db.fetch_all(
            f"SELECT id, next_run FROM schedules WHERE state = 'pending' AND id IN ({marks})", ids
        )
        current = {int(r["id"]): r["next_run"] for r in rows}
        won = [c for c in claims if current.get(c.schedule.id) == to_db_time(c.occurrence)]
        if not won:
            return []
        await db.executemany(
            "UPDATE schedules SET next_run = ? WHERE id = ?",
            [(None if c.next_run is None else to_db_time(c.next_run), c.schedule.id) for c in won],
        )
        stamp = to_db_time(claimed_at)
        await db.executemany(
            "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at) "
            "VALUES (?, ?, 'claimed', ?, ?, ?) ON CONFLICT (schedule_id, occurrence) DO NOTHING",
            [(c.schedule.id, to_db_time(c.occurrence), c.nonce, c.schedule.lesson_id, stamp) for c in won],
        )
    return won


async def claim_run(
    db: Database,
    schedule: Schedule,
    nonce: str,
    next_run: datetime | None,
    *,
    claimed_at: datetime,
) -> bool:
    """Claim one occurrence (``schedule.next_run``); see ``claim_runs``."""
    return bool(await claim_runs(db, [Claim(schedule, nonce, next_run)], claimed_at=claimed_at))


async def existing_run(db: Database, schedule_id: int, occurrence: datetime) -> Run | None:
    row = await db.fetch_one(
        "SELECT * FROM schedule_runs WHERE schedule_id = ? AND occurrence = ?",
        (schedule_id, to_db_time(occurrence)),
    )
    return None if row is None else Run.from_row(row)


async def runs_for_schedule(db: Database, schedule_id: int) -> list[Run]:
    rows = await db.fetch_all(
        "SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY occurrence", (schedule_id,)
    )
    return [Run.from_row(r) for r in rows]


async def unfinished_runs(db: Database, *, shard: ShardFilter | None = None) -> list[tuple[Schedule, Run]]:
    """Claims whose outcome was never recorded (a crash or stop mid-post), with their schedule.

    Only schedules still pending count: a cancelled schedule's claim is not re-posted.
    """
    where, params = _shard_sql(shard, "s.guild_id")
    rows = await db.fetch_all(
        "SELECT r.schedule_id AS run_schedule_id, r.occurrence AS run_occurrence, r.state AS run_state, "
        "r.nonce AS run_nonce, r.lesson_id AS run_lesson_id, r.message_id AS run_message_id, "
        "r.claimed_at AS run_claimed_at, r.detail AS run_detail, s.* "
        "FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id "
        f"WHERE r.state = 'claimed' AND s.state = 'pending'{where} ORDER BY r.occurrence, r.schedule_id",
        params,
    )
    result = []
    for row in rows:
        run = Run(
            schedule_id=int(row["run_schedule_id"]),
            occurrence=_required_time(row["run_occurrence"]),
            state=row["run_state"],
            nonce=row["run_nonce"],
            lesson_id=row["run_lesson_id"],
            message_id=None if row["run_message_id"] is None else int(row["run_message_id"]),
            claimed_at=_required_time(row["run_claimed_at"]),
            detail=row["run_detail"],
        )
        result.append((Schedule.from_row(row), run))
    return result


async def _set_run(
    db: Database,
    schedule_id: int,
    occurrence: datetime,
    state: RunState,
    *,
    message_id: int | None = None,
    lesson_id: str | None = None,
    detail: str | None = None,
) -> None:
    await db.execute(
        "UPDATE schedule_runs SET state = ?, message_id = COALESCE(?, message_id), "
        "lesson_id = COALESCE(?, lesson_id), detail = ? WHERE schedule_id = ? AND occurrence = ?",
        (state, message_id, lesson_id, detail, schedule_id, to_db_time(occurrence)),
    )


async def mark_run(
    db: Database, schedule_id: int, occurrence: datetime, state: RunState, detail: str | None = None
) -> None:
    """Set a run's state (``failed``, ``missed``, ``empty``) with the reason in words."""
    await _set_run(db, schedule_id, occurrence, state, detail=detail)


async def mark_run_sent(
    db: Database, schedule_id: int, occurrence: datetime, message_id: int, lesson_id: str | None = None
) -> None:
    await _set_run(db, schedule_id, occurrence, "sent", message_id=message_id, lesson_id=lesson_id)


async def record_missed(
    db: Database,
    schedule: Schedule,
    occurrence: datetime,
    nonce: str,
    *,
    detail: str,
    next_run: datetime | None,
    claimed_at: datetime,
) -> bool:
    """Record an occurrence as missed and move the schedule on, in one transaction.

    A one-off becomes ``missed``; a weekly one stays pending at ``next_run``. Returns False if
    the schedule changed meanwhile (cancelled, or no longer at that occurrence).
    """
    async with db.transaction():
        changed = await db.execute(
            "UPDATE schedules SET next_run = ?, state = ?, last_error = ? "
            "WHERE id = ? AND state = 'pending' AND next_run = ?",
            (
                None if next_run is None else to_db_time(next_run),
                "pending" if next_run is not None else "missed",
                detail,
                schedule.id,
                to_db_time(occurrence),
            ),
        )
        if changed != 1:
            return False
        await db.execute(
            "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, lesson_id, claimed_at, "
            "detail) VALUES (?, ?, 'missed', ?, ?, ?, ?) ON CONFLICT (schedule_id, occurrence) "
            "DO UPDATE SET state = 'missed', detail = excluded.detail",
            (schedule.id, to_db_time(occurrence), nonce, schedule.lesson_id, to_db_time(claimed_at), detail),
        )
    return True


async def advance(
    db: Database,
    schedule_id: int,
    next_run: datetime | None,
    state: ScheduleState,
    last_error: str | None = None,
) -> None:
    """Set a schedule's next run, state and last error (None clears it)."""
    await db.execute(
        "UPDATE schedules SET next_run = ?, state = ?, last_error = ? WHERE id = ?",
        (None if next_run is None else to_db_time(next_run), state, last_error, schedule_id),
    )


async def set_outcome(
    db: Database,
    schedule_id: int,
    *,
    state: ScheduleState | None = None,
    stop: bool = False,
    last_error: str | None = None,
) -> None:
    """After a run: set the last error (None clears it), optionally the state; ``stop`` clears next_run.

    Only touches schedules still pending, so a cancel made during the post wins.
    """
    sets = ["last_error = ?"]
    params: list[Any] = [last_error]
    if state is not None:
        sets.append("state = ?")
        params.append(state)
    if stop:
        sets.append("next_run = NULL")
    await db.execute(
        f"UPDATE schedules SET {', '.join(sets)} WHERE id = ? AND state = 'pending'",
        [*params, schedule_id],
    )


async def insert_many_for_bench(db: Database, rows: Iterable[tuple[Any, ...]]) -> None:
    """Bulk-insert raw schedule rows (guild, channel, kind, lesson, weekday, local_time, tz, next_run,
    created_by, created_at) - for benchmarks and fixtures that need thousands at once."""
    async with db.transaction():
        await db.executemany(
            "INSERT INTO schedules (guild_id, channel_id, kind, lesson_id, weekday, local_time, timezone, "
            "next_run, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            rows,
        )
