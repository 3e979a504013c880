"""The Notify me button: gives or takes the server's ping role for whoever clicks, privately.

It is persistent (``DynamicItem``): its ``custom_id`` is the same on every post and names no
state, because the role it toggles is the server's ping role as set now (a post made before the
setting changed follows the new role), and the server is the interaction's. So every button
ever posted keeps working after a restart. It lives here, beside the poster that puts it on
each post; the notify feature registers it with the bot.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.embeds import NO_MENTIONS
from bot.render.ping_role import NOTIFY_ME_ID, NOTIFY_ME_LABEL
from bot.services.ping_role import notify_me

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

_APOLOGY = "Something went wrong on my side; please try again later."
_SERVER_ONLY = "Notify me works in a server only."


class NotifyMeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NOTIFY_ME_ID):
    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label=NOTIFY_ME_LABEL, emoji="🔔", style=discord.ButtonStyle.secondary, custom_id=NOTIFY_ME_ID
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NotifyMeButton:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: StudyBot = interaction.client
        member = interaction.user
        if not isinstance(member, discord.Member):
            await interaction.response.send_message(
                _SERVER_ONLY, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        # Giving a role may need a look at the bot's own member and a store write or two.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            answer = await notify_me(bot, member, concerning=_channel(interaction))
        except Exception:
            log.exception("Notify me failed in guild %s.", interaction.guild_id)
            answer = _APOLOGY
        await interaction.followup.send(answer, ephemeral=True, allowed_mentions=NO_MENTIONS)


def notify_me_view() -> discord.ui.View:
    """The row a lesson post carries (a new view each time: a view belongs to one message)."""
    view = discord.ui.View(timeout=None)
    view.add_item(NotifyMeButton())
    return view


def _channel(interaction: discord.Interaction[Any]) -> discord.abc.GuildChannel | discord.Thread | None:
    channel = interaction.channel
    return channel if isinstance(channel, discord.abc.GuildChannel | discord.Thread) else None
