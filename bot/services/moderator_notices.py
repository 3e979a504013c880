"""Telling a server's moderators that something needs them, where they will see it.

A failure notice goes to the server's lesson channel, else the channel it concerns, else the
server's system channel: the first text channel there the bot can write in. A server whose
lessons go to a forum may have none of these; then, as a last resort, the notice goes into the
thread it concerns (the lesson's forum post), rather than into the log only. It pings nobody,
except the moderator who made a schedule when a scheduled post fails (DESIGN's one exception
for notices). A lasting problem met again and again (every Notify me click, every post) is told
once: ``tell_once`` records it in the store (``ModeratorNotices``), and the caller ``resolve``s
the topic when the problem is gone or the setting changes, so a new problem is told again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.embeds import NO_MENTIONS

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

NoticeChannel = discord.abc.GuildChannel | discord.Thread


async def tell_moderators(
    bot: StudyBot,
    guild: discord.Guild,
    text: str,
    *,
    concerning: NoticeChannel | None = None,
    ping: int | None = None,
) -> bool:
    """Post ``text`` where moderators will see it; True if it was posted somewhere.

    ``concerning`` is the channel the problem is about (tried after the lesson channel);
    ``ping`` the id of the one user to mention (the moderator who made a failing schedule).
    """
    stored = await bot.store.settings.get(guild.id)
    thread = concerning if isinstance(concerning, discord.Thread) else None
    candidates = [
        guild.get_channel(stored.channel_id) if stored.channel_id else None,
        thread.parent if thread is not None else concerning,
        guild.system_channel,
        thread,
    ]
    content = text if ping is None else f"<@{ping}> {text}"
    mentions = NO_MENTIONS
    if ping is not None:
        mentions = discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False, users=[discord.Object(ping)]
        )
    tried: set[int] = set()
    for candidate in candidates:
        if not isinstance(candidate, discord.TextChannel | discord.Thread) or candidate.id in tried:
            continue
        tried.add(candidate.id)
        granted = candidate.permissions_for(guild.me)
        can_send = granted.send_messages_in_threads if candidate is thread else granted.send_messages
        if not (granted.view_channel and can_send):
            continue
        try:
            await candidate.send(content, allowed_mentions=mentions)
            return True
        except discord.HTTPException as error:
            log.warning("Could not tell guild %s's moderators in #%s: %s", guild.id, candidate.name, error)
    log.warning("Guild %s: no channel to tell the moderators in: %s", guild.id, text)
    return False


async def tell_once(
    bot: StudyBot,
    guild: discord.Guild,
    topic: str,
    about: str,
    text: str,
    *,
    concerning: NoticeChannel | None = None,
) -> None:
    """Tell the moderators ``text`` unless they were already told ``about`` under ``topic``."""
    if await bot.store.notices.first_time(guild.id, topic, about, at=bot.clock.now()):
        log.info("Guild %s: telling the moderators about %s (%s).", guild.id, topic, about)
        await tell_moderators(bot, guild, text, concerning=concerning)


async def resolve(bot: StudyBot, guild_id: int, topic: str) -> None:
    """The problem under ``topic`` is gone (or its setting changed): the next one is told again."""
    await bot.store.notices.resolve(guild_id, topic)
