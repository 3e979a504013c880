"""Store the replies written in lesson threads while the bot could not hear them.

Discord never replays the messages of a time the bot was away: offline, or connected through a
session Discord could not resume (a READY that is not a RESUME), or in a server outage. The
collector knows which threads may have missed messages and from which message on
(``ReplyCollector.unread``); this reads their history from there, a few threads at a time.
One thread that cannot be read (a lost permission, a Discord error) is logged and stays
waiting; it never costs the other threads theirs.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.features.discussion.collector import ReplyCollector

log = logging.getLogger(__name__)

_UNKNOWN_CHANNEL = 10003  # Discord's error code for a channel (or thread) that no longer exists
CONCURRENCY = 4  # threads read at once: Discord's per-route limits would queue more anyway


async def backfill_all(client: discord.Client, collector: ReplyCollector) -> None:
    """Read the history of every thread waiting to be read whose server is reachable now."""
    waiting = collector.unread()
    reachable = [thread_id for thread_id in waiting if _reachable(client, collector, thread_id)]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(thread_id: int) -> None:
        async with gate:
            await _backfill_thread(client, collector, thread_id)

    try:
        await asyncio.gather(*(one(thread_id) for thread_id in reachable))
    finally:
        await collector.writer.flush()
    log.info("Backfill finished: %d of %d waiting thread(s) read.", len(reachable), len(waiting))


def _reachable(client: discord.Client, collector: ReplyCollector, thread_id: int) -> bool:
    """False for a thread whose server is in an outage or not (yet) known after a READY: its
    turn comes when the server is available."""
    guild_id = collector.guild_of(thread_id)
    if guild_id is None:
        return True
    guild = client.get_guild(guild_id)
    return guild is not None and not guild.unavailable


async def _backfill_thread(client: discord.Client, collector: ReplyCollector, thread_id: int) -> None:
    try:
        thread = client.get_channel(thread_id) or await client.fetch_channel(thread_id)
        if isinstance(thread, discord.Thread):
            await collector.backfill(thread)
    except discord.NotFound as error:
        if error.code == _UNKNOWN_CHANNEL:
            # Deleted while the bot was not listening: its replies go, as on a live THREAD_DELETE.
            collector.forget_thread(thread_id)
        else:
            log.info("Skipping backfill of thread %s: %s", thread_id, error.text or error)
    except discord.HTTPException as error:
        log.warning("Skipping backfill of thread %s: %s", thread_id, error.text or error)
