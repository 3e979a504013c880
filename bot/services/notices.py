"""Telling a server's moderators something went wrong, where failure notices go.

One place for "where", also for a server of another shard whose job this process took over
(read over REST): the server's lesson channel (``/settings channel``), else the channel
the work was for, else the server's system channel: the first text channel there where the bot
may speak. A server whose lessons go to a forum may have none of these; then, as a last resort,
the notice goes into the thread it concerns (the lesson's forum post) rather than into the log
only. The notice pings only the moderator it names (the one who scheduled or posted), and
nobody at all when it names none.

A lasting problem met again and again (every Notify me click, every post) is told once:
``tell_once`` records what was told in the store (``ModeratorNotices``), and the caller
``resolve``s the topic when the problem is gone or the setting changed, so a new problem is told.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.services.remote_guild import job_guild

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


async def tell_moderators(
    bot: StudyBot,
    guild_id: int,
    text: str,
    *,
    channel: discord.abc.GuildChannel | None = None,
    channel_id: int | None = None,
    thread: discord.Thread | None = None,
    ping: int | None = None,
) -> bool:
    """Send ``text`` where the moderators will see it; False (logged) if nowhere would take it.

    ``channel`` (or ``channel_id``) is the channel the failed work was for, ``thread`` the
    thread it concerns (the last resort); ``ping`` the moderator to mention (a Discord user
    id), who alone is pinged.
    """
    try:
        guild = await job_guild(bot, guild_id)
    except (discord.HTTPException, OSError) as error:
        log.warning(
            "Guild %d: %s (could not read the server to tell the moderators: %s)", guild_id, text, error
        )
        return False
    if guild is None:
        log.warning("Guild %d: %s (not in that server to tell the moderators)", guild_id, text)
        return False
    stored = await bot.store.settings.get(guild_id)
    candidates = [
        guild.get_channel(stored.channel_id) if stored.channel_id else None,
        channel or (guild.get_channel(channel_id) if channel_id else None),
        guild.system_channel,
        thread,
    ]
    content = f"<@{ping}> {text}" if ping else text
    mentions = (
        discord.AllowedMentions(everyone=False, roles=False, replied_user=False, users=[discord.Object(ping)])
        if ping
        else discord.AllowedMentions.none()
    )
    for candidate in candidates:
        if not isinstance(candidate, discord.TextChannel | discord.Thread):
            continue
        granted = candidate.permissions_for(guild.me)
        can_send = granted.send_messages_in_threads if candidate is thread else granted.send_messages
        if granted.view_channel and can_send:
            try:
                await candidate.send(content, allowed_mentions=mentions)
                return True
            except discord.HTTPException as error:
                log.warning("Could not tell the moderators in #%s: %s", candidate.name, error)
    log.warning("Guild %d: %s (no channel to tell the moderators in)", guild_id, text)
    return False


Concerning = discord.abc.GuildChannel | discord.Thread


async def tell_once(
    bot: StudyBot,
    guild_id: int,
    topic: str,
    about: str,
    text: str,
    *,
    concerning: Concerning | None = None,
) -> None:
    """Tell the moderators ``text`` unless they were already told ``about`` under ``topic``.

    ``concerning``: the channel or thread the problem is about (a thread's channel is tried
    before the server's system channel, the thread itself last)."""
    if not await bot.store.notices.first_time(guild_id, topic, about, at=bot.clock.now()):
        return
    log.info("Guild %d: telling the moderators about %s (%s).", guild_id, topic, about)
    if isinstance(concerning, discord.Thread):
        parent = concerning.parent
        channel = parent if isinstance(parent, discord.abc.GuildChannel) else None
        await tell_moderators(bot, guild_id, text, channel=channel, thread=concerning)
    else:
        await tell_moderators(bot, guild_id, text, channel=concerning)


async def resolve(bot: StudyBot, guild_id: int, topic: str) -> None:
    """The problem under ``topic`` is gone (or its setting changed): the next one is told again."""
    await bot.store.notices.resolve(guild_id, topic)
