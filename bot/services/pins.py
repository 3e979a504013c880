"""The current lesson stays on top: its post is pinned in its channel, the previous one unpinned.

In a text channel the post's first message is pinned (Discord's Pin Messages permission, which
replaced Manage Messages for pins in 2026). A forum channel has no messages of its own to pin:
there the lesson's forum post is pinned to the top of the forum (the thread's PINNED flag, which
needs Manage Threads), and the previous lesson's post unpinned first (a forum shows one pinned
post on top). Pinning is best effort: without the permission the post still goes out and the
moderators are told once per channel (topic ``pin:<channel id>``) until a pin there succeeds.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.services.notices import resolve, tell_once
from bot.store.rows import Post

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


def topic(channel_id: int) -> str:
    return f"pin:{channel_id}"


async def pin_current(
    bot: StudyBot,
    channel: discord.TextChannel | discord.ForumChannel,
    post: Post,
    message: discord.Message | discord.PartialMessage,
    thread: discord.Thread,
) -> None:
    """Pin ``post`` and unpin the previous lesson's post in the same channel; never raises for
    Discord's refusals (they are logged, and told to the moderators when permissions lack)."""
    previous = await _previous_post(bot, post)
    granted = channel.permissions_for(channel.guild.me)
    allowed = granted.manage_threads if isinstance(channel, discord.ForumChannel) else granted.pin_messages
    try:
        if not allowed:
            raise _NotAllowed()
        if isinstance(channel, discord.ForumChannel):
            if previous is not None:
                # A forum post's id is its first message's id.
                await _unpin_forum_post(channel.guild, previous.thread_id or previous.message_id)
            await thread.edit(pinned=True, reason="The current lesson")
        else:
            await message.pin(reason="The current lesson")
            if previous is not None:
                await _unpin_message(channel, previous.message_id)
    except (_NotAllowed, discord.Forbidden):
        await _tell(bot, channel, thread)
        return
    except discord.HTTPException as error:
        log.warning("Could not pin lesson %s in #%s: %s", post.lesson_id, channel.name, error)
        return
    await resolve(bot, channel.guild.id, topic(channel.id))


class _NotAllowed(Exception):
    """The bot's permissions, as cached, do not allow pinning here."""


async def _previous_post(bot: StudyBot, post: Post) -> Post | None:
    """The lesson posted in the same channel just before ``post``."""
    here = [p for p in await bot.store.posts.in_guild(post.guild_id) if p.channel_id == post.channel_id]
    earlier = [p for p in here if (p.posted_at, p.id) < (post.posted_at, post.id)]
    return max(earlier, key=lambda p: (p.posted_at, p.id), default=None)


async def _unpin_message(channel: discord.TextChannel, message_id: int) -> None:
    with contextlib.suppress(discord.NotFound):  # the previous post was deleted: nothing to unpin
        await channel.get_partial_message(message_id).unpin(reason="A newer lesson is pinned")


async def _unpin_forum_post(guild: discord.Guild, thread_id: int) -> None:
    try:
        thread = guild.get_thread(thread_id) or await guild.fetch_channel(thread_id)
    except discord.NotFound:
        return  # the previous post was deleted
    if not isinstance(thread, discord.Thread) or not thread.flags.pinned:
        return
    if thread.archived:
        # An archived post can only be changed while it is reopened; it is closed again at once.
        await thread.edit(archived=False, pinned=False, reason="A newer lesson is pinned")
        await thread.edit(archived=True)
    else:
        await thread.edit(pinned=False, reason="A newer lesson is pinned")


async def _tell(
    bot: StudyBot, channel: discord.TextChannel | discord.ForumChannel, thread: discord.Thread
) -> None:
    if isinstance(channel, discord.ForumChannel):
        need, what = "manage_threads", "Manage Threads (which pins a forum post)"
    else:
        need, what = "pin_messages", "Pin Messages"
    text = (
        f"I couldn't pin the new lesson in {channel.mention}: I need the {what} permission there. "
        "The lesson was posted all the same; grant it to pin the next ones."
    )
    # A forum has no messages of its own: there the notice may end up in the post's thread.
    concerning = thread if isinstance(channel, discord.ForumChannel) else channel
    await tell_once(bot, channel.guild.id, topic(channel.id), need, text, concerning=concerning)
