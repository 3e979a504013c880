"""What the bot needs from its database, and nothing more: one small interface per concern.

Each backend (``bot.store.sqlite``, ``bot.store.postgres``) implements these Protocols, and
``open_store(url)`` hands the bot a ``Store`` bundling them. Callers never see a cursor, a SQL
string or a backend's types: they pass and get the plain values of ``bot.store.rows``.

Rules every backend follows (the contract suite in ``tests/store`` checks them):

* Every method is one transaction: it happens entirely or not at all, and no other caller sees
  it half done. A change of several rows is one method, so the backend owns its transaction
  (SQLite ``BEGIN IMMEDIATE``, PostgreSQL row locks / ``FOR UPDATE SKIP LOCKED``).
* Instants go in as aware datetimes (any zone; a naive one raises ``ValueError``) and come back
  as aware UTC datetimes equal to what went in, to the microsecond.
* Ids are Discord's 64-bit snowflakes (or the store's own row ids), as ``int``.
* Lists come back in the order each method names; "oldest first" breaks ties by id.
* Text (names, content, lesson ids) comes back exactly as stored, any Unicode.
* A method whose database is unreachable or busy beyond the backend's wait raises; it never
  returns a partial answer. ``StoreOpenError`` is reserved for ``open_store``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from bot.store.rows import (
    AddedContent,
    AddedLesson,
    Claim,
    ClaimRequest,
    GuildSettings,
    LessonText,
    NewOnce,
    NewPost,
    NewWeekly,
    Post,
    Refused,
    Reply,
    ReplyActivity,
    ReplyChanges,
    ReplyStats,
    RunOutcome,
    Schedule,
    ShardSet,
    ThreadReading,
)
from bot.store.tables import Row, Table


class StoreOpenError(Exception):
    """The store cannot be opened (bad URL, missing or unreadable database, refused login,
    a schema newer than this bot). The message is one sentence an operator can act on."""


class TransferError(Exception):
    """Reading or writing whole tables failed (``Transfer``); the message says why in words.
    Whatever a ``loading`` had written is rolled back."""


class Schedules(Protocol):
    """Schedules and the claims of their occurrences (exactly once, across processes).

    A schedule is ``pending`` while it has occurrences to post; ``next_run`` is its next
    occurrence not yet claimed. Posting an occurrence goes: ``claim`` it (the schedule moves on
    to its following occurrence), post, ``complete`` the claim with the outcome. A claim is held
    by a *holder* (a name for the process, stable across its restarts) until its lease ends;
    ``renew`` extends the lease, ``reclaim`` takes over the claims of a holder that died (or of
    this holder before a restart), and ``complete`` records an outcome only if the claim is
    still its holder's, so a process that lost its claim changes nothing. ``claim_many`` and
    ``complete_many`` do the same for several occurrences in one transaction (the posts due at
    one instant, the outcomes that came back together), each under the single one's rule.

    Two families share this machinery, told apart by ``kind``: the moderators' posts (``once``,
    ``weekly``) and the jobs of a discussion's window (``remind``, ``close``), which only
    ``Posts.record`` makes. The moderators' lists and cancels (``pending``, ``listable``,
    ``cancel``) see posts only; the dispatcher's methods see every kind.
    """

    async def create_once(self, new: NewOnce) -> Schedule:
        """Store a pending one-off (``next_run`` = ``new.run_at``); return it with its new id."""
        ...

    async def create_weekly(self, new: NewWeekly) -> Schedule:
        """Store a pending weekly schedule (``next_run`` = ``new.first_run``, ``lesson_id`` None);
        return it with its new id."""
        ...

    async def get(self, schedule_id: int) -> Schedule | None:
        """The schedule with this id, in any state; None if there is none."""
        ...

    async def pending(self, guild_id: int) -> list[Schedule]:
        """The server's ``pending`` post schedules (``once``, ``weekly``): soonest ``next_run``
        first, then by id; those with no ``next_run`` (a claimed one-off being posted right
        now) last, by id."""
        ...

    async def listable(self, guild_id: int) -> list[Schedule]:
        """What ``/schedule list`` shows: the server's ``pending`` post schedules in ``pending``'s
        order, then its ``missed`` and ``failed`` ones (kept until cancelled), soonest
        ``next_run`` first, no ``next_run`` after, then by id. Done and cancelled ones never."""
        ...

    async def cancel(self, guild_id: int, schedule_id: int) -> bool:
        """Cancel a ``pending`` post schedule of this server, or dismiss a ``missed`` or ``failed``
        one: it becomes ``cancelled`` with no ``next_run``. False (and nothing changes) when the
        id is unknown, belongs to another server, is a discussion job, or is already done or
        cancelled.

        A claim already made on it stays; its ``complete`` still records the run but no longer
        changes the schedule, and ``reclaim`` no longer returns it."""
        ...

    async def next_due(self, *, shards: ShardSet | None = None, limit: int = 500) -> list[Schedule]:
        """The ``pending`` schedules (of ``shards``' servers; all if None) whose ``next_run`` is
        the soonest of them, by id, at most ``limit``; empty when none has a ``next_run``.

        The dispatcher sleeps until that instant holding this list, so when it wakes it can
        claim at once without reading again."""
        ...

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
        """Claim the occurrence ``schedule.next_run`` for ``holder`` until ``now + lease``.

        Won only if the stored schedule is still ``pending`` at that very ``next_run`` (not
        cancelled, not claimed by anyone meanwhile): then, at once, its ``next_run`` becomes
        ``next_run`` (the following occurrence, computed by the caller; None for a one-off) and
        the occurrence's run is recorded as ``claimed`` with ``nonce`` and the schedule's
        ``lesson_id``. Returns the Claim (its ``schedule`` as now stored) or None if not won.
        Of two claims of the same occurrence at the same time, at most one wins.
        ``schedule.next_run`` must not be None (ValueError).
        """
        ...

    async def claim_many(
        self,
        wanted: Sequence[ClaimRequest],
        *,
        holder: str,
        lease: timedelta,
        now: datetime,
        shards: ShardSet | None = None,
    ) -> list[Claim]:
        """``claim`` for each occurrence of ``wanted``, all in one transaction (a dispatcher
        claims the posts due at the same instant in one round trip, not one each).

        Each is won under exactly ``claim``'s rule, independently of the others, and only if
        its schedule's server is in ``shards`` (all if None). Returns the claims won, in the
        order of ``wanted``; those not won are left out (another holder won it, it was cancelled
        or moved on, or, on PostgreSQL, another transaction held its row at that moment: it is
        skipped, not waited for). Of two ``claim_many`` (or ``claim``) racing for the same
        occurrence, at most one wins it. A ``schedule.next_run`` of None, or one schedule
        asked for twice, is a ValueError (and nothing is claimed).
        """
        ...

    async def renew(self, claim: Claim, *, lease: timedelta, now: datetime) -> Claim | None:
        """Extend the claim's lease to ``now + lease`` if it is still its holder's (its run is
        still ``claimed`` by ``claim.holder``, even if the lease has run out meanwhile, as long
        as nobody reclaimed it); return the renewed Claim, or None if the claim was lost."""
        ...

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
        """Take over claims left without an outcome, and return them, oldest occurrence first
        (then by schedule id).

        Taken: every run still ``claimed`` whose schedule is still ``pending`` and belongs to
        ``shards`` (all if None), and whose lease ended at or before ``expired_before`` (default
        ``now``: a holder that died), or, when ``restarted``, whose holder is ``holder`` (this
        process, started again: none of its claims is in flight). A running process passes
        ``restarted=False``, so its own claims in flight are left to it while their lease lasts.
        Each becomes ``holder``'s until ``now + lease``, keeping its occurrence and nonce, so a
        re-post sends the same nonce. Two processes reclaiming at once never get the same claim.
        """
        ...

    async def complete(self, claim: Claim, outcome: RunOutcome) -> bool:
        """Record how the claimed occurrence ended, if the claim is still its holder's.

        Still the holder's: its run is still ``claimed`` by ``claim.holder`` (an ended lease
        that nobody reclaimed still counts). Then, at once: the run becomes
        ``outcome.run_state`` (with the message id and lesson id when given, and
        ``outcome.detail``); and if the schedule is still ``pending``, its ``last_error``
        becomes ``outcome.detail`` (None clears it) and, when ``outcome.final_state`` is set, it
        takes that state and loses its ``next_run``. A schedule cancelled meanwhile stays
        cancelled. Returns True if recorded; False (and nothing changes) if the claim was lost:
        reclaimed by another holder, or already completed.
        """
        ...

    async def complete_many(self, done: Sequence[tuple[Claim, RunOutcome]]) -> list[bool]:
        """``complete`` for each claim with its outcome, all in one transaction (outcomes that
        arrive together are recorded in one round trip). Each is recorded under exactly
        ``complete``'s rule, independently of the others; returns, in order, whether each was
        recorded. One occurrence given twice is a ValueError (and nothing is recorded)."""
        ...

    async def record_missed(
        self,
        schedule: Schedule,
        *,
        nonce: str,
        detail: str,
        next_run: datetime | None,
        now: datetime,
    ) -> bool:
        """Record the occurrence ``schedule.next_run`` as missed without posting it (it is older
        than the grace period), and move the schedule on.

        Only if the stored schedule is still ``pending`` at that very ``next_run``: its
        ``next_run`` becomes ``next_run``, its ``last_error`` becomes ``detail``, and with no
        ``next_run`` (a one-off) it becomes ``missed``; the occurrence's run is recorded as
        ``missed`` with ``nonce`` and ``detail``. Returns False (nothing changes) otherwise.
        """
        ...


class Posts(Protocol):
    """Lesson posts: which lesson went to which server, channel, message and thread."""

    async def record(self, post: NewPost) -> Post:
        """Record a post; return it with its new id. Two posts never share a ``thread_id``
        (recording a second post for a thread raises).

        In the same transaction, the discussions still open in the same channel close now: the
        pending ``close`` job of every other post of that channel whose ``next_run`` is later
        than ``post.posted_at`` moves to ``posted_at``, and their pending ``remind`` jobs are
        cancelled. With ``post.discussion``, the post's ``closes_at`` is its ``closes_at`` and
        its jobs are created pending (server, channel, lesson and ``post_id`` the post's, zone
        and ``created_by`` the window's, ``created_at`` ``posted_at``): a ``close`` at
        ``closes_at`` and, when ``remind_at`` is set and later than ``posted_at``, a ``remind``
        at ``remind_at``."""
        ...

    async def get(self, post_id: int) -> Post | None:
        """The post with this id, or None."""
        ...

    async def latest(self, guild_id: int) -> Post | None:
        """The server's most recent post (latest ``posted_at``, then highest id), or None."""
        ...

    async def for_lesson(self, guild_id: int, lesson_id: str) -> list[Post]:
        """Every post of this lesson in the server, oldest first."""
        ...

    async def in_guild(self, guild_id: int) -> list[Post]:
        """Every post of the server, oldest first."""
        ...

    async def posted_lesson_ids(self, guild_id: int) -> set[str]:
        """The ids of the lessons posted in the server at least once."""
        ...

    async def with_threads(self, *, shards: ShardSet | None = None) -> list[Post]:
        """Every post that has a thread, in the servers of ``shards`` (all if None), oldest first
        (start-up: the threads whose replies are collected and backfilled)."""
        ...

    async def for_occurrence(self, schedule_id: int, occurrence: datetime) -> Post | None:
        """The post a schedule recorded for this occurrence, if any (a retry after a crash asks
        this first, so a post recorded just before the crash is not sent again)."""
        ...


class Replies(Protocol):
    """The messages of lesson threads, one per Discord message id."""

    async def apply(self, batch: Sequence[ReplyChanges]) -> None:
        """Apply the groups in order, all in one transaction (all or nothing; it raises if it
        cannot be written, and the caller may retry the same batch).

        Within a group (see ``ReplyChanges``): deletes, then upserts, then edits, then the read
        points, then the thread's deletion. An upsert stores the reply, or replaces the stored one (name,
        content, attachments, edited_at; never its thread, server, author or created_at) unless
        the stored one carries a later edit: it is replaced when it has no ``edited_at``, or the
        new one has an ``edited_at`` at or after the stored one. An edit changes content,
        ``edited_at`` and, when given, attachments, of a stored reply whose ``edited_at`` is
        None or at or before the edit's; an edit of a reply not stored does nothing. Deleting
        an unknown id does nothing. A group holds at most one operation per message id. A read
        point rises to the given message id and never falls; a thread's deletion deletes its
        replies and marks it gone for good (``reading``), whatever read point it had.
        """
        ...

    async def reading(self) -> ThreadReading:
        """Every thread's read point and the threads gone, in one read (start-up)."""
        ...

    async def for_thread(self, thread_id: int) -> list[Reply]:
        """The thread's replies, oldest ``created_at`` first, then by message id."""
        ...

    async def latest_id(self, thread_id: int) -> int | None:
        """The highest stored message id of the thread (backfill reads history after it)."""
        ...

    async def latest_ids(self) -> dict[int, int]:
        """``latest_id`` of every thread that has replies, in one read (start-up)."""
        ...

    async def stats(
        self, guild_id: int, thread_ids: Collection[int] | None = None, *, top: int = 5
    ) -> ReplyStats:
        """Replies and distinct authors in the server, within ``thread_ids`` when given (an
        empty collection counts nothing), and the ``top`` authors by replies: most first, then
        the one whose latest reply is earlier, then by author id; each named as on their latest
        reply counted."""
        ...

    async def activity(
        self,
        guild_id: int,
        *,
        thread_ids: Collection[int] | None = None,
        author_id: int | None = None,
    ) -> list[ReplyActivity]:
        """Who replied where and when in the server (never what they wrote): within
        ``thread_ids`` when given (an empty collection gives nothing), by ``author_id`` when
        given; oldest ``created_at`` first, then by message id."""
        ...

    async def earliest(
        self, guild_id: int, author_ids: Collection[int], *, excluding_thread: int
    ) -> dict[int, datetime]:
        """Each of ``author_ids``' earliest reply time in the server's threads other than
        ``excluding_thread``; an author with no reply there is absent."""
        ...


class ServerSettings(Protocol):
    """Per-server settings. Each setter stores one field, leaves the others, and returns the
    server's settings as now stored; None clears the field (back to its default)."""

    async def get(self, guild_id: int) -> GuildSettings:
        """The server's settings; a server never configured gets every field None."""
        ...

    async def set_timezone(self, guild_id: int, timezone: str | None) -> GuildSettings:
        """The server's IANA zone name (validated by the caller)."""
        ...

    async def set_channel(self, guild_id: int, channel_id: int | None) -> GuildSettings:
        """The default channel for posts."""
        ...

    async def set_modrole(self, guild_id: int, role_id: int | None) -> GuildSettings:
        """The extra moderator role."""
        ...

    async def set_discussion(
        self, guild_id: int, days: int | None, reminder_hours: int | None
    ) -> GuildSettings:
        """The discussion window: days open and the reminder's hours before the end (both
        fields at once; each None back to its default)."""
        ...

    async def set_pingrole(self, guild_id: int, role_id: int | None) -> GuildSettings:
        """The role each post mentions and its Notify me button gives."""
        ...


class ModeratorNotices(Protocol):
    """What the moderators of a server were told about a lasting problem, so that a problem met
    again and again (on every Notify me click, on every post) is told once.

    A ``topic`` names the thing that can go wrong (``"pingrole"``, ``"pin:<channel id>"``);
    ``about`` says what is wrong with it now (``"<role id>:no_manage_roles"``). Telling is
    recorded per server and topic; a different problem under the same topic is told again, and
    ``resolve`` (the problem is gone, or the setting changed) lets the next one be told too.
    """

    async def first_time(self, guild_id: int, topic: str, about: str, *, at: datetime) -> bool:
        """Record that the moderators are told ``about`` under ``topic``; True when they have not
        been told it yet (the caller tells them now), False when they have. Of two callers at
        once, exactly one gets True."""
        ...

    async def resolve(self, guild_id: int, topic: str) -> None:
        """Forget what was told under ``topic`` (nothing happens when nothing was)."""
        ...


class ServerLessons(Protocol):
    """Lessons and concepts added in a server (``/library``): that server's, and no other's.

    A removed lesson keeps its row (its posts and discussion still name it) but is no longer
    served, and its id is never given to another lesson of the server. A server's own concept
    stays while one of its served lessons teaches it; when the lesson defining it goes (removed,
    or edited to teach another concept), the earliest served lesson still teaching it defines it.
    """

    async def add(
        self,
        guild_id: int,
        lesson_id: str,
        text: LessonText,
        *,
        by: int,
        at: datetime,
        reserved: Collection[str] = (),
    ) -> AddedLesson | Refused:
        """Add a lesson at the end of the server's lessons; return it as stored.

        Its id is ``lesson_id``, or, when a lesson of the server (even a removed one) has that
        id or it is in ``reserved`` (the shared lessons' ids), the first free of
        ``<lesson_id>-2``, ``<lesson_id>-3``, ... ``Refused("title_taken", lesson_id=...)`` when
        a served lesson of the server has the same ``title_key``. ``text.concept``, if set, joins
        the server's concepts defined by this lesson, unless the server already has a concept
        with that key: then the lesson teaches that one as it is.
        """
        ...

    async def replace(
        self, guild_id: int, lesson_id: str, text: LessonText, *, by: int, at: datetime
    ) -> AddedLesson | Refused:
        """Replace a served lesson's text (its id and place stay); return it as now stored.

        ``Refused("unknown")`` when the server serves no such lesson; ``Refused("title_taken",
        lesson_id=...)`` when another served lesson has the same ``title_key``. ``text.concept``,
        if set: a concept the server does not have yet joins it, defined by this lesson; one this
        lesson defines takes the new term and definition; one another lesson defines is taught as
        it is. Concepts no served lesson teaches any more leave the server's glossary.
        """
        ...

    async def remove(self, guild_id: int, lesson_id: str, *, by: int, at: datetime) -> AddedLesson | Refused:
        """Stop serving a lesson; return it as it was. ``Refused("unknown")`` when the server
        serves no such lesson; ``Refused("booked", schedule_id=...)`` when a pending one-off of
        the server will post it (the one with the lowest id). Concepts no served lesson teaches
        any more leave the server's glossary."""
        ...

    async def content(self, guild_id: int) -> AddedContent:
        """The server's served lessons in the order added, and its concepts by key, in one read."""
        ...

    async def article(self, guild_id: int, lesson_id: str) -> str | None:
        """The text a served lesson was given as (pasted or uploaded, latest edit), or None."""
        ...


class BotState(Protocol):
    """Small facts the bot keeps about itself across restarts (not about servers), as text."""

    async def get(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        ...

    async def put(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier value."""
        ...


class TableReader(Protocol):
    """Reads whole tables from one snapshot of the database (``Transfer.reading``)."""

    def batches(self, table: Table, size: int) -> AsyncIterator[list[Row]]:
        """Every row of ``table`` as neutral values (``bot.store.tables``), in primary-key order,
        at most ``size`` a batch."""
        ...

    async def counts(self) -> dict[str, int]:
        """The rows of every table of ``TABLES``, by table name, in the same snapshot."""
        ...


class TableWriter(Protocol):
    """Writes whole rows into one transaction (``Transfer.loading``)."""

    async def write(self, table: Table, rows: Sequence[Row]) -> None:
        """Insert ``rows`` (neutral values, every column of ``table``) as they are, ids included."""
        ...

    async def counts(self) -> dict[str, int]:
        """The rows of every table of ``TABLES``, by table name, as this transaction sees them."""
        ...


class Transfer(Protocol):
    """Whole tables in and out, row for row: for moving a database to another backend
    (``python -m bot migrate-data``), not for the running bot. Driver errors come out as
    ``TransferError``. Nothing else should use the store while a reading or loading is open."""

    def reading(self) -> AbstractAsyncContextManager[TableReader]:
        """A read-only snapshot: every read inside sees the database as it was at the first."""
        ...

    def loading(self) -> AbstractAsyncContextManager[TableWriter]:
        """One write transaction: committed when the block ends normally (id counters moved past
        the copied ids first), rolled back entirely if it raises."""
        ...


class Store(Protocol):
    """An open, migrated database: the concerns above, and ``close``.

    Made by ``bot.store.open_store(url)``; the bot holds one for its whole life.
    """

    @property
    def schedules(self) -> Schedules: ...

    @property
    def posts(self) -> Posts: ...

    @property
    def replies(self) -> Replies: ...

    @property
    def settings(self) -> ServerSettings: ...

    @property
    def bot_state(self) -> BotState: ...

    @property
    def lessons(self) -> ServerLessons: ...

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything stored about a server, in one transaction: its settings, schedules
        and their runs, posts, replies and their threads' read points, and the lessons and
        concepts added there (the bot left the server; it keeps nothing of it). A server with
        nothing stored is no error. Every table keyed by a server is listed here."""
        ...

    @property
    def transfer(self) -> Transfer: ...

    @property
    def notices(self) -> ModeratorNotices: ...

    @property
    def query_count(self) -> int:
        """Statements sent to the database since it was opened (including transaction control):
        tests and benches read it to prove that an idle component makes no queries."""
        ...

    async def close(self) -> None:
        """Close the connection(s); safe to call twice. Methods called after it raise."""
        ...
