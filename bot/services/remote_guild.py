"""A server of another shard, read over REST, for a post taken over from a process that died.

A shard process hears only its own servers over the gateway, so its cache knows nothing of the
others. Discord's REST API answers for any server the bot is in, whichever shard hears it: the
server is built from what a GUILD_CREATE would carry (the guild with its roles, its channels and
active threads, the bot's own member), so the posting code checks permissions and finds channels
as for a server of its own. It is never added to the client's cache: this process still hears
nothing of that server, and the process of its shard collects its replies when it is back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


async def job_guild(bot: StudyBot, guild_id: int) -> discord.Guild | None:
    """The server a scheduled job is for: from the gateway's cache when it is one of this
    process's servers; else read over REST (a job taken over from the process of its shard,
    which died). None when the bot is not in it (or, for its own servers, not yet: the cache).

    Raises ``discord.HTTPException`` (or ``OSError``) when Discord cannot answer right now.
    """
    guild = bot.get_guild(guild_id)
    servers = bot.own_servers
    if guild is not None or servers is None or servers.owns(guild_id):
        return guild
    return await fetch_remote_guild(bot, guild_id)


async def fetch_remote_guild(client: discord.Client, guild_id: int) -> discord.Guild | None:
    """The server as Discord describes it now, or None when the bot is no longer in it.

    Raises ``discord.HTTPException`` (or ``OSError``) when Discord cannot answer right now.
    """
    assert client.user is not None, "only called once the client is logged in"
    try:
        data: dict[str, Any] = dict(await client.http.get_guild(guild_id, with_counts=False))
        channels = await client.http.get_all_guild_channels(guild_id)
        me = await client.http.get_member(guild_id, client.user.id)
        active = await client.http.get_active_threads(guild_id)
    except (discord.NotFound, discord.Forbidden) as error:
        log.info("Server %d could not be read over REST: %s", guild_id, error.text or error.status)
        return None
    data.update(channels=channels, members=[me], threads=active.get("threads", []))
    # The client's own connection state, as discord.py gives every model it builds from a payload;
    # ``data`` is GUILD_CREATE's shape assembled from REST (a dict, not discord.py's TypedDict).
    return discord.Guild(data=data, state=client._connection)  # type: ignore[arg-type]  # see above
