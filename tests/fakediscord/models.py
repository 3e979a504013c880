"""The fake's world: guilds, channels, roles, members, users, and their wire payloads.

Models are plain dataclasses that the driver mutates directly; ``to_payload`` methods render the
exact JSON shapes Discord sends (API v10), so the unmodified discord.py client parses them.
Messages are kept as wire dicts because that is what the bot reads and writes anyway.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Channel types (Discord's numbers).
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})
THREAD_PINNED = 1 << 1  # channel flag: a forum post pinned to the top of its forum


class SnowflakeFactory:
    """Strictly increasing snowflakes whose timestamps are 'now', as Discord's are.

    Increasing ids matter: history pagination (before/after) and ordering rely on them.
    """

    def __init__(self) -> None:
        self._last = 0
        self._counter = itertools.count()

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh id whose shard, ``(id >> 22) % shard_count``, is ``shard_id``: the timestamp part
        is moved up to a few milliseconds ahead, and later ids stay larger."""
        value = self.next()
        while (value >> 22) % shard_count != shard_id:
            value = ((value >> 22) + 1) << 22
        self._last = value
        return value

    def next(self, at: datetime | None = None) -> int:
        ms = int((at.timestamp() if at else time.time()) * 1000)
        value = ((ms - DISCORD_EPOCH_MS) << 22) | (next(self._counter) & 0xFFF)
        if at is None and value <= self._last:
            value = self._last + 1
        if at is None:
            self._last = value
        return value


def iso(dt: datetime) -> str:
    """Discord's timestamp format (ISO 8601 with offset)."""
    return dt.astimezone(UTC).isoformat()


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Member:
    user: User
    guild_id: int
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def display_name(self) -> str:
        return self.nick or self.user.global_name or self.user.username

    def to_payload(self, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Channel:
    """A guild channel: text, forum, or a thread (type 11/12) whose ``parent_id`` is set."""

    id: int
    guild_id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    # thread-only state
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    invitable: bool = True
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    archive_timestamp: datetime | None = None
    applied_tags: list[int] = field(default_factory=list)
    member_ids: set[int] = field(default_factory=set)
    deleted: bool = False
    total_message_sent: int = 0
    flags: int = 0  # channel flags; a forum post may carry THREAD_PINNED

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def last_message_id(self) -> int | None:
        return int(self.messages[-1]["id"]) if self.messages else None

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
            "flags": self.flags,
            "nsfw": False,
        }
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id else None,
                    "message_count": len(self.messages),
                    "member_count": len(self.member_ids),
                    "total_message_sent": self.total_message_sent,
                    "applied_tags": [str(t) for t in self.applied_tags],
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": iso(self.archive_timestamp or self.created_at),
                        "locked": self.locked,
                        "invitable": self.invitable,
                        "create_timestamp": iso(self.created_at),
                    },
                }
            )
            return data
        data.update(
            {
                "position": self.position,
                "permission_overwrites": [o.to_payload() for o in self.overwrites.values()],
                "topic": self.topic,
            }
        )
        if self.type == GUILD_FORUM:
            data.update(
                {
                    "available_tags": [],
                    "default_reaction_emoji": None,
                    "default_thread_rate_limit_per_user": 0,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_auto_archive_duration": 1440,
                }
            )
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)  # includes threads
    bot_role_id: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def text_and_forum_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if not c.is_thread and not c.deleted]

    def active_threads(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.is_thread and not c.archived and not c.deleted]

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
        }
