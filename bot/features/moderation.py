"""Who counts as a moderator, checked at run time on every moderator command.

``default_permissions`` on a command is only a hint that server admins can change, so the real
decision is made here: Manage Server (or Administrator) in the channel, or the server's
moderator role from /settings modrole.
"""

from __future__ import annotations

import discord

from bot.errors import NotModerator, UserFacingError
from bot.store import settings as guild_settings
from bot.store.database import Database


async def require_moderator(interaction: discord.Interaction, db: Database) -> None:
    if interaction.guild_id is None:
        raise UserFacingError("This command only works in a server.")
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return
    stored = await guild_settings.get(db, interaction.guild_id)
    user = interaction.user
    is_member = isinstance(user, discord.Member)
    if stored.modrole_id is not None and is_member and user.get_role(stored.modrole_id) is not None:
        return
    raise NotModerator()


def require_guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserFacingError("This command only works in a server.")
    return interaction.guild_id
