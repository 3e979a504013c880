"""The one app-command error handler: a sentence for the user, the whole story in the log."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.limits import MESSAGE_CONTENT
from bot.render.echo import echo
from bot.render.text import truncate_words

log = logging.getLogger(__name__)

_APOLOGY = "Something went wrong on my side; the moderators can find the details in the bot's log."


async def handle_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    original: BaseException = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, app_commands.TransformerError):
        cause = original.__cause__
        if isinstance(cause, UserFacingError):  # an option's lookup refused it (e.g. an unknown lesson)
            original = cause
    if isinstance(original, UserFacingError):
        sentence = str(original)
    elif isinstance(original, app_commands.CommandOnCooldown):  # a CheckFailure: before that
        command = interaction.command.qualified_name if interaction.command else "this command"
        wait = max(1, math.ceil(original.retry_after))
        sentence = f"You asked a moment ago; /{command} is yours again in {wait} second{'s' * (wait != 1)}."
    elif isinstance(original, app_commands.MissingPermissions | app_commands.CheckFailure):
        sentence = "You don't have permission to use this command."
    elif isinstance(original, discord.RateLimited):
        sentence = (
            f"Discord is asking me to slow down; try again in about {round(original.retry_after)} seconds."
        )
    elif isinstance(original, app_commands.TransformerError):
        sentence = f"{echo(str(original.value))} is not a valid {original.type.name.lower()} here."
    else:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("Command /%s failed.", command, exc_info=original)
        sentence = _APOLOGY
    await reply_ephemeral(interaction, sentence)


async def reply_ephemeral(interaction: discord.Interaction, sentence: str) -> None:
    """Answer whether or not the interaction was already answered or deferred.

    The sentence is cut to one message: a longer one would be refused by Discord, and the
    member would see "interaction failed" instead of the reason.
    """
    sentence = truncate_words(sentence, MESSAGE_CONTENT)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                sentence, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                sentence, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException as failure:
        log.warning("Could not tell the user about an error: %s", failure)
