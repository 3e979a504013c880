"""Store the replies written in lesson threads while the bot could not hear them.

Discord never replays the messages of a time the bot was away: offline, or connected through a
session Discord could not resume (a READY that is not a RESUME), or in a server outage. The
collector knows which threads may have missed messages and from which message on
(``ReplyCollector.unread``); this reads the history of those that did, and only those.

The cost stays with what changed, not with every thread ever posted: Discord says each
thread's newest message (``last_message_id``) in the server's active threads (GUILD_CREATE) and
in a channel's archived-threads list (one request per 100 threads, newest archived first, read
only until every waiting thread of the channel is found). A thread whose newest message is not
past its reading point is left alone; the others' history is read from that point. Only a
thread found in neither list is asked for on its own: Unknown Channel means it was deleted, and
it is forgotten with its replies, for good. A channel the bot may not read (no View Channel or
Read Message History) is not asked at all: its threads wait for the next READY, costing Discord
no refused requests. At most ``CONCURRENCY`` requests are under way at once. One thread that
cannot be read (a Discord error) is logged and stays waiting; it never costs the others theirs.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict

import discord

from bot.features.discussion.collector import ReplyCollector

log = logging.getLogger(__name__)

_UNKNOWN_CHANNEL = 10003  # Discord's error code for a channel (or thread) that no longer exists
CONCURRENCY = 4  # requests under way at once: Discord's per-route limits would queue more anyway

Readable = discord.TextChannel | discord.ForumChannel


class _Run:
    """One pass over the waiting threads: the shared request gate and what became of each."""

    def __init__(self, client: discord.Client, collector: ReplyCollector) -> None:
        self.client = client
        self.collector = collector
        self.gate = asyncio.Semaphore(CONCURRENCY)
        self.outcomes: Counter[str] = Counter()

    async def consider(self, thread: discord.Thread, after: int | None) -> None:
        """Read the thread's history if Discord's newest message is past the reading point."""
        if not self.collector.is_waiting(thread.id):
            return
        last = thread.last_message_id
        if last is None or (after is not None and last <= after):
            self.collector.settle(thread.id, last)
            self.outcomes["unchanged"] += 1
            return
        async with self.gate:
            try:
                await self.collector.backfill(thread)
                self.outcomes["read"] += 1
            except discord.HTTPException as error:
                self.failed(thread.id, error)

    async def find_archived(self, parent: Readable, wanted: dict[int, int | None]) -> None:
        """Find the waiting threads among the channel's archived ones, newest archived first,
        stopping as soon as all are found; ask for the rest one by one."""
        found: dict[int, discord.Thread] = {}
        async with self.gate:
            try:
                async for thread in parent.archived_threads(limit=None):
                    if thread.id in wanted:
                        found[thread.id] = thread
                        if len(found) == len(wanted):
                            break
            except discord.HTTPException as error:
                log.warning("Could not list the archived threads of channel %s: %s", parent.id, error)
                self.outcomes["failed"] += len(wanted)
                return
        for thread_id, after in wanted.items():
            if thread_id in found:
                await self.consider(found[thread_id], after)
            else:
                await self.ask(thread_id, after)

    async def ask(self, thread_id: int, after: int | None) -> None:
        """A thread in no list: deleted, or out of the bot's sight. Ask Discord for it alone."""
        if not self.collector.is_waiting(thread_id):
            return
        async with self.gate:
            try:
                channel = await self.client.fetch_channel(thread_id)
            except discord.NotFound as error:
                if error.code == _UNKNOWN_CHANNEL:
                    # Deleted while the bot was not listening: its replies go, as on a live
                    # THREAD_DELETE, and it is never asked for again.
                    self.collector.forget_thread(thread_id)
                    self.outcomes["deleted"] += 1
                else:
                    self.failed(thread_id, error)
                return
            except discord.HTTPException as error:
                self.failed(thread_id, error)
                return
        if isinstance(channel, discord.Thread):
            await self.consider(channel, after)
        else:
            log.warning("Channel %s is no longer a thread; its replies are not read.", thread_id)
            self.outcomes["failed"] += 1

    def failed(self, thread_id: int, error: discord.HTTPException) -> None:
        log.warning("Skipping backfill of thread %s for now: %s", thread_id, error.text or error)
        self.outcomes["failed"] += 1


async def backfill_all(client: discord.Client, collector: ReplyCollector) -> None:
    """Read the history of every waiting thread, of reachable servers, that missed messages."""
    run = _Run(client, collector)
    jobs = []
    archived: dict[Readable, dict[int, int | None]] = defaultdict(dict)
    unreadable: set[int] = set()
    waiting = collector.unread()
    for thread_id, after in waiting.items():
        guild_id = collector.guild_of(thread_id)
        guild = client.get_guild(guild_id) if guild_id is not None else None
        if guild_id is not None and (guild is None or guild.unavailable):
            run.outcomes["server away"] += 1  # an outage, or a server not (yet) known after READY
            continue
        if guild is None:  # a thread known by id alone
            jobs.append(run.ask(thread_id, after))
            continue
        active = guild.get_thread(thread_id)
        if active is not None:
            jobs.append(run.consider(active, after))
            continue
        parent = guild.get_channel(collector.parent_of(thread_id) or 0)
        if not isinstance(parent, Readable):  # its channel is gone (or unknown): ask for the thread
            jobs.append(run.ask(thread_id, after))
            continue
        granted = parent.permissions_for(guild.me)
        if not (granted.view_channel and granted.read_message_history):
            unreadable.add(parent.id)
            run.outcomes["no access"] += 1
            continue
        archived[parent][thread_id] = after
    jobs += [run.find_archived(parent, wanted) for parent, wanted in archived.items()]
    try:
        await asyncio.gather(*jobs)
    finally:
        await collector.writer.flush()
    for channel_id in sorted(unreadable):
        log.warning(
            "Lesson threads in channel %s are not read: the bot lacks View Channel or Read Message "
            "History there.",
            channel_id,
        )
    summary = ", ".join(f"{count} {what}" for what, count in sorted(run.outcomes.items())) or "nothing"
    log.info("Backfill of %d waiting thread(s) finished: %s.", len(waiting), summary)

