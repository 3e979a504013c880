"""Links into Discord: a message's jump URL, built from ids (no client needed)."""

from __future__ import annotations

__all__ = ["message_url"]


def message_url(guild_id: int, channel_id: int, message_id: int) -> str:
    """The jump link Discord shows as "Jump to message"; ``channel_id`` is the thread for a reply."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
