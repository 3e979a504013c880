"""The interaction type every feature receives: its ``client`` is the StudyBot.

discord.py types ``Interaction.client`` by a type parameter; naming it once here lets callbacks
read ``interaction.client.library`` with the type checker's help instead of casting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import discord

if TYPE_CHECKING:
    from bot.app import StudyBot

Interaction: TypeAlias = discord.Interaction["StudyBot"]
