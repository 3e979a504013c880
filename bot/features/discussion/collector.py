"""The bot's message-handling path for lesson threads: Discord events in, reply writes out.

This is the one discord-aware piece of reply collection. It decides which messages are kept
(members' messages in the threads of lesson posts; not bots, not system messages, not other
channels), turns them into ``Reply`` values and hands them to the ``ReplyWriter``, whose enqueue
methods are synchronous and O(1): the event handlers never await, so a burst of thousands of
messages costs the event loop a few microseconds each and the SQL happens in batches elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord.utils import DISCORD_EPOCH as DISCORD_EPOCH_MS

from bot.store.ports import Posts, Replies
from bot.store.reply_writer import ReplyWriter
from bot.store.rows import Reply, ShardSet

log = logging.getLogger(__name__)


# Messages members write (is_system() is False for exactly these); the rest are Discord notices.
_MEMBER_TYPES = frozenset(
    {
        discord.MessageType.default,
        discord.MessageType.reply,
        discord.MessageType.chat_input_command,
        discord.MessageType.context_menu_command,
        discord.MessageType.thread_starter_message,
        discord.MessageType.poll_result,
    }
)


# Each millisecond of a second, to add to that second's datetime (cheaper than making a new one).
_MILLISECONDS = tuple(timedelta(milliseconds=milli) for milli in range(1000))


class ReplyMaker:
    """Turns thread messages into replies; called for every message of a lesson thread, so it
    reads each attribute once, and computes the creation time from the snowflake itself (as
    ``message.created_at`` does) from a per-second cache instead of making a datetime each time.
    """

    __slots__ = ("_seconds",)

    def __init__(self) -> None:
        self._seconds: dict[int, datetime] = {}

    def reply(self, message: discord.Message) -> Reply | None:
        """The reply to store for a message, or None for messages that are not members' replies."""
        author = message.author
        if author.bot or message.type not in _MEMBER_TYPES:
            return None
        guild = message.guild
        if guild is None:
            return None
        message_id = message.id
        second, milli = divmod((message_id >> 22) + DISCORD_EPOCH_MS, 1000)
        base = self._seconds.get(second)
        if base is None:
            base = self._second(second)
        attachments = message.attachments
        return Reply(
            message_id,
            message.channel.id,
            guild.id,
            author.id,
            author.display_name,
            message.content,
            tuple([a.url for a in attachments]) if attachments else (),
            base + _MILLISECONDS[milli],
            message.edited_at,
        )

    def _second(self, second: int) -> datetime:
        if len(self._seconds) >= 4096:
            self._seconds.clear()
        base = self._seconds[second] = datetime.fromtimestamp(second, UTC)
        return base


class ReplyCollector:
    """Keeps the replies of lesson threads in the database, live and by backfill."""

    def __init__(
        self,
        writer: ReplyWriter,
        posts: Posts,
        replies: Replies,
        threads: Iterable[int] = (),
        *,
        shards: ShardSet | None = None,
    ) -> None:
        self.writer = writer
        self._posts = posts
        self._replies = replies
        # The servers whose threads are this process's (None: all): another shard process
        # collects and backfills the others, whose events never come here anyway.
        self._shards = shards
        self._threads: set[int] = set(threads)
        self._guild_of: dict[int, int] = {}  # thread -> its server, for threads of recorded posts
        self._parent_of: dict[int, int] = {}  # thread -> the channel it was opened in
        # Threads whose history must be read, each from the message after this id (None: from the
        # start): those recorded when the bot came up, and every thread after a gap in the gateway
        # session. A thread leaves it only when its history has been read to the end, or Discord
        # shows it has nothing newer (``settle``).
        self._unread_after: dict[int, int | None] = {}
        # Per thread, the newest message seen (any author, live or in history): where reading
        # resumes after a gap. One dict store per message on the hot path.
        self._seen: dict[int, int] = {}
        self._maker = ReplyMaker()

    # -- which threads ---------------------------------------------------------------------------

    async def load(self) -> int:
        """Track the thread of every recorded post (of this process's servers; not threads
        deleted on Discord); return how many.

        Call it before the bot connects: it also notes where each thread's history was read up
        to, where backfill starts reading. Every thread waits to be read until the first READY:
        only then can Discord say which ones have anything newer.
        """
        reading = await self._replies.reading()
        for post in await self._posts.with_threads(shards=self._shards):
            thread_id = post.thread_id
            if thread_id is None or thread_id in reading.gone:
                continue
            self._threads.add(thread_id)
            self._guild_of[thread_id] = post.guild_id
            self._parent_of[thread_id] = post.channel_id
            self._unread_after[thread_id] = reading.read_up_to.get(thread_id)
        return len(self._threads)

    def track(self, thread_id: int, guild_id: int | None = None, parent_id: int | None = None) -> None:
        """Start keeping the replies of a lesson's thread (called when a lesson is posted); not
        of a server of another shard (posted here for a process that died): that one's own
        process reads it when it starts."""
        if guild_id is not None and self._shards is not None and not self._shards.owns(guild_id):
            return
        self._threads.add(thread_id)
        if guild_id is not None:
            self._guild_of[thread_id] = guild_id
        if parent_id is not None:
            self._parent_of[thread_id] = parent_id

    def unheard(self, thread_id: int) -> bool:
        """A tracked thread was open before this process heard of it (a post resumed after a
        crash finds the thread its interrupted attempt opened): what members wrote in it so far
        is to be read, from the newest message seen (none: from the start). Returns whether the
        thread is waiting to be read (False for a thread not tracked here)."""
        if thread_id not in self._threads:
            return False
        self._unread_after.setdefault(thread_id, self._seen.get(thread_id))
        return True

    def gap(self, guild_ids: Collection[int] | None = None) -> None:
        """Events may have been missed from now back to the last one handled: a READY that is not
        a RESUME (Discord never replays a session it could not resume), or a server outage.
        Every thread (of those servers; of all if None) is to be read again from the newest
        message seen before; a thread already waiting to be read keeps its earlier point.

        Call it as the gap ends, before any event of the new session is handled (the ``connect``
        event, which discord.py dispatches as it parses READY): a message handled later would
        move the point past the ones written in the gap."""
        for thread_id in self._threads:
            if thread_id in self._unread_after:
                continue
            if guild_ids is not None and self._guild_of.get(thread_id) not in guild_ids:
                continue
            self._unread_after[thread_id] = self._seen.get(thread_id)

    def unread(self) -> dict[int, int | None]:
        """The threads whose history is to be read, each with the id to read after."""
        return dict(self._unread_after)

    def is_waiting(self, thread_id: int) -> bool:
        return thread_id in self._unread_after

    def settle(self, thread_id: int, last_message_id: int | None) -> None:
        """Discord says the thread's newest message is ``last_message_id``, which is not newer
        than where it waits to be read from: nothing was missed, and it stops waiting."""
        self._unread_after.pop(thread_id, None)
        if last_message_id is not None and last_message_id > self._seen.get(thread_id, 0):
            self._seen[thread_id] = last_message_id

    def guild_of(self, thread_id: int) -> int | None:
        """The server of a tracked thread, when known (threads of recorded posts)."""
        return self._guild_of.get(thread_id)

    def parent_of(self, thread_id: int) -> int | None:
        """The channel a tracked thread was opened in, when known."""
        return self._parent_of.get(thread_id)

    def guilds(self) -> set[int]:
        """The servers of the tracked threads, as far as known."""
        return {self._guild_of[t] for t in self._threads if t in self._guild_of}

    def untrack_guild(self, guild_id: int) -> None:
        """Stop collecting a server's threads (the bot left it; the store forgets its data).
        Writes already queued stay queued: flush the writer before the store forgets it."""
        for thread_id in [t for t in self._threads if self._guild_of.get(t) == guild_id]:
            self._threads.discard(thread_id)
            self._unread_after.pop(thread_id, None)
            self._seen.pop(thread_id, None)
            self._guild_of.pop(thread_id, None)
            self._parent_of.pop(thread_id, None)

    def is_tracked(self, thread_id: int) -> bool:
        return thread_id in self._threads

    @property
    def threads(self) -> frozenset[int]:
        return frozenset(self._threads)

    # -- gateway events (synchronous: they only enqueue) -----------------------------------------

    def on_message(self, message: discord.Message) -> None:
        """MESSAGE_CREATE: store a member's message written in a lesson thread."""
        thread_id = message.channel.id
        if thread_id not in self._threads:
            return
        message_id = message.id
        self._seen[thread_id] = message_id
        reply = self._maker.reply(message)
        if reply is not None:
            self.writer.add(reply)
        if thread_id not in self._unread_after:  # nothing missed before it: the thread is read to here
            self.writer.note_read(thread_id, message_id)

    def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """MESSAGE_UPDATE: apply a content edit. Updates without ``edited_timestamp`` (Discord
        resolving a link preview, a pin) change no text and are ignored."""
        if payload.channel_id not in self._threads:
            return
        data: Any = payload.data
        edited = data.get("edited_timestamp")
        if edited is None or "content" not in data:
            return
        author = data.get("author")
        if author is not None and author.get("bot"):
            return
        attachments = data.get("attachments")
        edited_at = discord.utils.parse_time(edited)
        if edited_at is None:
            return
        self.writer.edit(
            payload.message_id,
            data["content"],
            edited_at,
            None if attachments is None else tuple(str(a["url"]) for a in attachments),
        )

    def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """MESSAGE_DELETE: forget the message (members' privacy)."""
        if payload.channel_id in self._threads:
            self.writer.delete((payload.message_id,))

    def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """MESSAGE_DELETE_BULK: forget all of them."""
        if payload.channel_id in self._threads:
            self.writer.delete(sorted(payload.message_ids))

    def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """THREAD_DELETE: the discussion is gone, so are its stored replies."""
        self.forget_thread(payload.thread_id)

    def forget_thread(self, thread_id: int) -> None:
        if thread_id in self._threads:
            self._threads.discard(thread_id)
            self._unread_after.pop(thread_id, None)
            self._seen.pop(thread_id, None)
            self.writer.forget_thread(thread_id)
            log.info("Thread %s was deleted; its stored replies are being removed.", thread_id)

    # -- start-up ----------------------------------------------------------------------------------

    async def backfill(self, thread: discord.Thread) -> int:
        """Store the thread's messages written since it was last read: for a thread waiting to be
        read (``unread``), after its point; for another, after its newest stored reply.

        Returns how many were enqueued. Storing is an upsert by message id, so an overlap with
        live events makes no duplicates. Only once the history is read to the end does the thread
        stop waiting (an error leaves it waiting, to be read again from the same point). Edits
        and deletions of older messages made during a gap are not seen by this (Discord has no
        history of them).
        """
        thread_id = thread.id
        self.track(thread_id)
        if thread_id in self._unread_after:  # noted by load() or gap(), before any live message
            latest = self._unread_after[thread_id]
        else:
            latest = await self._replies.latest_id(thread_id)
        after = discord.Object(id=latest) if latest is not None else None
        count = 0
        newest = latest
        async for message in thread.history(limit=None, after=after, oldest_first=True):
            if thread_id not in self._threads:  # deleted, or its server left, meanwhile
                return count
            newest = message.id
            reply = self._maker.reply(message)
            if reply is not None:
                self.writer.add(reply)
                count += 1
        if thread_id not in self._threads:
            return count
        self._unread_after.pop(thread_id, None)
        if newest is not None:
            if newest > self._seen.get(thread_id, 0):
                self._seen[thread_id] = newest
            if newest != latest:
                self.writer.note_read(thread_id, newest)
        if count:
            log.info("Backfilled %d replies in thread %s.", count, thread_id)
        return count
