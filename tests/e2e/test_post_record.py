"""A database error after Discord accepted a post never posts the lesson twice (issue 10, item 3).

(The scheduled case is in test_scheduling.py, beside its fixtures.)

The store the bot is handed (``harness.seams``) makes recording a post fail; Discord (the fake)
has the post by then. The record is retried; when it keeps failing, the moderator is told and the
bot keeps trying in the background; once recorded, the queue knows the lesson was posted and the
thread is collected after a restart.
"""

from __future__ import annotations

import asyncio
import sqlite3

from tests.e2e.conftest import FIRST_LESSON, Harness
from tests.e2e.test_discussion import stored_contents

LOCKED = sqlite3.OperationalError("database is locked")


async def recorded_threads(harness: Harness) -> list[int | None]:
    assert harness.store is not None
    return [p.thread_id for p in await harness.store.posts.in_guild(harness.fake.guild.id)]


async def until_recorded(harness: Harness, count: int) -> None:
    for _ in range(100):
        if len(await recorded_threads(harness)) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not recorded: {await recorded_threads(harness)}")


async def backfilled_after_restart(harness: Harness, thread) -> list[str]:
    """Restart with a reply written while the bot was down; what the backfill stored."""
    fake = harness.fake
    await harness.stop()
    fake.offline_messages(fake.member, thread, ["Written while the bot was down."])
    before = len(fake.requests)
    await harness.start()
    await fake.wait_for_request("GET", rf"^/channels/{thread.id}/messages$", after=before)
    await fake.wait_until(lambda: not [t for t in asyncio.all_tasks() if t.get_name() == "backfill"])
    return await stored_contents(harness)


async def test_a_forum_post_whose_record_fails_at_first_is_posted_once_and_recorded(harness):
    fake = harness.fake
    assert harness.seams is not None
    harness.seams.fail("posts", "record", LOCKED, times=2)  # a backup holds the lock a moment

    result = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.forum)

    [thread] = fake.threads(fake.forum)
    assert result.content.startswith("Posted **") and f"<#{thread.id}>" in result.content
    assert "could not" not in result.content
    assert await recorded_threads(harness) == [thread.id]
    assert await backfilled_after_restart(harness, thread) == ["Written while the bot was down."]
    assert len(fake.threads(fake.forum)) == 1


async def test_when_the_record_keeps_failing_the_moderator_is_told_and_it_is_recorded_later(
    fake, tmp_path
):
    fake.setup_study_guild()
    harness = Harness(fake=fake, tmp_path=tmp_path, record_retry_delays=(0.01, 0.01))
    await harness.start()
    try:
        assert harness.seams is not None
        harness.seams.fail("posts", "record", LOCKED)  # until healed

        result = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.forum)

        [thread] = fake.threads(fake.forum)
        assert result.ephemeral
        assert result.content.endswith(
            "But my database could not record the post just now (it is busy or unavailable): I keep "
            "trying. Until it is recorded, the weekly queue does not count this lesson as posted "
            "here; do not post it again."
        )
        assert await recorded_threads(harness) == []
        harness.seams.heal("posts", "record")
        await until_recorded(harness, 1)
        assert await recorded_threads(harness) == [thread.id]
        assert await backfilled_after_restart(harness, thread) == ["Written while the bot was down."]
    finally:
        await harness.stop()
