"""Who counts as a moderator, checked at run time on every moderator command.

``default_permissions`` on a command is only a hint that server admins can change, so the real
decision is made here: Manage Server (or Administrator) in the channel, or the server's
moderator role from /settings modrole. It is one discord.py check, ``@is_moderator()``: on a
command it refuses before the command runs (the error handler answers with the sentence); on an
autocomplete callback it makes the suggestions empty for everyone else. An option type shared by
members' and moderators' commands (the lesson option) asks ``may_suggest``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.features.interaction import Interaction

T = TypeVar("T")


class NotModerator(UserFacingError, app_commands.CheckFailure):
    """A failed moderator check; discord.py stops the command, the error handler says why."""

    def __init__(self) -> None:
        super().__init__(
            "Only moderators can do that: you need the Manage Server permission"
            " or the server's moderator role."
        )


class ServerOnly(UserFacingError, app_commands.CheckFailure):
    def __init__(self) -> None:
        super().__init__("This command only works in a server.")


async def _moderator(interaction: Interaction) -> bool:
    if interaction.guild_id is None:
        raise ServerOnly()
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    stored = await interaction.client.store.settings.get(interaction.guild_id)
    user = interaction.user
    role = stored.modrole_id
    if role is not None and isinstance(user, discord.Member) and user.get_role(role) is not None:
        return True
    raise NotModerator()


def is_moderator() -> Callable[[T], T]:
    """``@is_moderator()``: only moderators may run this command (or see this autocomplete's choices)."""
    return app_commands.check(_moderator)


async def may_suggest(interaction: Interaction) -> bool:
    """Whether an option shared by several commands may suggest values here: always on everyone's
    commands; on a moderator command (one that carries ``@is_moderator()``), to moderators only."""
    command = interaction.command
    if command is None or _moderator not in command.checks:
        return True
    try:
        return await _moderator(interaction)
    except app_commands.CheckFailure:
        return False


def require_guild(interaction: Interaction) -> int:
    if interaction.guild_id is None:
        raise ServerOnly()
    return interaction.guild_id
