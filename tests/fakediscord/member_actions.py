"""What members do in the fake: write, edit and delete messages, open and archive threads.

Members are the test's actors: they bypass permission checks (only the bot's REST calls are
checked) and each action sends the bot the gateway event Discord would send.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from . import permissions as perm
from .gateway import GUILDS
from .models import Channel, Member, User
from .pins_and_reactions import PinsAndReactions


class MemberActions(PinsAndReactions):
    """The driver's verbs for members: ``say``, ``edit``, ``delete``, ``create_thread``, ..."""

    async def say(
        self,
        member: Member | User,
        channel: Channel | str | None = None,
        text: str | None = None,
        attachments: Iterable[tuple[str, bytes]] | None = None,
        *,
        thread: Channel | None = None,
        dispatch: bool = True,
        at: datetime | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A member posts in a channel or thread (MESSAGE_CREATE to the bot unless ``dispatch=False``).

        Both ``say(member, channel, "text")`` and ``say(member, "text", thread=t)`` work. ``at`` backdates
        the message (its id encodes that time), for history written while the bot was offline.
        """
        if isinstance(channel, str):
            channel, text = None, channel
        target = thread or channel or self.default_channel
        if target is None:
            raise ValueError("say() needs a channel or thread")
        if target.deleted:
            raise ValueError(f"channel {target.name} was deleted")
        self._check_may_post(member, target)
        atts = [self.store_attachment(n, d, channel_id=target.id) for n, d in attachments or []]
        payload: dict[str, Any] = {"content": text or ""}
        if reply_to is not None:
            payload["message_reference"] = {"message_id": reply_to["id"]}
        message = self.build_message(target, member, payload, atts, at=at)
        return self.add_message(target, message, dispatch=dispatch)

    def offline_messages(
        self, member: Member | User, thread: Channel, texts: Iterable[str], *, start: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Messages written while the bot was down: stored, never dispatched (for backfill tests)."""
        self._check_may_post(member, thread)
        out = []
        for text in texts:
            message = self.build_message(thread, member, {"content": text}, at=start)
            out.append(self.add_message(thread, message, dispatch=False))
        return out

    async def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """The author edits their message: MESSAGE_UPDATE."""
        channel = self._message_index[int(message["id"])]
        stored = self.find_message(channel, int(message["id"]))
        if stored is None:
            raise KeyError("message was deleted")
        author_id = int(stored["author"]["id"])
        guild = self.guilds.get(channel.guild_id)
        author = guild.members.get(author_id) if guild is not None else None
        self._check_may_post(author or self.user(author_id), channel)
        return self.update_message(channel, stored, {"content": text})

    async def delete(self, message: dict[str, Any]) -> None:
        """The author deletes their message: MESSAGE_DELETE."""
        channel = self._message_index[int(message["id"])]
        stored = self.find_message(channel, int(message["id"]))
        if stored is not None:
            self.remove_message(channel, stored)

    async def create_thread(
        self, member: Member, channel: Channel, name: str, *, message: dict[str, Any] | None = None
    ) -> Channel:
        """A member opens a thread (from ``message`` if given): THREAD_CREATE to the bot."""
        thread_id = int(message["id"]) if message else None
        return self.open_thread(channel, name, member, thread_id=thread_id)

    async def archive_thread(self, thread: Channel, *, locked: bool = False) -> None:
        """A moderator archives (and maybe locks) a thread: THREAD_UPDATE."""
        thread.archived = True
        thread.locked = locked
        thread.archive_timestamp = datetime.now(UTC)
        self.dispatch("THREAD_UPDATE", thread.to_payload(), guild_id=thread.guild_id, intent=GUILDS)

    async def react(
        self,
        member: Member | User,
        message: dict[str, Any] | int | str,
        emoji: str = "👍",
        *,
        dispatch: bool = True,
    ) -> dict[str, Any]:
        """``member`` reacts to a message: its ``reactions`` count goes up and, unless
        ``dispatch=False`` (a reaction made while the bot was away), MESSAGE_REACTION_ADD goes to
        sessions with the reactions intent. Reacting twice with the same emoji changes nothing."""
        channel, stored = self._located(message)
        if channel.is_thread and channel.archived:
            raise ValueError(f"thread {channel.name} is archived: Discord refuses reactions in it")
        self.add_reaction(channel, stored, member, emoji, dispatch=dispatch)
        return stored

    async def unreact(
        self, member: Member | User, message: dict[str, Any] | int | str, emoji: str = "👍"
    ) -> dict[str, Any]:
        """``member`` takes their reaction back: MESSAGE_REACTION_REMOVE."""
        channel, stored = self._located(message)
        self.remove_reaction(channel, stored, member.id, emoji)
        return stored

    async def pin(self, member: Member | User, message: dict[str, Any] | int | str) -> None:
        """A moderator pins a message (its system message and CHANNEL_PINS_UPDATE follow)."""
        channel, stored = self._located(message)
        self.set_pinned(channel, stored, True, by=member)

    async def unpin(self, member: Member | User, message: dict[str, Any] | int | str) -> None:
        channel, stored = self._located(message)
        self.set_pinned(channel, stored, False, by=member)

    def _located(self, message: dict[str, Any] | int | str) -> tuple[Channel, dict[str, Any]]:
        message_id = int(message["id"]) if isinstance(message, dict) else int(message)
        channel = self._message_index.get(message_id)
        stored = self.find_message(channel, message_id) if channel is not None else None
        if channel is None or stored is None:
            raise KeyError(f"message {message_id} is not in any channel (deleted, or ephemeral)")
        return channel, stored

    def _check_may_post(self, member: Member | User, target: Channel) -> None:
        """Discord's client lets no one without Manage Threads write in a locked thread."""
        if not (target.is_thread and target.locked):
            return
        if isinstance(member, Member) and self.permissions_for(member, target) & perm.MANAGE_THREADS:
            return
        raise ValueError(f"thread {target.name} is locked: only Manage Threads may post in it")
