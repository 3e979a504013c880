"""At start-up, store the replies written in lesson threads while the bot was offline.

Discord never replays the messages of a time the bot was away, so each recorded thread's
history is read from where the stored replies end. One thread that cannot be read (a lost
permission, a Discord error) is logged and skipped; it never costs the other threads theirs.
"""

from __future__ import annotations

import logging

import discord

from bot.features.discussion.collector import ReplyCollector
from bot.store.ports import Posts

log = logging.getLogger(__name__)

_UNKNOWN_CHANNEL = 10003  # Discord's error code for a channel (or thread) that no longer exists


async def backfill_all(client: discord.Client, collector: ReplyCollector, posts: Posts) -> None:
    """Read every recorded lesson thread's history into the collector, thread by thread."""
    try:
        for post in await posts.with_threads():
            if post.thread_id is not None:
                await _backfill_thread(client, collector, post.thread_id)
    finally:
        await collector.writer.flush()
    log.info("Backfill finished.")


async def _backfill_thread(client: discord.Client, collector: ReplyCollector, thread_id: int) -> None:
    try:
        thread = client.get_channel(thread_id) or await client.fetch_channel(thread_id)
        if isinstance(thread, discord.Thread):
            await collector.backfill(thread)
    except discord.NotFound as error:
        if error.code == _UNKNOWN_CHANNEL:
            # Deleted while the bot was offline: its replies go, as on a live THREAD_DELETE.
            collector.forget_thread(thread_id)
        else:
            log.info("Skipping backfill of thread %s: %s", thread_id, error.text or error)
    except discord.HTTPException as error:
        log.warning("Skipping backfill of thread %s: %s", thread_id, error.text or error)
