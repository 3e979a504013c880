"""Where a post goes when the moderator did not name a channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import UserFacingError
from bot.features.interaction import Interaction
from bot.features.moderation import require_guild
from bot.services.poster import PostableChannel, check_can_post, resolve_postable

if TYPE_CHECKING:
    from bot.app import StudyBot


async def target_channel(bot: StudyBot, interaction: Interaction, chosen: object | None) -> PostableChannel:
    """The channel option, else the server's lesson channel, else the command's channel; checked postable."""
    channel = chosen
    if channel is None:
        stored = await bot.store.settings.get(require_guild(interaction))
        if stored.channel_id is not None and interaction.guild is not None:
            channel = interaction.guild.get_channel(stored.channel_id)
            if channel is None:
                raise UserFacingError(
                    "The lesson channel set with /settings channel no longer exists; set another one."
                )
        else:
            channel = interaction.channel
    target = resolve_postable(channel)
    check_can_post(target)
    return target
