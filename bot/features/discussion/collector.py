"""The bot's message-handling path for lesson threads: Discord events in, reply writes out.

This is the one discord-aware piece of reply collection. It decides which messages are kept
(members' messages in the threads of lesson posts; not bots, not system messages, not other
channels), turns them into reply rows (``Reply.params()`` form) and hands them to the
``ReplyWriter``, whose enqueue
methods are synchronous and O(1): the event handlers never await, so a burst of thousands of
messages costs the event loop a few microseconds each and the SQL happens in batches elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any

import discord
from discord.utils import DISCORD_EPOCH as DISCORD_EPOCH_MS

from bot.store import posts, replies
from bot.store.database import utc_text
from bot.store.replies import Reply, ReplyRow
from bot.store.reply_writer import ReplyWriter

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


def reply_from_message(message: discord.Message) -> Reply | None:
    """The reply to store for a thread message, or None for messages that are not members' replies."""
    author = message.author
    if author.bot or message.type not in _MEMBER_TYPES or message.guild is None:
        return None
    return Reply(
        message_id=message.id,
        thread_id=message.channel.id,
        guild_id=message.guild.id,
        author_id=author.id,
        author_name=author.display_name,
        content=message.content,
        attachments=tuple(a.url for a in message.attachments),
        created_at=message.created_at,
        edited_at=message.edited_at,
    )


# The ISO-8601 tail of an instant's millisecond, as ``datetime.isoformat()`` writes it in UTC.
_MILLISECOND_TAILS = tuple(f".{milli:03d}000+00:00" if milli else "+00:00" for milli in range(1000))


def _json_urls(attachments: list[discord.Attachment]) -> str:
    """``json.dumps([a.url for a in attachments])``, text for text, with json's own C string encoder
    and without ``dumps``' per-call set-up (a tenth of the time)."""
    return "[" + ", ".join([encode_basestring_ascii(a.url) for a in attachments]) + "]"


class _RowMaker:
    """``reply_from_message(m).params()`` in about a third of the time, for the per-message hot path.

    The creation time comes straight from the snowflake as ISO text (a message's ``created_at``
    is its snowflake's millisecond): the date-and-seconds part cached per second, the millisecond
    part from a table, instead of making a datetime and formatting it. Equality with the slow
    path is tested.
    """

    def __init__(self) -> None:
        self._seconds: dict[int, str] = {}

    def row(self, message: discord.Message) -> ReplyRow | None:
        author = message.author
        if author.bot or message.type not in _MEMBER_TYPES:
            return None
        guild = message.guild
        if guild is None:
            return None
        message_id = message.id
        stamp = (message_id >> 22) + DISCORD_EPOCH_MS  # Unix milliseconds
        second = stamp // 1000
        prefix = self._seconds.get(second)
        if prefix is None:
            prefix = self._second_text(second)
        attachments = message.attachments
        edited = message.edited_at
        return (
            message_id,
            message.channel.id,
            guild.id,
            author.id,
            author.display_name,
            message.content,
            _json_urls(attachments) if attachments else "[]",
            prefix + _MILLISECOND_TAILS[stamp - second * 1000],
            None if edited is None else utc_text(edited),
        )

    def _second_text(self, second: int) -> str:
        if len(self._seconds) > 4096:
            self._seconds.clear()
        prefix = datetime.fromtimestamp(second, UTC).isoformat()[:19]  # YYYY-MM-DDTHH:MM:SS
        self._seconds[second] = prefix
        return prefix


class ReplyCollector:
    """Keeps the replies of lesson threads in the database, live and by backfill."""

    def __init__(self, writer: ReplyWriter, threads: Iterable[int] = ()) -> None:
        self.writer = writer
        self._threads: set[int] = set(threads)
        self._rows = _RowMaker()
        # Per thread, the newest reply stored before the bot went live (None: none stored).
        self._backfill_after: dict[int, int | None] = {}

    # -- which threads ---------------------------------------------------------------------------

    async def load(self) -> int:
        """Track the thread of every recorded post; return how many.

        Call it before the bot connects: it also notes each thread's newest stored reply, where
        backfill starts reading. Looked up later, a live reply stored in the meantime would move
        that point past the replies written while the bot was offline, and they would be lost.
        """
        latest = await replies.latest_reply_ids(self.writer.db)
        for post in await posts.all_threads(self.writer.db):
            if post.thread_id is not None:
                self._threads.add(post.thread_id)
                self._backfill_after[post.thread_id] = latest.get(post.thread_id)
        return len(self._threads)

    def track(self, thread_id: int) -> None:
        """Start keeping the replies of a lesson's thread (called when a lesson is posted)."""
        self._threads.add(thread_id)

    def is_tracked(self, thread_id: int) -> bool:
        return thread_id in self._threads

    @property
    def threads(self) -> frozenset[int]:
        return frozenset(self._threads)

    # -- gateway events (synchronous: they only enqueue) -----------------------------------------

    def on_message(self, message: discord.Message) -> None:
        """MESSAGE_CREATE: store a member's message written in a lesson thread."""
        if message.channel.id not in self._threads:
            return
        row = self._rows.row(message)
        if row is not None:
            self.writer.add_row(row)

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
            self.writer.forget_thread(thread_id)
            log.info("Thread %s was deleted; its stored replies are being removed.", thread_id)

    # -- start-up ----------------------------------------------------------------------------------

    async def backfill(self, thread: discord.Thread) -> int:
        """Store the thread's messages written since the newest one stored when ``load()`` ran
        (or, for a thread it did not know, now): those written while the bot was offline.

        Returns how many were enqueued. Storing is an upsert by message id, so an overlap with
        live events makes no duplicates. Edits and deletions of older messages made while the bot
        was offline are not seen by this (Discord has no history of them).
        """
        self.track(thread.id)
        if thread.id in self._backfill_after:  # noted by load(), before any live reply
            latest = self._backfill_after.pop(thread.id)
        else:
            latest = await replies.latest_reply_id(self.writer.db, thread.id)
        after = discord.Object(id=latest) if latest is not None else None
        count = 0
        async for message in thread.history(limit=None, after=after, oldest_first=True):
            row = self._rows.row(message)
            if row is not None:
                self.writer.add_row(row)
                count += 1
        if count:
            log.info("Backfilled %d replies in thread %s.", count, thread.id)
        return count
