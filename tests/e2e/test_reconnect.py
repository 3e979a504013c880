"""Replies written while the gateway session was lost are backfilled (issue 10, item 1).

Discord replays the events of a session it can resume, and never those of one it could not:
after an INVALID_SESSION the bot identifies afresh (a new READY), and what members wrote in
between reaches it only through the threads' history.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.conftest import Harness
from tests.e2e.test_discussion import post_lesson, seen, stored_contents
from tests.fakediscord import FakeDiscord


def identifies(fake: FakeDiscord) -> int:
    return sum(1 for payload in fake.gateway_received if payload.get("op") == 2)


async def lose_the_session(fake: FakeDiscord) -> int:
    """Discord forgets the bot's session: events from now on reach nobody until the bot
    identifies again. Returns the IDENTIFY count so far, for ``reconnect``."""
    fake.invalidate_sessions()
    return identifies(fake)


async def reconnect(harness: Harness, identified: int) -> None:
    """The connection drops; the RESUME is refused; the bot identifies afresh (discord.py waits
    5 s before identifying again). Events from now on reach the new session, after its READY."""
    fake = harness.fake
    await fake.drop_websocket(wait_resumed=False)
    await fake.wait_until(lambda: identifies(fake) > identified, timeout=30)


async def backfill_done(harness: Harness) -> None:
    await harness.fake.wait_until(
        lambda: not [t for t in asyncio.all_tasks() if t.get_name() == "backfill"]
    )
    await harness.flush()


async def test_replies_written_while_the_session_could_not_be_resumed_are_backfilled(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "A: before the gap.", thread=thread)
    assert await seen(harness) == ["A: before the gap."]

    identified = await lose_the_session(fake)
    await fake.say(fake.member, "B: while the bot had no session.", thread=thread)
    before = len(fake.requests)
    await reconnect(harness, identified)
    await fake.say(fake.member, "C: after the new READY.", thread=thread)
    await fake.wait_for_request("GET", rf"^/channels/{thread.id}/messages$", after=before)
    await backfill_done(harness)

    assert await stored_contents(harness) == [
        "A: before the gap.",
        "B: while the bot had no session.",
        "C: after the new READY.",
    ]


async def test_a_resumed_session_reads_no_history(harness):
    """A RESUME replays what was missed: no thread is read again."""
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Before the drop.", thread=thread)
    assert await seen(harness) == ["Before the drop."]
    before = len(fake.requests)
    await fake.drop_websocket()
    await fake.say(fake.member, "After the resume.", thread=thread)
    assert await seen(harness) == ["Before the drop.", "After the resume."]
    assert thread_reads(fake, thread, after=before) == 0


def thread_reads(fake: FakeDiscord, thread: Any, *, after: int) -> int:
    """How many times the bot read the thread's history since request number ``after``."""
    return sum(
        1
        for r in fake.requests[after:]
        if r.method == "GET" and r.path == f"/channels/{thread.id}/messages"
    )
