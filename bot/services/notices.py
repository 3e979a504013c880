"""Telling a server's moderators something went wrong, where failure notices go.

One place for "where", also for a server of another shard whose job this process took over
(read over REST): the server's lesson channel (``/settings channel``), else the channel
the work was for, else the server's system channel: the first text channel there where the bot
may speak. The notice pings only the moderator it names (the one who scheduled or posted), and
nobody at all when it names none.
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
    ping: int | None = None,
) -> bool:
    """Send ``text`` where the moderators will see it; False (logged) if nowhere would take it.

    ``channel`` (or ``channel_id``) is the channel the failed work was for; ``ping`` the
    moderator to mention (a Discord user id), who alone is pinged.
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
    ]
    content = f"<@{ping}> {text}" if ping else text
    mentions = (
        discord.AllowedMentions(everyone=False, roles=False, replied_user=False, users=[discord.Object(ping)])
        if ping
        else discord.AllowedMentions.none()
    )
    for candidate in candidates:
        if not isinstance(candidate, discord.TextChannel):
            continue
        granted = candidate.permissions_for(guild.me)
        if granted.view_channel and granted.send_messages:
            try:
                await candidate.send(content, allowed_mentions=mentions)
                return True
            except discord.HTTPException as error:
                log.warning("Could not tell the moderators in #%s: %s", candidate.name, error)
    log.warning("Guild %d: %s (no channel to tell the moderators in)", guild_id, text)
    return False
