"""What happens to a message after it is sent: pins and reactions.

Both the bot (REST) and members (the driver) change them through these methods, so a message's
``pinned`` and ``reactions`` fields, the system message a pin posts, and the gateway events
(CHANNEL_PINS_UPDATE, MESSAGE_REACTION_ADD/REMOVE) are the same whoever acts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from . import permissions as perm
from .gateway import DIRECT_MESSAGES, GUILD_MESSAGE_REACTIONS, GUILDS
from .messages import CHANNEL_PINNED_MESSAGE, Messages
from .models import DM, THREAD_PINNED, Channel, Member, User, iso

#: Discord's limit of pinned messages per channel (error 30003 past it).
MAX_PINS = 250


def emoji_key(emoji: str | dict[str, Any]) -> str:
    """The key Discord's routes use: the character for a Unicode emoji, ``name:id`` for a custom one."""
    if isinstance(emoji, dict):
        return f"{emoji['name']}:{emoji['id']}" if emoji.get("id") else str(emoji["name"])
    return emoji


def partial_emoji(key: str) -> dict[str, Any]:
    name, _, emoji_id = key.partition(":")
    return {"id": emoji_id or None, "name": name}


class PinsAndReactions(Messages):
    """Pinning (with its system message) and reactions (with their counts and events)."""

    # ------------------------------------------------------------------ pins
    def pinned(self, channel: Channel) -> list[dict[str, Any]]:
        """The channel's pinned messages, the most recently pinned first (as Discord lists them)."""
        pins = [m for m in channel.messages if m.get("pinned")]
        return sorted(pins, key=lambda m: self.pinned_at[int(m["id"])], reverse=True)

    def pinned_posts(self, forum: Channel) -> list[Channel]:
        """The forum's posts pinned to its top (the PINNED channel flag), oldest post first."""
        return [t for t in self.threads(forum) if t.flags & THREAD_PINNED]

    def set_pinned(
        self, channel: Channel, message: dict[str, Any], pinned: bool, *, by: Member | User
    ) -> None:
        """Pin or unpin. A pin posts Discord's system message ("<by> pinned a message", type 6,
        referencing the pinned one) and both send CHANNEL_PINS_UPDATE. Pinning twice changes nothing."""
        message_id = int(message["id"])
        if bool(message.get("pinned")) == pinned:
            return
        message["pinned"] = pinned
        if pinned:
            self.pinned_at[message_id] = datetime.now(UTC)
            notice = self.build_message(
                channel,
                by,
                {"content": ""},
                message_type=CHANNEL_PINNED_MESSAGE,
                extra={
                    "message_reference": {
                        "type": 0,
                        "message_id": str(message_id),
                        "channel_id": str(channel.id),
                        **({"guild_id": str(channel.guild_id)} if channel.type != DM else {}),
                    }
                },
            )
            self.add_message(channel, notice)
        else:
            self.pinned_at.pop(message_id, None)
        latest = self.pinned(channel)
        update: dict[str, Any] = {
            "channel_id": str(channel.id),
            "last_pin_timestamp": iso(self.pinned_at[int(latest[0]["id"])]) if latest else None,
        }
        if channel.type != DM:
            update["guild_id"] = str(channel.guild_id)
        self.dispatch(
            "CHANNEL_PINS_UPDATE",
            update,
            guild_id=channel.guild_id if channel.type != DM else None,
            intent=GUILDS if channel.type != DM else DIRECT_MESSAGES,
        )

    # ------------------------------------------------------------------ reactions
    def reactors(self, message: dict[str, Any], emoji: str) -> list[int]:
        """Ids of the users who reacted to ``message`` with ``emoji``, in the order they did."""
        return list(self.reactions.get(int(message["id"]), {}).get(emoji_key(emoji), []))

    def reaction_counts(self, message: dict[str, Any]) -> dict[str, int]:
        """``{emoji: count}`` for the message's reactions, in the order they were first added."""
        return {key: len(users) for key, users in self.reactions.get(int(message["id"]), {}).items()}

    def add_reaction(
        self,
        channel: Channel,
        message: dict[str, Any],
        user: Member | User,
        emoji: str,
        *,
        dispatch: bool = True,
    ) -> bool:
        """``user`` reacts; False if they already had (nothing changes then, as on Discord)."""
        key = emoji_key(emoji)
        users = self.reactions.setdefault(int(message["id"]), {}).setdefault(key, [])
        if user.id in users:
            return False
        users.append(user.id)
        self._render_reactions(message)
        if dispatch:
            data = self._reaction_event(channel, message, user.id, key)
            data["message_author_id"] = message["author"]["id"]
            data["burst_colors"] = []
            if channel.type != DM:
                guild = self.guilds[channel.guild_id]
                member = guild.members.get(user.id)
                if member is not None:
                    data["member"] = member.to_payload()
            self._dispatch_reaction("MESSAGE_REACTION_ADD", channel, data)
        return True

    def remove_reaction(
        self, channel: Channel, message: dict[str, Any], user_id: int, emoji: str, *, dispatch: bool = True
    ) -> bool:
        """Take ``user_id``'s reaction away; False if there was none."""
        key = emoji_key(emoji)
        by_emoji = self.reactions.get(int(message["id"]), {})
        users = by_emoji.get(key, [])
        if user_id not in users:
            return False
        users.remove(user_id)
        if not users:
            del by_emoji[key]
        self._render_reactions(message)
        if dispatch:
            data = self._reaction_event(channel, message, user_id, key)
            self._dispatch_reaction("MESSAGE_REACTION_REMOVE", channel, data)
        return True

    def _render_reactions(self, message: dict[str, Any]) -> None:
        by_emoji = self.reactions.get(int(message["id"]), {})
        rendered = [
            {
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": self.bot_user.id in users,
                "me_burst": False,
                "emoji": partial_emoji(key),
                "burst_colors": [],
            }
            for key, users in by_emoji.items()
            if users
        ]
        if rendered:
            message["reactions"] = rendered
        else:
            message.pop("reactions", None)
        self.notify()

    def _reaction_event(
        self, channel: Channel, message: dict[str, Any], user_id: int, key: str
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(channel.id),
            "message_id": message["id"],
            "emoji": partial_emoji(key),
            "burst": False,
            "type": 0,
        }
        if channel.type != DM:
            data["guild_id"] = str(channel.guild_id)
        return data

    def _dispatch_reaction(self, event: str, channel: Channel, data: dict[str, Any]) -> None:
        if channel.type != DM and not self.bot_permissions(channel) & perm.VIEW_CHANNEL:
            self.notify()
            return
        guild_id = channel.guild_id if channel.type != DM else None
        self.dispatch(event, data, guild_id=guild_id, intent=GUILD_MESSAGE_REACTIONS)
