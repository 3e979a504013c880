"""The one task that runs scheduled jobs when they fall due: lesson posts and discussions' jobs.

One job system: the moderators' posts (``once``, ``weekly``) and each discussion's reminder and
close (``remind``, ``close``, made when its lesson is posted) are all rows of ``Schedules``,
slept on, claimed, retried, resumed and completed by this one task. The ``post`` callable runs
an occurrence of any kind (``bot.services.jobs`` routes it by kind); the words below say "post"
for any of them.

How it works
------------
* It holds in memory the schedules at the soonest pending ``next_run`` (one query) and sleeps
  on the clock until that instant. While it sleeps it makes no database query at all; nothing
  polls. ``notify_changed()`` (a schedule created, cancelled or edited) wakes it to re-read.
* Just before the instant (``claim_ahead``, 200 ms) it claims all of them for its ``holder`` in
  one transaction (``Schedules.claim_many``: each schedule moves on to its following occurrence
  and each claim keeps its nonce, held under a lease; one round trip however many are due); at
  the instant it calls ``post`` for each, concurrently up to ``concurrency``, and completes each
  claim with its outcome (``Schedules.complete`` rules: nothing is recorded if the claim was
  lost). Outcomes that come back together are recorded together (``bot.services.completions``:
  one ``complete_many`` for whatever finished while the previous one was out), so a burst of
  posts costs a few statements, not two per post. Claiming ahead keeps the claims out of the
  posts' lateness; a claim is never posted before its instant, also not when resumed after a
  restart.
  A claim waiting for a retry has its lease renewed before the retry.
* ``cancelled(schedule_id)``, told by whoever cancelled a schedule in the store, stops a claimed
  occurrence that has not started going out (claimed ahead, waiting for its instant, for a free
  slot or for a retry): it is recorded as not sent. One whose first request may already have
  reached Discord cannot be called back; ``cancelled`` says so, and the caller tells the person.
* The nonce is derived from the schedule and the occurrence (``make_nonce``). After a crash
  between Discord accepting a post and the outcome being recorded, ``start()`` reclaims the
  unfinished claims of its holder (and those whose lease ran out) and posts again with the same
  nonce; the ``post`` callable is responsible for recognising the earlier message (Discord's
  ``enforce_nonce``, and the channel history).
* Several processes (``shards``: this one's servers): a process that dies holding claims loses
  them when their lease ends. With ``takeover_every`` set, the dispatcher looks that often for
  such claims and takes them over: those of its own servers as soon as the lease ended, those of
  any server once it ended ``takeover_grace`` ago (their own process is not coming back), and
  posts them with their nonce. Its own claims in flight are never taken: their lease lasts.
* A claim can also be lost without anyone winning it: PostgreSQL's ``SKIP LOCKED`` skips a row
  that another transaction holds for a moment (a cancel, a completion). When the re-read that
  follows every batch finds the schedule still due at that occurrence, the dispatcher tries
  again after ``contention_retry``, not at its next occurrence (and not in a busy loop).
* An occurrence older than ``grace`` when the dispatcher gets to it (the bot was offline) is
  not posted: it is recorded as missed ("Missed at …: the bot was offline."); a one-off
  becomes ``missed``, a weekly schedule continues with its next occurrence after now. A
  ``close`` is the exception (``LATE_KINDS``): a discussion must end, so however late, it runs
  (its digest says what it says, late) instead of being missed.

Outcomes of ``post``
--------------------
* ``PostOutcome.sent``: run ``sent``; a one-off (every kind but ``weekly``) becomes ``done``;
  a weekly one clears its last error (its next occurrence was set when it was claimed).
* ``PostOutcome.skipped``: run ``skipped`` (nothing was left to do: a discussion's job whose
  discussion had closed); a one-off becomes ``done``, with the reason as its note.
* ``PostOutcome.empty_queue``: run ``empty`` and the message becomes the schedule's last
  error; a weekly schedule stays pending for when lessons are added (a one-off fails).
* ``RetryableError`` (the caller maps 429 and 5xx to it): retried after ``retry_delays``
  (or Discord's ``retry_after`` if longer), timed by the clock; when retries run out, the run
  fails, a one-off becomes ``failed``, a weekly schedule keeps its next occurrence.
* No answer within ``post_timeout`` (a hung connection): treated as a ``RetryableError``, so a
  stuck request holds up the other posts of its batch for two minutes at most.
* ``PermanentPostError`` / ``PostOutcome.failed`` (deleted channel, lost permission): the
  schedule becomes ``failed`` with the reason, weekly ones too. The same cause would fail
  every following week, so stopping until a moderator fixes it and schedules again is
  clearer than a weekly error.
* Any other exception: logged with its traceback and recorded as the schedule's last error;
  the dispatcher goes on (a one-off becomes ``failed``; a weekly one keeps its next week).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.scheduling.recurrence import InvalidWhen, next_weekly
from bot.services.clock import Clock
from bot.services.completions import Completions
from bot.store.ports import Schedules
from bot.store.rows import POST_KINDS, Claim, ClaimRequest, FinalState, RunOutcome, Schedule, ShardSet

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=6)
DEFAULT_RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
)
NONCE_MAX_LENGTH = 25  # Discord accepts a message nonce of at most 25 characters
DEFAULT_HOLDER = "studybot"  # one process: the same name after a restart reclaims its own claims
DEFAULT_LEASE = timedelta(minutes=10)  # longer than a post may take (post_timeout) between renewals
DEFAULT_TAKEOVER_EVERY = timedelta(minutes=1)  # how often a shard process looks for dead claims
DEFAULT_TAKEOVER_GRACE = timedelta(minutes=10)  # past the lease: any process takes a dead claim
# Kinds whose occurrence runs however late it is found: a discussion's close (it still closes,
# late, with its digest). Every other kind older than the grace is recorded as missed.
LATE_KINDS: frozenset[str] = frozenset({"close"})


def missed_if_late(schedule: Schedule) -> bool:
    """Whether an occurrence of ``schedule`` older than the grace is missed rather than run."""
    return schedule.kind not in LATE_KINDS


class RetryableError(Exception):
    """Posting failed for a reason that may pass (429, 5xx, a network error)."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentPostError(Exception):
    """Posting cannot succeed until a person acts (deleted channel, missing permission).

    ``reason`` is the sentence moderators read in ``/schedule list``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PostOutcome:
    """What the post callable did: ``sent``, ``empty_queue``, ``failed`` or ``skipped`` (use the
    constructors)."""

    kind: Literal["sent", "empty_queue", "failed", "skipped"]
    message_id: int | None = None
    lesson_id: str | None = None
    detail: str | None = None

    @classmethod
    def sent(cls, message_id: int, lesson_id: str | None) -> PostOutcome:
        return cls("sent", message_id=message_id, lesson_id=lesson_id)

    @classmethod
    def empty_queue(cls, message: str) -> PostOutcome:
        return cls("empty_queue", detail=message)

    @classmethod
    def failed(cls, reason: str) -> PostOutcome:
        return cls("failed", detail=reason)

    @classmethod
    def skipped(cls, reason: str) -> PostOutcome:
        """Nothing left to do (a job whose discussion already closed): done, with the reason."""
        return cls("skipped", detail=reason)


PostFunction = Callable[[Schedule, datetime, str], Awaitable[PostOutcome]]


def make_nonce(schedule_id: int, occurrence: datetime) -> str:
    """The nonce for one occurrence of one schedule: the same on every attempt and restart."""
    nonce = f"s{schedule_id}-{int(occurrence.timestamp())}"
    if len(nonce) > NONCE_MAX_LENGTH:  # pragma: no cover - needs ids beyond 10**13
        raise ValueError(f"nonce {nonce!r} is longer than Discord's {NONCE_MAX_LENGTH} characters")
    return nonce


def following_occurrence(schedule: Schedule, after: datetime) -> datetime | None:
    """The occurrence after ``after`` for a weekly schedule; None for a one-off, and for a weekly
    one whose next occurrence would fall past the end of the calendar (year 9999)."""
    if schedule.kind != "weekly":
        return None
    assert schedule.weekday is not None and schedule.local_time is not None
    try:
        return next_weekly(schedule.weekday, schedule.local_time, schedule.zone, after)
    except InvalidWhen as error:
        log.warning("Schedule %d has no next occurrence: %s", schedule.id, error)
        return None


CancelEffect = Literal["idle", "stopped", "under way"]
_CANCELLED = "Cancelled before it was posted."


@dataclass
class _Posting:
    """A claimed occurrence not finished yet (claimed ahead, waiting, going out, or between
    attempts), as far as a cancel is concerned."""

    started: bool = False  # its post is going out: a request may have reached Discord
    cancelled: bool = False  # cancelled before it started: it is not sent


@dataclass(order=True)
class _Retry:
    at: datetime
    seq: int
    claim: Claim = field(compare=False)
    attempt: int = field(compare=False)


class Dispatcher:
    """Posts due schedules; see the module docstring. ``start()``, then ``await stop()``."""

    def __init__(
        self,
        schedules: Schedules,
        clock: Clock,
        post: PostFunction,
        *,
        grace: timedelta = DEFAULT_GRACE,
        shards: ShardSet | None = None,
        holder: str = DEFAULT_HOLDER,
        lease: timedelta = DEFAULT_LEASE,
        concurrency: int = 10,
        retry_delays: Sequence[timedelta] = DEFAULT_RETRY_DELAYS,
        batch_limit: int = 500,
        max_sleep: timedelta = timedelta(hours=1),
        claim_ahead: timedelta = timedelta(milliseconds=200),
        error_backoff: timedelta = timedelta(seconds=30),
        post_timeout: timedelta = timedelta(minutes=2),
        takeover_every: timedelta | None = None,
        takeover_grace: timedelta = DEFAULT_TAKEOVER_GRACE,
        contention_retry: timedelta = timedelta(milliseconds=250),
    ) -> None:
        self._schedules = schedules
        self._completions = Completions(schedules)
        self._clock = clock
        self._post = post
        self._grace = grace
        self._shards = shards
        self._holder = holder
        self._lease = lease
        self._semaphore = asyncio.Semaphore(concurrency)
        self._retry_delays = tuple(retry_delays)
        self._batch_limit = batch_limit
        # Re-read the wall clock at least this often, in case it jumped during a long sleep.
        self._max_sleep = max_sleep
        # Claim this long before the due instant, then post at the instant itself: the claim
        # transaction's time is not added to every post's lateness.
        self._claim_ahead = claim_ahead
        self._error_backoff = error_backoff
        # A post still unanswered after this (a hung connection) is abandoned and retried with
        # the same nonce, so one stuck request cannot hold up every other server's posts.
        self._post_timeout = post_timeout
        # None: claims of other processes are only looked for at start (one process runs all).
        self._takeover_every = takeover_every
        self._takeover_grace = takeover_grace
        self._next_takeover: datetime | None = None
        self._contention_retry = contention_retry
        self._held_until: datetime | None = None  # a due claim met a locked row: wait till then
        # Claims of the last batch that nobody won (schedule id -> occurrence), and when: if the
        # re-read finds them still due there, a row was locked for a moment; claim them again
        # after contention_retry.
        self._lost: dict[int, datetime] = {}
        self._lost_at: datetime | None = None
        self._never = asyncio.Event()  # for sleeps no notification should cut short
        self._wake = asyncio.Event()
        self._stale = True
        self._batch: list[Schedule] = []
        self._retries: list[_Retry] = []
        self._posting: dict[int, _Posting] = {}  # schedule id -> its claimed occurrence in hand
        self._seq = itertools.count()
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Start the dispatch task (resuming pending schedules and unfinished claims)."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("dispatcher already running")
        self._stale = True
        self._task = asyncio.create_task(self._run(), name="schedule-dispatcher")
        return self._task

    async def stop(self) -> None:
        """Cancel the task and wait for it; posts in flight are cancelled (their claims stay)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await self._completions.close()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def cancelled(self, schedule_id: int) -> CancelEffect:
        """A schedule was just cancelled in the store: stop its claimed occurrence if it has not
        started going out. ``idle``: none was in hand; ``stopped``: it will not be sent; ``under
        way``: its post is going out and cannot be called back. Synchronous, so nothing runs
        between the answer and its effect."""
        posting = self._posting.get(schedule_id)
        if posting is None:
            return "idle"
        if posting.started:
            return "under way"
        posting.cancelled = True
        return "stopped"

    def notify_changed(self) -> None:
        """Schedules were created, cancelled or edited: re-read before sleeping again."""
        self._stale = True
        self._wake.set()

    # --- the loop -------------------------------------------------------------------------

    async def _run(self) -> None:
        log.info("Schedule dispatcher started")
        resumed = False
        try:
            while True:
                try:
                    if not resumed:
                        await self._resume_unfinished()
                        resumed = True
                    await self._step()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # A database hiccup must not end scheduling for good: log, wait, re-read.
                    log.exception(
                        "Schedule dispatcher step failed; trying again in %.0f s",
                        self._error_backoff.total_seconds(),
                    )
                    self._stale, self._batch = True, []
                    await self._clock.sleep_until(self._clock.now() + self._error_backoff, self._never)
        except asyncio.CancelledError:
            log.info("Schedule dispatcher stopped")
            raise

    async def _step(self) -> None:
        """Read if something changed; dispatch what is due (or about to be); else sleep."""
        if self._stale:
            self._wake.clear()
            self._stale = False
            self._batch = await self._schedules.next_due(shards=self._shards, limit=self._batch_limit)
            self._hold_if_still_due()
        now = self._clock.now()
        if self._next_takeover is not None and now >= self._next_takeover:
            assert self._takeover_every is not None
            self._next_takeover = now + self._takeover_every
            await self._take_over(now, restarted=False)
            return
        ready: list[Schedule] = []
        held = self._held_until is not None and now < self._held_until
        if (
            self._batch
            and not held
            and self._batch[0].next_run is not None
            and self._batch[0].next_run <= now + self._claim_ahead
        ):
            ready, self._batch, self._stale = self._batch, [], True
        retries: list[_Retry] = []
        while self._retries and self._retries[0].at <= now:
            retries.append(heapq.heappop(self._retries))
        if ready or retries:
            try:
                await self._dispatch(now, ready, retries)
            except Exception:
                for retry in retries:  # not lost: tried again after the error backoff
                    heapq.heappush(self._retries, retry)
                raise
            return
        await self._clock.sleep_until(self._deadline(now), self._wake)
        if self._wake.is_set():
            self._stale = True

    def _deadline(self, now: datetime) -> datetime:
        candidates = [now + self._max_sleep]
        if self._batch and self._batch[0].next_run is not None:
            due = self._batch[0].next_run - self._claim_ahead
            candidates.append(max(due, self._held_until) if self._held_until is not None else due)
        if self._retries:
            candidates.append(self._retries[0].at)
        if self._next_takeover is not None:
            candidates.append(self._next_takeover)
        return min(candidates)

    async def _resume_unfinished(self) -> None:
        """Claims left without an outcome by a crash: post again, same nonce (or mark missed)."""
        now = self._clock.now()
        if self._takeover_every is not None:
            self._next_takeover = now + self._takeover_every
        await self._take_over(now, restarted=True)

    async def _take_over(self, now: datetime, *, restarted: bool) -> None:
        """Reclaim and post the unfinished claims this process may take: its own after a restart,
        those of its servers whose lease ended, and those of any server whose lease ended
        ``takeover_grace`` ago (only a process of several looks beyond its servers)."""
        unfinished = await self._schedules.reclaim(
            holder=self._holder, lease=self._lease, now=now, shards=self._shards, restarted=restarted
        )
        if self._shards is not None:
            unfinished += await self._schedules.reclaim(
                holder=self._holder,
                lease=self._lease,
                now=now,
                expired_before=now - self._takeover_grace,
                restarted=False,
            )
        if not unfinished:
            return
        jobs = []
        for claim in unfinished:
            if now - claim.occurrence > self._grace and missed_if_late(claim.schedule):
                missed: FinalState | None = "missed" if claim.schedule.one_off else None
                await self._record(
                    claim,
                    RunOutcome.not_sent(
                        "missed", self._missed_text(claim.schedule, claim.occurrence), final_state=missed
                    ),
                )
                continue
            log.info(
                "Re-posting schedule %d occurrence %s (guild %d), %s (nonce %s)",
                claim.schedule.id,
                claim.occurrence.isoformat(),
                claim.schedule.guild_id,
                "after a restart" if restarted else "taken over: its holder's lease ended",
                claim.nonce,
            )
            self._posting.setdefault(claim.schedule.id, _Posting())
            jobs.append(self._attempt(claim, attempt=1, resumed=True))
        if jobs:  # a claim made ahead of its instant is not posted early
            await self._clock.sleep_until(max(c.occurrence for c in unfinished), self._never)
        await asyncio.gather(*jobs)

    async def _dispatch(self, now: datetime, ready: list[Schedule], retries: list[_Retry]) -> None:
        on_time: list[Schedule] = []
        missed: list[Schedule] = []
        for schedule in ready:
            assert schedule.next_run is not None
            if now - schedule.next_run > self._grace and missed_if_late(schedule):
                missed.append(schedule)
            else:
                on_time.append(schedule)
        claims = await self._claim_all(on_time, now)
        # Posts first: the jobs of a batch start in this order, so a discussion's close due at the
        # same instant as the next post of its server finds that post under way (and waits for it).
        won = sorted(claims, key=lambda c: c.schedule.kind not in POST_KINDS)
        if won:
            await self._clock.sleep_until(max(c.occurrence for c in won), self._never)
        jobs = [self._attempt(claim, attempt=1) for claim in won]
        jobs += [self._attempt(r.claim, attempt=r.attempt) for r in retries]
        await asyncio.gather(*jobs)
        for schedule in missed:
            await self._mark_missed(schedule, now)

    async def _claim_all(self, due: list[Schedule], now: datetime) -> list[Claim]:
        """Claim the batch in one transaction; remember the ones nobody won for the re-read."""
        if not due:
            return []
        # In hand from before the claims are sent: a cancel landing while they are on their way
        # finds them (one landing before makes its claim fail: the schedule is no longer pending).
        fresh = {s.id: self._posting.setdefault(s.id, _Posting()) for s in due if s.id not in self._posting}
        wanted = []
        for schedule in due:
            occurrence = schedule.next_run
            assert occurrence is not None
            wanted.append(
                ClaimRequest(
                    schedule, make_nonce(schedule.id, occurrence), following_occurrence(schedule, occurrence)
                )
            )
        claims: list[Claim] = []
        try:
            claims = await self._schedules.claim_many(
                wanted, holder=self._holder, lease=self._lease, now=now, shards=self._shards
            )
        finally:
            won = {claim.schedule.id for claim in claims}
            for schedule_id, posting in fresh.items():
                if schedule_id not in won and self._posting.get(schedule_id) is posting:
                    del self._posting[schedule_id]
        self._lost = {s.id: s.next_run for s in due if s.id not in won and s.next_run is not None}
        self._lost_at = now
        return claims

    def _hold_if_still_due(self) -> None:
        """After the re-read: a claim of the last batch that nobody won, whose schedule is still
        due at that very occurrence, met a row locked for a moment (PostgreSQL's SKIP LOCKED);
        claim again after ``contention_retry`` rather than at once, over and over."""
        lost, lost_at = self._lost, self._lost_at
        self._lost, self._lost_at = {}, None
        if not lost or lost_at is None:
            return
        for schedule in self._batch:
            if lost.get(schedule.id) == schedule.next_run:
                log.info("Schedule %d was busy in the database; claiming it again shortly", schedule.id)
                self._held_until = lost_at + self._contention_retry
                return

    async def _mark_missed(self, schedule: Schedule, now: datetime) -> None:
        occurrence = schedule.next_run
        assert occurrence is not None
        text = self._missed_text(schedule, occurrence)
        try:
            await self._schedules.record_missed(
                schedule,
                nonce=make_nonce(schedule.id, occurrence),
                detail=text,
                next_run=following_occurrence(schedule, now),
                now=now,
            )
        except Exception:
            log.exception("Could not record schedule %d as missed", schedule.id)
            return
        log.warning("Schedule %d: %s", schedule.id, text)

    @staticmethod
    def _missed_text(schedule: Schedule, occurrence: datetime) -> str:
        local = occurrence.astimezone(schedule.zone)
        return f"Missed at {local:%Y-%m-%d %H:%M} {local.tzname()}: the bot was offline."

    # --- one post -------------------------------------------------------------------------

    async def _attempt(self, claim: Claim, *, attempt: int, resumed: bool = False) -> None:
        """Post one claimed occurrence once and record what happened; never raises (except cancel).

        ``resumed``: a claim taken over after a restart, which a cancel may have reached while
        it was being reclaimed: the store is asked first, as before a retry."""
        schedule_id = claim.schedule.id
        posting = self._posting.setdefault(schedule_id, _Posting())
        posting.started = False
        retrying = False
        try:
            retrying = await self._attempt_once(claim, attempt, posting, check=resumed or attempt > 1)
        finally:
            if not retrying and self._posting.get(schedule_id) is posting:
                del self._posting[schedule_id]

    async def _attempt_once(self, claim: Claim, attempt: int, posting: _Posting, *, check: bool) -> bool:
        """``_attempt``'s work; True when a retry was queued (the occurrence stays in hand)."""
        if check:
            renewed = await self._still_wanted(claim)
            if renewed is None:
                return False
            claim = renewed
        schedule, occurrence = claim.schedule, claim.occurrence
        try:
            async with self._semaphore, asyncio.timeout(self._post_timeout.total_seconds()):
                if posting.cancelled:
                    await self._record(claim, RunOutcome.not_sent("failed", _CANCELLED))
                    log.info("Schedule %d was cancelled before its post went out; not posting", schedule.id)
                    return False
                posting.started = True
                outcome = await self._post(schedule, occurrence, claim.nonce)
        except TimeoutError:
            reason = f"Discord did not answer within {self._post_timeout.total_seconds():.0f} s"
            return await self._retry_or_fail(claim, attempt, RetryableError(reason))
        except RetryableError as exc:
            return await self._retry_or_fail(claim, attempt, exc)
        except PermanentPostError as exc:
            outcome = PostOutcome.failed(exc.reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("Posting schedule %d (occurrence %s) raised", schedule.id, occurrence.isoformat())
            await self._record_failure(
                claim,
                f"Posting failed unexpectedly ({type(exc).__name__}: {exc}); see the bot's log.",
                stop=schedule.one_off,
            )
            return False
        await self._record_outcome(claim, outcome)
        return False

    async def _still_wanted(self, claim: Claim) -> Claim | None:
        """Before a retry or a resumed claim: the claim with its lease renewed, or None if it is
        dropped.

        A retry waits seconds to minutes, a resumed claim was made before a restart; a moderator
        may have cancelled the schedule meanwhile, or (several processes) the claim may have
        been lost.
        """
        schedule = claim.schedule
        try:
            current = await self._schedules.get(schedule.id)
            if current is None or current.state == "cancelled":
                await self._completions.complete(claim, RunOutcome.not_sent("failed", _CANCELLED))
                log.info("Schedule %d was cancelled; its claimed post is dropped", schedule.id)
                return None
            renewed = await self._schedules.renew(claim, lease=self._lease, now=self._clock.now())
        except Exception:
            log.exception("Could not re-read schedule %d before retrying", schedule.id)
            return claim
        if renewed is None:
            log.warning("Schedule %d: the claim was lost before the retry; not posting", schedule.id)
        return renewed

    async def _retry_or_fail(self, claim: Claim, attempt: int, exc: RetryableError) -> bool:
        """Queue a retry (True), or record the failure when retries ran out (False)."""
        schedule = claim.schedule
        if attempt > len(self._retry_delays):
            await self._record_failure(
                claim,
                f"Discord kept failing after {attempt} attempts: {exc.reason}",
                stop=schedule.one_off,
            )
            return False
        delay = self._retry_delays[attempt - 1]
        if exc.retry_after is not None:
            delay = max(delay, timedelta(seconds=exc.retry_after))
        at = self._clock.now() + delay
        log.warning(
            "Posting schedule %d failed (%s); retry %d in %.0f s",
            schedule.id,
            exc.reason,
            attempt,
            delay.total_seconds(),
        )
        heapq.heappush(self._retries, _Retry(at, next(self._seq), claim, attempt + 1))
        return True

    async def _record_outcome(self, claim: Claim, outcome: PostOutcome) -> None:
        schedule = claim.schedule
        if outcome.kind == "sent":
            assert outcome.message_id is not None
            sent = RunOutcome.sent(outcome.message_id, outcome.lesson_id, finished=schedule.one_off)
            if not await self._record(claim, sent, what="was posted but recording it failed"):
                return
            log.info(
                "Posted schedule %d (lesson %s) in guild %d as message %d, due %s",
                schedule.id,
                outcome.lesson_id,
                schedule.guild_id,
                outcome.message_id,
                claim.occurrence.isoformat(),
            )
        elif outcome.kind == "skipped":
            detail = outcome.detail or "Nothing left to do."
            if await self._record(claim, RunOutcome.skipped(detail, finished=schedule.one_off)):
                log.info("Schedule %d (%s) skipped: %s", schedule.id, schedule.kind, detail)
        elif outcome.kind == "empty_queue":
            detail = outcome.detail or "No lesson left in the queue."
            await self._record_failure(claim, detail, run_state="empty", stop=schedule.one_off)
        else:
            await self._record_failure(claim, outcome.detail or "Posting failed.", stop=True)

    async def _record_failure(
        self,
        claim: Claim,
        detail: str,
        *,
        run_state: Literal["failed", "empty"] = "failed",
        stop: bool = False,
    ) -> None:
        """Record a run that did not post; ``stop`` turns the schedule ``failed``."""
        final: FinalState | None = "failed" if stop else None
        if await self._record(claim, RunOutcome.not_sent(run_state, detail, final_state=final)):
            log.warning("Schedule %d (guild %d): %s", claim.schedule.id, claim.schedule.guild_id, detail)

    async def _record(
        self, claim: Claim, outcome: RunOutcome, *, what: str = "could not record its outcome"
    ) -> bool:
        """Complete the claim; False (logged) if that failed or the claim was no longer ours."""
        try:
            recorded = await self._completions.complete(claim, outcome)
        except Exception:
            log.exception("Schedule %d %s", claim.schedule.id, what)
            return False
        if not recorded:
            log.warning(
                "Schedule %d: the claim on %s was lost (taken over, or already recorded); %s not recorded",
                claim.schedule.id,
                claim.occurrence.isoformat(),
                outcome.run_state,
            )
        return recorded
