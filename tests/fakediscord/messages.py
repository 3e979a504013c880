"""Messages and threads as the fake stores them, and how they reach the bot over the gateway.

Messages are kept as wire dicts (what the bot reads and writes anyway), in their channel's list,
oldest first. Building one applies Discord's rules the bot can observe: mentions filtered by
``allowed_mentions``, replies, thread positions; dispatching one withholds content from a session
without the Message Content intent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from . import permissions as perm
from .gateway import DIRECT_MESSAGES, GUILD_MESSAGES, GUILDS, MESSAGE_CONTENT
from .models import DM, PUBLIC_THREAD, Channel, Member, User, iso
from .world import World

MENTION_USER = re.compile(r"<@!?(\d+)>")
MENTION_ROLE = re.compile(r"<@&(\d+)>")
#: discord.py sends ``enforce_nonce``; Discord dedupes within "a few minutes".
NONCE_WINDOW = 300.0
#: Message type numbers.
DEFAULT = 0
REPLY = 19
CHAT_INPUT_COMMAND = 20
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
        return [m for m in channel.messages if int(m["author"]["id"]) == self.bot_user.id]

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
    def _mentions(self, content: str, channel: Channel, allowed: dict[str, Any] | None) -> tuple[list, list]:
        guild = self.guilds.get(channel.guild_id)
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse", []))
        allowed_users = {int(u) for u in (allowed or {}).get("users", [])}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles", [])}
        users = []
        for raw in dict.fromkeys(MENTION_USER.findall(content or "")):
            uid = int(raw)
            if uid not in self.users or ("users" not in parse and uid not in allowed_users):
                continue
            payload = self.users[uid].to_payload()
            if guild is not None and uid in guild.members:
                payload["member"] = guild.members[uid].to_payload(with_user=False)
            users.append(payload)
        roles = []
        for raw in dict.fromkeys(MENTION_ROLE.findall(content or "")):
            rid = int(raw)
            if guild is not None and rid in guild.roles and ("roles" in parse or rid in allowed_roles):
                roles.append(str(rid))
        return users, roles

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
    ) -> dict[str, Any]:
        user = author.user if isinstance(author, Member) else author
        content = str(payload.get("content") or "")
        mentions, mention_roles = self._mentions(content, channel, payload.get("allowed_mentions"))
        msg_id = message_id if message_id is not None else self.ids.next(at)
        message: dict[str, Any] = {
            "id": str(msg_id),
            "type": message_type,
            "channel_id": str(channel.id),
            "author": user.to_payload(),
            "content": content,
            "timestamp": iso(at or datetime.now(UTC)),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": mention_roles,
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
        if channel.is_thread and channel.archived and not channel.locked:
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
