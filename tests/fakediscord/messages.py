"""Messages and threads as the fake stores them, and how they reach the bot over the gateway.

Messages are kept as wire dicts (what the bot reads and writes anyway), in their channel's list,
oldest first. Building one applies Discord's rules the bot can observe: mentions filtered by
``allowed_mentions``, replies, thread positions; dispatching one withholds content from a session
without the Message Content intent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from . import mentions
from . import permissions as perm
from .gateway import DIRECT_MESSAGES, GUILD_MESSAGES, GUILDS, MESSAGE_CONTENT
from .mentions import Mentions, Pings
from .models import DM, PUBLIC_THREAD, Channel, Member, User, iso
from .world import World

#: discord.py sends ``enforce_nonce``; Discord dedupes within "a few minutes".
NONCE_WINDOW = 300.0
#: Message type numbers.
DEFAULT = 0
CHANNEL_PINNED_MESSAGE = 6
REPLY = 19
CHAT_INPUT_COMMAND = 20
CONTEXT_MENU_COMMAND = 23
#: What people (and bots) write; every other type is a system message ("X pinned a message").
AUTHORED_TYPES = frozenset({DEFAULT, REPLY, CHAT_INPUT_COMMAND, CONTEXT_MENU_COMMAND})
HAS_THREAD = 1 << 5


class Messages(World):
    """Storing, building, changing and dispatching messages; opening threads; reading them back."""

    def messages(self, channel: Channel | int) -> list[dict[str, Any]]:
        """Messages in a channel or thread, oldest first (ephemeral ones are never here)."""
        ch = channel if isinstance(channel, Channel) else self.channel(channel)
        return list(ch.messages)

    def message(self, message_id: int | str) -> dict[str, Any]:
        """A message by id: in a channel or thread, or an ephemeral interaction message."""
        if int(message_id) in self.ephemeral_messages:
            return self.ephemeral_messages[int(message_id)]
        channel = self._message_index[int(message_id)]
        for msg in channel.messages:
            if int(msg["id"]) == int(message_id):
                return msg
        raise KeyError(f"message {message_id} was deleted")

    def find_message(self, channel: Channel, message_id: int) -> dict[str, Any] | None:
        for msg in channel.messages:
            if int(msg["id"]) == int(message_id):
                return msg
        return None

    def threads(self, channel: Channel | None = None) -> list[Channel]:
        """Threads (and forum posts) of a channel, or of every guild, oldest first."""
        result = []
        for guild in self.guilds.values():
            for ch in guild.channels.values():
                if ch.is_thread and not ch.deleted and (channel is None or ch.parent_id == channel.id):
                    result.append(ch)
        return sorted(result, key=lambda c: c.id)

    def thread_of(self, message_id: int) -> Channel | None:
        for thread in self.threads():
            if thread.id == int(message_id):
                return thread
        return None

    def bot_messages(self, channel: Channel) -> list[dict[str, Any]]:
        """What the bot wrote in ``channel``, oldest first: system messages (such as the "pinned a
        message" notice Discord posts in the bot's name) are left out; ``messages()`` has them."""
        return [
            m
            for m in channel.messages
            if int(m["author"]["id"]) == self.bot_user.id and m.get("type", DEFAULT) in AUTHORED_TYPES
        ]

    # ------------------------------------------------------------------ attachments
    def store_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        channel_id: int,
        content_type: str | None = None,
        description: str | None = None,
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        """Keep ``data`` and describe it as Discord does; its ``url`` serves it from the fake.

        ``ephemeral`` is for files uploaded as a slash command's option: Discord marks them so and
        serves them under /ephemeral-attachments/{application}/..., not under a channel.
        """
        att_id = self.ids.next()
        kind = content_type or _guess_type(filename)
        self.attachments[att_id] = data
        self.attachment_types[att_id] = kind
        folder = f"ephemeral-attachments/{self.application_id}" if ephemeral else f"attachments/{channel_id}"
        url = f"{self.base_url}/{folder}/{att_id}/{filename}"
        att: dict[str, Any] = {
            "id": str(att_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": kind,
        }
        if description:
            att["description"] = description
        if ephemeral:
            att["ephemeral"] = True
        return att

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        return self.attachments[int(attachment["id"])]

    def withhold_content(self, message: dict[str, Any], intents: int) -> dict[str, Any]:
        """A copy with content/embeds/attachments/components emptied, unless the bot may see them."""
        if intents & MESSAGE_CONTENT:
            return message
        if int(message["author"]["id"]) == self.bot_user.id:
            return message
        if any(int(u["id"]) == self.bot_user.id for u in message.get("mentions", [])):
            return message
        if "guild_id" not in message:  # a DM
            return message
        hidden = dict(message)
        hidden.update({"content": "", "embeds": [], "attachments": [], "components": []})
        hidden.pop("poll", None)
        return hidden

    def dispatch_message(self, event: str, message: dict[str, Any], channel: Channel) -> None:
        """MESSAGE_CREATE/UPDATE to sessions that may see it, content withheld per session."""
        intent = DIRECT_MESSAGES if channel.type == DM else GUILD_MESSAGES
        if channel.type != DM and not self.bot_permissions(channel) & perm.VIEW_CHANNEL:
            return
        guild_id = channel.guild_id if channel.type != DM else None
        for session in self._sessions_for(guild_id):
            if not session.has(intent):
                continue
            session.dispatch(event, self.withhold_content(message, session.intents))
        self.notify()

    # ------------------------------------------------------------------ messages
    def pings(self, message: dict[str, Any] | int | str) -> Pings:
        """Whom the message notified (users, roles, @everyone), as Discord's rules decide; see mentions.py."""
        message_id = int(message["id"]) if isinstance(message, dict) else int(message)
        return self.message_pings.get(message_id, Pings())

    def _mentions(
        self,
        content: str,
        channel: Channel,
        author: Member | User,
        payload: dict[str, Any],
        default_kinds: frozenset[str],
    ) -> Mentions:
        guild = self.guilds.get(channel.guild_id)
        if guild is None:
            author_permissions = 0
        elif author.id == self.bot_user.id:
            author_permissions = self.bot_permissions(channel)
        else:
            member = author if isinstance(author, Member) else guild.members.get(author.id)
            author_permissions = self.permissions_for(member, channel) if member is not None else 0
        replied_author = None
        ref = payload.get("message_reference") or {}
        if ref.get("message_id"):
            referenced = self.find_message(channel, int(ref["message_id"]))
            if referenced is not None and int(referenced["author"]["id"]) != author.id:
                replied_author = int(referenced["author"]["id"])
        return mentions.resolve(
            content,
            payload.get("allowed_mentions"),
            default_kinds=default_kinds,
            guild=guild,
            known_users=self.users,
            author_permissions=author_permissions,
            replied_author=replied_author,
        )

    def _mention_payloads(self, user_ids: tuple[int, ...], channel: Channel) -> list[dict[str, Any]]:
        guild = self.guilds.get(channel.guild_id)
        out = []
        for uid in user_ids:
            payload = self.users[uid].to_payload()
            if guild is not None and uid in guild.members:
                payload["member"] = guild.members[uid].to_payload(with_user=False)
            out.append(payload)
        return out

    def build_message(
        self,
        channel: Channel,
        author: Member | User,
        payload: dict[str, Any],
        attachments: list[dict[str, Any]] | None = None,
        *,
        message_type: int = DEFAULT,
        at: datetime | None = None,
        message_id: int | None = None,
        extra: dict[str, Any] | None = None,
        default_mentions: frozenset[str] = mentions.ALL_KINDS,
    ) -> dict[str, Any]:
        """A message as Discord stores it. ``default_mentions``: what ``allowed_mentions`` means when
        absent (every kind for a plain message; ``mentions.USERS_ONLY`` for interactions/webhooks)."""
        user = author.user if isinstance(author, Member) else author
        content = str(payload.get("content") or "")
        counted = self._mentions(content, channel, author, payload, default_mentions)
        msg_id = message_id if message_id is not None else self.ids.next(at)
        self.message_pings[msg_id] = counted.pings
        message: dict[str, Any] = {
            "id": str(msg_id),
            "type": message_type,
            "channel_id": str(channel.id),
            "author": user.to_payload(),
            "content": content,
            "timestamp": iso(at or datetime.now(UTC)),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": counted.everyone,
            "mentions": self._mention_payloads(counted.user_ids, channel),
            "mention_roles": [str(r) for r in counted.role_ids],
            "attachments": attachments or [],
            "embeds": [_normalise_embed(e) for e in payload.get("embeds") or []],
            "components": payload.get("components") or [],
            "pinned": False,
            "flags": int(payload.get("flags") or 0),
        }
        if payload.get("nonce") is not None:
            message["nonce"] = payload["nonce"]
        if channel.type != DM:
            message["guild_id"] = str(channel.guild_id)
            guild = self.guilds[channel.guild_id]
            member = author if isinstance(author, Member) else guild.members.get(user.id)
            if member is not None:
                message["member"] = member.to_payload(with_user=False)
        if channel.is_thread:
            message["position"] = channel.total_message_sent
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            message["message_reference"] = {
                "type": 0,
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel.id),
                "guild_id": str(channel.guild_id),
            }
            if message_type == DEFAULT:
                message["type"] = REPLY
            referenced = self.find_message(channel, int(ref["message_id"]))
            if referenced is not None:
                message["referenced_message"] = referenced
        if extra:
            message.update(extra)
        return message

    def add_message(
        self, channel: Channel, message: dict[str, Any], *, dispatch: bool = True
    ) -> dict[str, Any]:
        channel.messages.append(message)
        channel.messages.sort(key=lambda m: int(m["id"]))
        channel.total_message_sent += 1
        self._message_index[int(message["id"])] = channel
        if channel.is_thread and channel.archived:  # a message reopens it (the sender may post)
            channel.archived = False
            self.dispatch("THREAD_UPDATE", channel.to_payload(), guild_id=channel.guild_id, intent=GUILDS)
        if dispatch:
            self.dispatch_message("MESSAGE_CREATE", message, channel)
        self.notify()
        return message

    def update_message(
        self, channel: Channel, message: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        message.update(changes)
        message["edited_timestamp"] = iso(datetime.now(UTC))
        self.dispatch_message("MESSAGE_UPDATE", message, channel)
        return message

    def remove_message(self, channel: Channel, message: dict[str, Any]) -> None:
        channel.messages.remove(message)
        payload = {"id": message["id"], "channel_id": str(channel.id)}
        if channel.type != DM:
            payload["guild_id"] = str(channel.guild_id)
        intent = DIRECT_MESSAGES if channel.type == DM else GUILD_MESSAGES
        self.dispatch(
            "MESSAGE_DELETE",
            payload,
            guild_id=channel.guild_id if channel.type != DM else None,
            intent=intent,
        )

    # ------------------------------------------------------------------ threads
    def open_thread(
        self,
        parent: Channel,
        name: str,
        owner: Member | User,
        *,
        kind: int = PUBLIC_THREAD,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
        applied_tags: Iterable[int] = (),
        dispatch: bool = True,
    ) -> Channel:
        owner_id = owner.id
        thread = Channel(
            id=thread_id if thread_id is not None else self.ids.next(),
            guild_id=parent.guild_id,
            name=name,
            type=kind,
            parent_id=parent.id,
            owner_id=owner_id,
            auto_archive_duration=auto_archive_duration,
            applied_tags=[int(t) for t in applied_tags],
        )
        thread.member_ids.add(owner_id)
        guild = self.guilds[parent.guild_id]
        guild.channels[thread.id] = thread
        if dispatch:
            payload = {**thread.to_payload(), "newly_created": True}
            if owner_id == self.bot_user.id:
                payload["member"] = {
                    "id": str(thread.id),
                    "user_id": str(owner_id),
                    "join_timestamp": iso(thread.created_at),
                    "flags": 1,
                }
            if self.bot_permissions(thread) & perm.VIEW_CHANNEL:
                self.dispatch("THREAD_CREATE", payload, guild_id=guild.id, intent=GUILDS)
        self.notify()
        return thread


def _normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    out = dict(embed)
    out.setdefault("type", "rich")
    return out


def _guess_type(filename: str) -> str:
    lower = filename.lower()
    for ext, kind in (
        (".txt", "text/plain; charset=utf-8"),
        (".md", "text/markdown; charset=utf-8"),
        (".csv", "text/csv; charset=utf-8"),
        (".json", "application/json"),
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
    ):
        if lower.endswith(ext):
            return kind
    return "application/octet-stream"
