"""A database with something of everything, written through the ports, and read back through them.

``populate`` gives a store what a bot that ran for a while leaves behind: settings, the notices
told to moderators, the bot's own facts, schedules in every state (one claim still in flight,
held under a lease), posts (one with its discussion's reminder and close pending), replies
(edited, with attachments, any Unicode, one deleted), server lessons (one edited, one removed)
and their concepts. ``read_back`` reads all of it back through the ports (and the run history
through the backend's probe), as plain values two stores can be compared by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.store.ports import Store
from bot.store.rows import (
    DiscussionWindow,
    LessonText,
    NewConcept,
    NewOnce,
    NewPost,
    NewWeekly,
    Reply,
    ReplyChanges,
    ReplyEdit,
    RunOutcome,
)
from tests.backends import Backend

T0 = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)
GUILDS = (1 << 22, 2 << 22, 3 << 22)
THREADS = (9_001, 9_002)
MOD = 42
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Scene:
    """What ``populate`` made that ``read_back`` needs to look up."""

    schedule_ids: tuple[int, ...]
    served: tuple[tuple[int, str], ...]  # (guild, lesson id) of the lessons still served
    removed: tuple[int, str]  # (guild, lesson id) of the removed lesson
    in_flight: int  # the schedule whose claim is still held


def _text(title: str, concept: str, *, new: bool = True) -> LessonText:
    return LessonText(
        title=title,
        title_key=title.casefold(),
        article=f"“{title}” - as pasted\r\n\r\nThe article, with ünïcödé and emoji 🧠.",
        document=f"---\ntitle: {title}\n---\nBody of {title}.\n",
        concept_key=concept,
        concept=NewConcept(concept, concept.title(), f"What {concept} means.") if new else None,
    )


def _reply(message_id: int, thread: int, guild: int, n: int, **more: object) -> Reply:
    fields: dict[str, object] = {
        "message_id": message_id,
        "thread_id": thread,
        "guild_id": guild,
        "author_id": 500 + n % 3,
        "author_name": f"Member {n % 3} ✨",
        "content": f"Reply {n}: chips are the bottleneck — «{n}»",
        "attachments": (f"https://cdn.example/{n}/notes.png",) if n % 4 == 0 else (),
        "created_at": T0 + timedelta(minutes=n, milliseconds=n * 7),
    }
    fields.update(more)
    return Reply(**fields)  # type: ignore[arg-type]


async def populate(store: Store) -> Scene:
    g1, g2, g3 = GUILDS
    await store.settings.set_timezone(g1, "Europe/Berlin")
    await store.settings.set_channel(g1, 111)
    await store.settings.set_modrole(g1, 222)
    await store.settings.set_pingrole(g1, 333)
    assert await store.notices.first_time(g1, "pingrole", "333:no_manage_roles", at=T0)
    assert await store.notices.first_time(g2, "pin:12", "pin_messages", at=T0 + timedelta(hours=1))
    await store.settings.set_timezone(g2, "America/New_York")
    await store.settings.set_discussion(g1, 5, 12)
    await store.bot_state.put("commands_hash", "abc123")
    await store.bot_state.put("note", "ünïcödé")

    s = store.schedules
    pending_once = await s.create_once(
        NewOnce(g1, 10, "lesson-a", T0 + timedelta(days=7), "Europe/Berlin", MOD, T0)
    )
    weekly = await s.create_weekly(
        NewWeekly(g1, 11, 2, time(21, 30), "Europe/Berlin", T0 + timedelta(days=1), MOD, T0)
    )
    done = await s.create_once(NewOnce(g2, 12, "lesson-b", T0, "America/New_York", MOD, T0))
    in_flight = await s.create_once(NewOnce(g2, 13, "lesson-c", T0 + timedelta(hours=1), "UTC", MOD, T0))
    missed = await s.create_once(NewOnce(g3, 14, "lesson-d", T0 - timedelta(days=2), "UTC", MOD, T0))
    cancelled = await s.create_once(NewOnce(g3, 15, "lesson-e", T0 + timedelta(days=3), "UTC", MOD, T0))
    failed = await s.create_once(NewOnce(g3, 16, "lesson-f", T0 + timedelta(hours=2), "UTC", MOD, T0))

    # The weekly one posted its first occurrence and moved on a week.
    claim = await s.claim(
        weekly,
        nonce="w-1",
        next_run=weekly.next_run + timedelta(days=7),
        holder="proc-a",
        lease=LEASE,
        now=T0,
    )
    assert claim is not None
    assert await s.complete(claim, RunOutcome.sent(7_001, "lesson-w", finished=False))
    claim = await s.claim(done, nonce="d-1", next_run=None, holder="proc-a", lease=LEASE, now=T0)
    assert claim is not None
    assert await s.complete(claim, RunOutcome.sent(7_002, "lesson-b", finished=True))
    # Claimed by a process that has not finished (or died): the claim and its lease must survive.
    claim = await s.claim(
        in_flight, nonce="f-1", next_run=None, holder="proc-b", lease=LEASE, now=T0 + timedelta(hours=1)
    )
    assert claim is not None
    assert await s.record_missed(
        missed,
        nonce="m-1",
        detail="Missed at 2026-11-16 20:00 UTC: the bot was offline.",
        next_run=None,
        now=T0,
    )
    assert await s.cancel(g3, cancelled.id)
    claim = await s.claim(failed, nonce="x-1", next_run=None, holder="proc-a", lease=LEASE, now=T0)
    assert claim is not None
    assert await s.complete(
        claim, RunOutcome.not_sent("failed", "The channel was deleted.", final_state="failed")
    )

    await store.posts.record(NewPost(g1, 10, 7_000, THREADS[0], "lesson-a", T0 - timedelta(days=7)))
    # Its discussion is open: a reminder and a close wait, each a schedule referring to the post.
    window = DiscussionWindow(T0 + timedelta(days=7), T0 + timedelta(days=6), "Europe/Berlin", MOD)
    await store.posts.record(
        NewPost(
            g1,
            11,
            7_001,
            THREADS[1],
            "lesson-w",
            T0 + timedelta(seconds=1),
            weekly.id,
            weekly.next_run,
            discussion=window,
        )
    )
    jobs = [failed.id + 1, failed.id + 2]
    assert {(await s.get(job)).kind for job in jobs} == {"remind", "close"}  # type: ignore[union-attr]
    await store.posts.record(NewPost(g2, 12, 7_002, None, "lesson-b", T0, done.id, done.next_run))

    replies = [_reply(8_000 + n, THREADS[n % 2], g1, n) for n in range(12)]
    await store.replies.apply([ReplyChanges(upserts=replies)])
    await store.replies.apply(
        [
            ReplyChanges(
                edits=[
                    ReplyEdit(8_003, "Edited: on second thought…", T0 + timedelta(hours=3), ("https://x/y",))
                ],
                deletes=[8_005],
            )
        ]
    )

    kept = await store.lessons.add(g1, "2026-11-chips", _text("Chips", "compute"), by=MOD, at=T0)
    gone = await store.lessons.add(g1, "2026-11-power", _text("Power", "energy"), by=MOD, at=T0)
    shared = await store.lessons.add(
        g2, "2026-12-talent", _text("Talent", "ai-talent", new=False), by=MOD, at=T0
    )
    for lesson in (kept, gone, shared):
        assert not hasattr(lesson, "reason"), lesson
    await store.lessons.replace(
        g1, "2026-11-chips", _text("Chips, again", "compute"), by=MOD + 1, at=T0 + timedelta(days=1)
    )
    await store.lessons.remove(g1, "2026-11-power", by=MOD, at=T0 + timedelta(days=2))

    return Scene(
        schedule_ids=(
            pending_once.id,
            weekly.id,
            done.id,
            in_flight.id,
            missed.id,
            cancelled.id,
            failed.id,
            *jobs,
        ),
        served=((g1, "2026-11-chips"), (g2, "2026-12-talent")),
        removed=(g1, "2026-11-power"),
        in_flight=in_flight.id,
    )


async def read_back(store: Store, backend: Backend, scene: Scene) -> dict[str, object]:
    """Everything ``populate`` wrote, as the ports (and the run probe) read it."""
    seen: dict[str, object] = {}
    for guild in GUILDS:
        seen[f"settings {guild}"] = await store.settings.get(guild)
        seen[f"pending {guild}"] = await store.schedules.pending(guild)
        seen[f"listable {guild}"] = await store.schedules.listable(guild)
        seen[f"posts {guild}"] = await store.posts.in_guild(guild)
        seen[f"posted lessons {guild}"] = await store.posts.posted_lesson_ids(guild)
        seen[f"latest post {guild}"] = await store.posts.latest(guild)
        seen[f"reply stats {guild}"] = await store.replies.stats(guild)
        seen[f"lessons {guild}"] = await store.lessons.content(guild)
    # Already told (copied): False, and nothing changes; lost in a copy: True.
    g1, g2, _ = GUILDS
    seen["told pingrole"] = await store.notices.first_time(g1, "pingrole", "333:no_manage_roles", at=T0)
    seen["told pin"] = await store.notices.first_time(g2, "pin:12", "pin_messages", at=T0)
    for key in ("commands_hash", "note", "absent"):
        seen[f"state {key}"] = await store.bot_state.get(key)
    for schedule_id in scene.schedule_ids:
        seen[f"schedule {schedule_id}"] = await store.schedules.get(schedule_id)
        seen[f"runs {schedule_id}"] = await backend.runs(store, schedule_id)
    seen["threads"] = await store.posts.with_threads()
    seen["next due"] = await store.schedules.next_due()
    for thread in THREADS:
        seen[f"replies {thread}"] = await store.replies.for_thread(thread)
    seen["latest reply ids"] = await store.replies.latest_ids()
    for guild, lesson_id in scene.served:
        seen[f"article {guild} {lesson_id}"] = await store.lessons.article(guild, lesson_id)
    seen["removed article"] = await store.lessons.article(*scene.removed)
    return seen
