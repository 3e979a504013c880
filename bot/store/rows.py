"""The plain values the store hands out and takes in, the same for every backend.

Neutral on purpose: ints for Discord ids, aware UTC ``datetime``s for instants, ``str`` for
names, tuples for lists. No backend's types (no ``sqlite3.Row``, no ``asyncpg.Record``, no ISO
text) and no positional row tuples leave ``bot.store``: a caller reads ``reply.content``, never
``row[5]``.

Every type is a frozen dataclass except ``Reply``: one is built per gateway message on the reply
hot path, and a frozen dataclass's ``__init__`` costs about twice a plain one's (it sets each
field through ``object.__setattr__``). Treat ``Reply`` as immutable all the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

# "once" and "weekly" post lessons (moderators' schedules); "remind" and "close" are the jobs of a
# discussion's window, made when its lesson is posted (``NewPost.discussion``).
ScheduleKind = Literal["once", "weekly", "remind", "close"]
POST_KINDS: frozenset[str] = frozenset({"once", "weekly"})
DISCUSSION_KINDS: frozenset[str] = frozenset({"remind", "close"})
ScheduleState = Literal["pending", "done", "missed", "failed", "cancelled"]
# The schedule states a completed run can leave a schedule in (None: it stays pending).
FinalState = Literal["done", "missed", "failed"]


# --- shards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShardSet:
    """The servers of some shards: those with ``(guild_id >> 22) % count in ids``.

    Discord's own rule for which shard a server's events go to. A process running shards 0-3 of
    8 passes ``ShardSet(8, frozenset({0, 1, 2, 3}))`` so it dispatches and backfills only its
    own servers; ``None`` where a ``ShardSet`` is optional means every server.
    """

    count: int
    ids: frozenset[int]

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a shard count is at least 1, not {self.count}")
        if not self.ids:
            raise ValueError("a shard set names at least one shard")
        outside = sorted(i for i in self.ids if not 0 <= i < self.count)
        if outside:
            raise ValueError(f"shard ids {outside} are outside 0..{self.count - 1}")

    @classmethod
    def of(cls, count: int, ids: Iterable[int]) -> ShardSet:
        return cls(count, frozenset(ids))

    def owns(self, guild_id: int) -> bool:
        """True when ``guild_id``'s server belongs to one of these shards."""
        return (guild_id >> 22) % self.count in self.ids


# --- per-server settings and the bot's own facts ---------------------------------------------


@dataclass(frozen=True)
class GuildSettings:
    """One server's settings. A server that never ran ``/settings`` has every field None, and
    callers apply the defaults (DEFAULT_TIMEZONE, the command's channel, Manage Server only,
    no ping)."""

    guild_id: int
    timezone: str | None = None  # IANA name
    channel_id: int | None = None  # the default channel for posts
    modrole_id: int | None = None  # the extra moderator role
    discussion_days: int | None = None  # how long a discussion stays open (None: the default, 7)
    reminder_hours: int | None = None  # the reminder, hours before the end (None: 24; 0: none)
    pingrole_id: int | None = None  # the role each post mentions (members opt in with Notify me)


# --- posts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscussionWindow:
    """When a lesson's discussion closes and when it is reminded (None: no reminder), as computed
    when it opens, with the server's zone and the moderator whom notices about it may ping."""

    closes_at: datetime
    remind_at: datetime | None
    timezone: str
    created_by: int


@dataclass(frozen=True)
class NewPost:
    """A lesson just posted, to be recorded (``Posts.record``).

    With ``discussion``, recording it also schedules its discussion's reminder and close (the
    ``remind`` and ``close`` jobs, ``Schedule.post_id`` the new post).
    """

    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int | None  # the discussion thread or forum post; None if none was made
    lesson_id: str
    posted_at: datetime
    schedule_id: int | None = None  # None for /post
    occurrence: datetime | None = None  # the schedule occurrence this post fulfils
    discussion: DiscussionWindow | None = None


@dataclass(frozen=True)
class Post:
    """A recorded lesson post: which lesson went to which server, channel, message and thread."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int | None
    lesson_id: str
    posted_at: datetime
    schedule_id: int | None = None
    occurrence: datetime | None = None
    closes_at: datetime | None = None  # when its discussion window ends, as planned (None: never)


# --- replies ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Reply:
    """One stored message of a lesson thread (not frozen: see the module docstring)."""

    message_id: int
    thread_id: int
    guild_id: int
    author_id: int
    author_name: str
    content: str
    attachments: tuple[str, ...]  # the attachments' URLs
    created_at: datetime
    edited_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplyEdit:
    """A MESSAGE_UPDATE: the new text, when it was edited, and the attachments if Discord sent
    them (None keeps the stored ones)."""

    message_id: int
    content: str
    edited_at: datetime
    attachments: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ReplyChanges:
    """One group of reply writes, applied as: ``deletes``, then ``upserts``, then ``edits``, then
    the threads' read points (``read_up_to``), then (if set) the thread ``forget_thread`` is
    forgotten: every reply of it deleted and the thread marked gone.

    The reply writer reduces its queue to such groups (at most one operation per message in a
    group) and hands a batch of them to ``Replies.apply``.
    """

    upserts: Sequence[Reply] = ()
    edits: Sequence[ReplyEdit] = ()
    deletes: Sequence[int] = ()
    forget_thread: int | None = None
    # thread id -> message id: every message of the thread up to this one has been stored (or
    # is not a reply); its read point rises to it (never falls).
    read_up_to: Mapping[int, int] = field(default_factory=dict)

    @property
    def operations(self) -> int:
        return (
            len(self.upserts)
            + len(self.edits)
            + len(self.deletes)
            + len(self.read_up_to)
            + (self.forget_thread is not None)
        )


@dataclass(frozen=True)
class ThreadReading:
    """How far the history of each lesson thread has been read (``Replies.reading``).

    ``read_up_to``: per thread, the newest message up to which everything was stored (or is not
    a reply): a start-up backfill reads after it, and skips the thread when Discord's
    ``last_message_id`` is not newer. ``gone``: threads deleted on Discord (their replies are
    deleted too); they are never read again.
    """

    read_up_to: Mapping[int, int] = field(default_factory=dict)
    gone: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AuthorCount:
    author_id: int
    author_name: str  # the author's display name on their latest counted reply
    replies: int


@dataclass(frozen=True, slots=True)
class ReplyActivity:
    """Who replied where and when (``Replies.activity``): a reply without its text."""

    thread_id: int
    author_id: int
    author_name: str
    message_id: int
    created_at: datetime


@dataclass(frozen=True)
class ReplyStats:
    replies: int
    participants: int  # distinct authors
    top: tuple[AuthorCount, ...] = field(default_factory=tuple)  # most replies first


# --- schedules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewOnce:
    """A one-off post of ``lesson_id`` at ``run_at`` (``Schedules.create_once``)."""

    guild_id: int
    channel_id: int
    lesson_id: str
    run_at: datetime
    timezone: str  # the IANA zone the moderator's date and time were read in
    created_by: int
    created_at: datetime


@dataclass(frozen=True)
class NewWeekly:
    """Every ``weekday`` (0 = Monday) at ``local_time`` in ``timezone``, first at ``first_run``
    (computed by the caller with ``recurrence.next_weekly``: the store knows no calendar)."""

    guild_id: int
    channel_id: int
    weekday: int
    local_time: time  # wall-clock time, minutes precision
    timezone: str
    first_run: datetime
    created_by: int
    created_at: datetime


@dataclass(frozen=True)
class Schedule:
    """A stored schedule. ``next_run`` is the next occurrence not yet claimed (None once a
    one-off is claimed, or a schedule is finished); ``last_error`` is the latest failure or
    notice in words, for ``/schedule list``.

    A discussion job (kind ``remind`` or ``close``) is a one-off about the post ``post_id``:
    its ``channel_id`` and ``lesson_id`` are the post's, ``created_by`` the moderator who posted
    or scheduled it.
    """

    id: int
    guild_id: int
    channel_id: int
    kind: ScheduleKind
    lesson_id: str | None  # once: the lesson; weekly: None (the next of the queue)
    weekday: int | None  # weekly: 0 = Monday
    local_time: time | None  # weekly: the wall-clock time in ``timezone``
    timezone: str
    next_run: datetime | None
    state: ScheduleState
    last_error: str | None
    created_by: int
    created_at: datetime
    post_id: int | None = None  # discussion jobs: the post whose discussion it is

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def one_off(self) -> bool:
        """Every kind but ``weekly`` runs once: done after its occurrence, whatever happened."""
        return self.kind != "weekly"


@dataclass(frozen=True)
class Claim:
    """One occurrence of a schedule, claimed by ``holder`` until ``lease_until``.

    ``schedule`` is the schedule as it was when claimed (its ``next_run`` is ``occurrence``);
    ``nonce`` is the one every attempt to post this occurrence sends, whoever holds it.
    """

    schedule: Schedule
    occurrence: datetime
    nonce: str
    holder: str
    lease_until: datetime
    claimed_at: datetime


@dataclass(frozen=True)
class ClaimRequest:
    """One occurrence a dispatcher wants to claim (``Schedules.claim_many``): ``schedule`` at its
    ``next_run``, the ``nonce`` every attempt at it sends, and ``next_run``, the schedule's
    following occurrence (None for a one-off), computed by the caller as for ``claim``."""

    schedule: Schedule
    nonce: str
    next_run: datetime | None


@dataclass(frozen=True)
class RunOutcome:
    """How a claimed occurrence ended (``Schedules.complete``); build it with the constructors.

    ``run_state`` is what the occurrence's run becomes; ``detail`` becomes the schedule's
    ``last_error`` (None clears it); ``final_state``, when set, ends the schedule in that state
    (and clears its ``next_run``); None leaves it pending.
    """

    run_state: Literal["sent", "missed", "failed", "empty", "skipped"]
    detail: str | None = None
    final_state: FinalState | None = None
    message_id: int | None = None
    lesson_id: str | None = None

    @classmethod
    def sent(cls, message_id: int, lesson_id: str | None, *, finished: bool) -> RunOutcome:
        """Posted as ``message_id``; ``finished``: the schedule is done (a one-off)."""
        return cls("sent", None, "done" if finished else None, message_id, lesson_id)

    @classmethod
    def not_sent(
        cls,
        run_state: Literal["missed", "failed", "empty"],
        detail: str,
        *,
        final_state: FinalState | None = None,
    ) -> RunOutcome:
        """Not posted, for the reason ``detail``; ``final_state`` stops the schedule."""
        return cls(run_state, detail, final_state)

    @classmethod
    def skipped(cls, detail: str, *, finished: bool) -> RunOutcome:
        """Nothing was left to do (a reminder of a discussion already closed), for the reason
        ``detail``; ``finished``: the schedule is done."""
        return cls("skipped", detail, "done" if finished else None)


# --- lessons added in a server ---------------------------------------------------------------


@dataclass(frozen=True)
class NewConcept:
    """A concept a lesson brings to its server's glossary (its term was new there)."""

    key: str
    term: str
    definition: str


@dataclass(frozen=True)
class AddedConcept:
    """A concept of one server's own glossary. ``lesson_id`` is the server's lesson whose text
    defines it: editing that lesson may change it, no other lesson does."""

    guild_id: int
    key: str
    term: str
    definition: str
    lesson_id: str


@dataclass(frozen=True)
class LessonText:
    """A lesson's text as a moderator gave it and as it is served, for ``ServerLessons.add`` and
    ``replace``.

    ``article`` is the text as pasted or uploaded (kept for editing and export); ``document`` is
    the lesson as a lesson file (front matter and Markdown), exactly what was previewed and what
    is posted. ``title_key`` is the title's comparable form: no two lessons of a server share one.
    ``concept_key`` is the concept the lesson teaches (shared, the server's, or ``concept``'s);
    ``concept`` is set when the lesson defines a concept of the server's own.
    """

    title: str
    title_key: str
    article: str
    document: str
    concept_key: str
    concept: NewConcept | None = None

    def check(self) -> None:
        """ValueError if the concept defined is not the one taught (a caller's bug): every
        backend checks before it stores anything."""
        if self.concept is not None and self.concept.key != self.concept_key:
            raise ValueError(f"the lesson teaches {self.concept_key!r} but defines {self.concept.key!r}")


@dataclass(frozen=True)
class AddedLesson:
    """A lesson added in a server. ``position`` orders a server's lessons as they were added."""

    position: int
    guild_id: int
    lesson_id: str
    title: str
    document: str
    concept_key: str
    added_by: int
    added_at: datetime
    edited_by: int | None = None
    edited_at: datetime | None = None


@dataclass(frozen=True)
class AddedContent:
    """What a server added: its lessons in the order added, and its own concepts by key."""

    lessons: tuple[AddedLesson, ...] = ()
    concepts: tuple[AddedConcept, ...] = ()


@dataclass(frozen=True)
class Refused:
    """Why a change to a server's lessons was not made; nothing changed.

    ``title_taken``: another of the server's lessons (``lesson_id``) has that title;
    ``unknown``: the server has no such lesson; ``booked``: a pending one-off
    (``schedule_id``) will post it.
    """

    reason: Literal["title_taken", "unknown", "booked"]
    lesson_id: str | None = None
    schedule_id: int | None = None
