"""The forget_guild contract: a server the bot left leaves nothing behind, and only it.

Written against ``bot.store.ports.Store`` only; runs once per backend (``store`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.rows import (
    DiscussionWindow,
    LessonText,
    NewConcept,
    NewOnce,
    NewPost,
    Reply,
    ReplyChanges,
    RunOutcome,
)

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LEFT = 1 << 22
STAYS = 2 << 22


async def fill(store, guild: int) -> None:
    """One of everything a server can have stored."""
    base = guild + 1000
    await store.settings.set_timezone(guild, "Europe/Berlin")
    await store.settings.set_channel(guild, base + 1)
    schedule = await store.schedules.create_once(
        NewOnce(guild, base + 1, "lesson-a", AT + timedelta(hours=1), "Europe/Berlin", 42, AT)
    )
    claim = await store.schedules.claim(
        schedule, nonce=f"s{schedule.id}", next_run=None, holder="a", lease=timedelta(minutes=10), now=AT
    )
    assert claim is not None
    await store.schedules.complete(claim, RunOutcome.sent(base + 2, "lesson-a", finished=True))
    await store.schedules.create_once(
        NewOnce(guild, base + 1, "lesson-b", AT + timedelta(days=1), "Europe/Berlin", 42, AT)
    )
    # Its discussion's reminder and close are schedules that point at the post.
    window = DiscussionWindow(AT + timedelta(days=7), AT + timedelta(days=6), "UTC", 42)
    await store.posts.record(NewPost(guild, base + 1, base + 2, base + 3, "lesson-a", AT, discussion=window))
    reply = Reply(base + 4, base + 3, guild, 7, "Ada", "Chips.", (), AT)
    await store.replies.apply([ReplyChanges(upserts=[reply], read_up_to={base + 3: base + 4})])
    text = LessonText(
        title="Chips",
        title_key="chips",
        article="Chips\n\nThe article.",
        document="---\ntitle: Chips\n---\n",
        concept_key="compute",
        concept=NewConcept("compute", "Compute", "What compute means."),
    )
    await store.lessons.add(guild, "2026-11-chips", text, by=42, at=AT)


async def held(store, guild: int) -> dict[str, object]:
    """What the store holds about the server, through its public reads."""
    base = guild + 1000
    reading = await store.replies.reading()
    content = await store.lessons.content(guild)
    return {
        "settings": (await store.settings.get(guild)).timezone,
        "schedules": len(await store.schedules.listable(guild)),
        "posts": len(await store.posts.in_guild(guild)),
        "replies": len(await store.replies.for_thread(base + 3)),
        "read point": reading.read_up_to.get(base + 3),
        "lessons": len(content.lessons) + len(content.concepts),
        "stats": (await store.replies.stats(guild)).replies,
    }


async def test_forgetting_a_server_deletes_all_of_its_data_and_nothing_else(store):
    await fill(store, LEFT)
    await fill(store, STAYS)
    before = await held(store, STAYS)
    assert all(before.values()), before

    await store.forget_guild(LEFT)

    assert await held(store, LEFT) == {
        "settings": None,
        "schedules": 0,
        "posts": 0,
        "replies": 0,
        "read point": None,
        "lessons": 0,
        "stats": 0,
    }
    assert await held(store, STAYS) == before
    assert await store.schedules.next_due() != []  # the other server's pending one-off


async def test_forgetting_a_server_with_nothing_stored_is_no_error(store):
    await store.forget_guild(LEFT)
    assert await store.posts.in_guild(LEFT) == []
