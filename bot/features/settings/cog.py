"""Per-server settings, for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import NO_MENTIONS
from bot.errors import UserFacingError
from bot.features.interaction import Interaction
from bot.features.moderation import is_moderator, require_guild
from bot.features.options import TIMEZONE_MAX, TimezoneOption, typed
from bot.limits import AUTOCOMPLETE_CHOICES
from bot.render.echo import echo
from bot.render.status import discussion_window_text, render_settings
from bot.scheduling.recurrence import UnknownTimezone, resolve_timezone, timezone_choices
from bot.scheduling.window import DEFAULT_REMINDER_HOURS, MAX_DAYS, window_problem
from bot.services import ping_role
from bot.services.poster import missing_permissions, resolve_postable
from bot.services.windows import window_settings

if TYPE_CHECKING:
    from bot.app import StudyBot


class SettingsCog(commands.Cog):
    settings = app_commands.Group(
        name="settings",
        description="This server's studybot settings (moderators).",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    async def _reply(self, interaction: Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @settings.command(name="show", description="Show this server's settings.")
    @is_moderator()
    async def show(self, interaction: Interaction) -> None:
        stored = await self.bot.store.settings.get(require_guild(interaction))
        timezone = stored.timezone or self.bot.settings.default_timezone
        days, hours = window_settings(stored)
        embed = render_settings(
            timezone,
            stored.timezone is None,
            stored.channel_id,
            stored.modrole_id,
            discussion=discussion_window_text(days, hours),
            discussion_is_default=stored.discussion_days is None and stored.reminder_hours is None,
            pingrole_id=stored.pingrole_id,
        )
        await interaction.response.send_message(
            embed=discord.Embed.from_dict(embed), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @settings.command(name="timezone", description="Set the time zone that schedules are read in.")
    @app_commands.describe(tz="An IANA time zone name, e.g. Europe/Berlin (start typing for suggestions)")
    @is_moderator()
    async def timezone(self, interaction: Interaction, tz: TimezoneOption) -> None:
        try:
            zone = resolve_timezone(tz)
        except UnknownTimezone as error:
            raise UserFacingError(error.sentence(echo(tz))) from None
        await self.bot.store.settings.set_timezone(require_guild(interaction), zone.key)
        await self._reply(
            interaction,
            f"Time zone set to {zone.key}. Schedules made from now on read their times in it; "
            "existing schedules keep the zone they were made in.",
        )

    @timezone.autocomplete("tz")
    @is_moderator()
    async def timezone_autocomplete(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=name, value=name)
            for name in timezone_choices(typed(current, TIMEZONE_MAX), AUTOCOMPLETE_CHOICES)
        ]

    @settings.command(name="channel", description="Set the channel lessons are posted in by default.")
    @app_commands.describe(channel="A text or forum channel")
    @is_moderator()
    async def channel(
        self, interaction: Interaction, channel: discord.TextChannel | discord.ForumChannel
    ) -> None:
        target = resolve_postable(channel)
        await self.bot.store.settings.set_channel(require_guild(interaction), target.id)
        text = f"Lessons will be posted in {target.mention}."
        missing = missing_permissions(target, target.guild.me)
        if missing:
            text += f" Note: I am missing {', '.join(missing)} there; grant it before the next post."
        await self._reply(interaction, text)

    @settings.command(name="modrole", description="Let members with this role use moderator commands.")
    @app_commands.describe(role="The moderators' role (leave it out to clear it)")
    async def modrole(self, interaction: Interaction, role: discord.Role | None = None) -> None:
        # Handing out moderator rights is itself reserved to Manage Server, not to the mod role.
        if not (interaction.permissions.manage_guild or interaction.permissions.administrator):
            raise UserFacingError(
                "Only members with the Manage Server permission can choose the moderator role."
            )
        guild_id = require_guild(interaction)
        if role is None:
            await self.bot.store.settings.set_modrole(guild_id, None)
            await self._reply(
                interaction,
                "The moderator role is cleared: only members with the Manage Server permission can "
                "use the moderator commands.",
            )
            return
        if role.is_default():
            raise UserFacingError("@everyone cannot be the moderator role: everyone would be a moderator.")
        await self.bot.store.settings.set_modrole(guild_id, role.id)
        await self._reply(interaction, f"Members with {role.mention} can now use the moderator commands.")

    @settings.command(
        name="discussion", description="How long discussions stay open, and when they are reminded."
    )
    @app_commands.describe(
        days=f"Days a lesson's discussion stays open (1-{MAX_DAYS}; default 7)",
        reminder_hours="Remind the thread this many hours before the end (0: no reminder; default 24)",
    )
    @is_moderator()
    async def discussion(
        self,
        interaction: Interaction,
        days: app_commands.Range[int, 1, MAX_DAYS],
        reminder_hours: app_commands.Range[int, 0, MAX_DAYS * 24] = DEFAULT_REMINDER_HOURS,
    ) -> None:
        problem = window_problem(days, reminder_hours)
        if problem is not None:
            raise UserFacingError(problem)
        await self.bot.store.settings.set_discussion(require_guild(interaction), days, reminder_hours)
        await self._reply(
            interaction,
            f"Discussions will stay {discussion_window_text(days, reminder_hours)}. "
            "This applies to lessons posted from now on; the discussions already open keep their window.",
        )

    @settings.command(name="pingrole", description="The role each lesson post mentions (members opt in).")
    @app_commands.describe(role="The role to ping for new lessons (leave it out to stop pinging)")
    @is_moderator()
    async def pingrole(self, interaction: Interaction, role: discord.Role | None = None) -> None:
        guild_id = require_guild(interaction)
        if role is None:
            await self.bot.store.settings.set_pingrole(guild_id, None)
            await ping_role.setting_changed(self.bot, guild_id)
            await self._reply(
                interaction,
                "Posts will no longer mention a role, and new posts carry no **Notify me** button.",
            )
            return
        if role.is_default():
            raise UserFacingError(
                "@everyone cannot be the ping role: choose a role that members opt into with **Notify me**."
            )
        if role.managed:
            raise UserFacingError(
                f"{role.mention} is managed by an integration (a bot's or a subscription's role), so it "
                "cannot be given to members: choose another role."
            )
        await self.bot.store.settings.set_pingrole(guild_id, role.id)
        await ping_role.setting_changed(self.bot, guild_id)
        check = await ping_role.check_for_setting(role.guild, role)
        text = (
            f"Each lesson post will mention {role.mention} and carry a **Notify me** button that gives "
            "or takes the role."
        )
        for note in (check.problem, check.mention):
            if note is not None:
                text += f"\nNote: {note}"
        await self._reply(interaction, text)
