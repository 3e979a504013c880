"""/schedule once, weekly, list, cancel: moderators plan posts in their server's time zone."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import NO_MENTIONS
from bot.errors import UserFacingError
from bot.features.interaction import Interaction
from bot.features.lesson_option import LessonOption
from bot.features.moderation import is_moderator, require_guild
from bot.features.options import TimeOption, WhenOption
from bot.features.post_target import target_channel
from bot.limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME
from bot.render.status import WEEKDAYS, ScheduleLine, render_schedule_list, weekly_rule_text
from bot.render.timestamps import full_and_relative
from bot.scheduling.recurrence import (
    InvalidWhen,
    UnknownTimezone,
    next_weekly,
    parse_clock_time,
    parse_when_detailed,
    resolve_timezone,
)
from bot.services.dispatcher import DEFAULT_TAKEOVER_EVERY, Dispatcher
from bot.services.jobs import JobRunner
from bot.services.scheduled_posts import next_queued_lesson
from bot.store.rows import NewOnce, NewWeekly, Post, Schedule

if TYPE_CHECKING:
    from bot.app import StudyBot


def weekly_rule(schedule: Schedule) -> str | None:
    if schedule.kind != "weekly" or schedule.weekday is None or schedule.local_time is None:
        return None
    return weekly_rule_text(schedule.weekday, schedule.local_time, schedule.timezone)


class SchedulingCog(commands.Cog):
    schedule = app_commands.Group(
        name="schedule",
        description="Plan lesson posts (moderators).",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        # One dispatcher for every job: the posts and each discussion's reminder and close.
        self.jobs = JobRunner(bot)
        self.dispatcher = Dispatcher(
            bot.store.schedules,
            bot.clock,
            self.jobs.run,
            grace=bot.settings.missed_post_grace,
            shards=bot.own_servers,
            holder=bot.shard_plan.holder,
            # One process of several: another may die holding claims; look for them now and then.
            takeover_every=DEFAULT_TAKEOVER_EVERY if bot.own_servers is not None else None,
        )

    async def cog_load(self) -> None:
        self.dispatcher.start()

    async def cog_unload(self) -> None:
        await self.dispatcher.stop()

    @commands.Cog.listener()
    async def on_post_recorded(self, post: Post) -> None:
        """A recorded post scheduled its discussion's jobs and may have brought an earlier
        discussion's close forward: re-read before sleeping again."""
        self.dispatcher.notify_changed()

    @commands.Cog.listener()
    async def on_guild_forgotten(self, guild_id: int) -> None:
        """The server's schedules were deleted (the bot left it): stop holding them."""
        self.dispatcher.notify_changed()

    async def _zone(self, guild_id: int) -> ZoneInfo:
        stored = await self.bot.store.settings.get(guild_id)
        name = stored.timezone or self.bot.settings.default_timezone
        try:
            return resolve_timezone(name)
        except UnknownTimezone as error:
            raise UserFacingError(str(error)) from None

    @schedule.command(name="once", description="Post a lesson at a date and time in this server's time zone.")
    @app_commands.describe(
        lesson="The lesson to post",
        when="Local date and time: YYYY-MM-DD HH:MM",
        channel="Where to post (default: the server's lesson channel)",
    )
    @is_moderator()
    async def once(
        self,
        interaction: Interaction,
        lesson: LessonOption,
        when: WhenOption,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
    ) -> None:
        guild_id = require_guild(interaction)
        zone = await self._zone(guild_id)
        try:
            parsed = parse_when_detailed(when, zone, self.bot.clock.now())
        except InvalidWhen as error:
            raise UserFacingError(str(error)) from None
        target = await target_channel(self.bot, interaction, channel)
        created = await self.bot.store.schedules.create_once(
            NewOnce(
                guild_id=guild_id,
                channel_id=target.id,
                lesson_id=lesson.id,
                run_at=parsed.at,
                timezone=zone.key,
                created_by=interaction.user.id,
                created_at=self.bot.clock.now(),
            )
        )
        self.dispatcher.notify_changed()
        text = (
            f"Scheduled **{discord.utils.escape_markdown(lesson.title)}** in {target.mention} for "
            f"{full_and_relative(parsed.at)} (schedule #{created.id})."
        )
        if parsed.note:
            text += f"\n{parsed.note}"
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @schedule.command(
        name="weekly", description="Every week at a local time, post the next lesson of the queue."
    )
    @app_commands.describe(
        weekday="Day of the week",
        time="Local time, HH:MM (24-hour)",
        channel="Where to post (default: the server's lesson channel)",
    )
    @app_commands.choices(
        weekday=[app_commands.Choice(name=name, value=index) for index, name in enumerate(WEEKDAYS)]
    )
    @is_moderator()
    async def weekly(
        self,
        interaction: Interaction,
        weekday: app_commands.Choice[int],
        time: TimeOption,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
    ) -> None:
        guild_id = require_guild(interaction)
        try:
            at = parse_clock_time(time)
        except InvalidWhen as error:
            raise UserFacingError(str(error)) from None
        zone = await self._zone(guild_id)
        target = await target_channel(self.bot, interaction, channel)
        try:
            first = next_weekly(weekday.value, at, zone, self.bot.clock.now())
        except InvalidWhen as error:  # only at the very end of the calendar
            raise UserFacingError(str(error)) from None
        created = await self.bot.store.schedules.create_weekly(
            NewWeekly(
                guild_id=guild_id,
                channel_id=target.id,
                weekday=weekday.value,
                local_time=at,
                timezone=zone.key,
                first_run=first,
                created_by=interaction.user.id,
                created_at=self.bot.clock.now(),
            )
        )
        self.dispatcher.notify_changed()
        upcoming = await next_queued_lesson(self.bot, guild_id)
        queue_note = (
            f"First up: **{discord.utils.escape_markdown(upcoming.title)}**."
            if upcoming
            else "The queue is empty for now: add lessons before then, or I'll tell you when it comes."
        )
        await interaction.response.send_message(
            f"Every {weekday.name} at {at:%H:%M} ({zone.key}) I'll post the next lesson in {target.mention}. "
            f"First post: {full_and_relative(first)} (schedule #{created.id}). {queue_note}",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @schedule.command(name="list", description="Pending schedules with their next run, and any that failed.")
    @is_moderator()
    async def list_(self, interaction: Interaction) -> None:
        guild_id = require_guild(interaction)
        view = await self.bot.content.view(guild_id)
        lines = []
        for item in await self.bot.store.schedules.listable(guild_id):
            lesson = view.lesson(item.lesson_id) if item.lesson_id else None
            lines.append(
                ScheduleLine(
                    id=item.id,
                    kind=item.kind,
                    channel_id=item.channel_id,
                    next_run=item.next_run,
                    lesson_title=lesson.title if lesson else item.lesson_id,
                    state=item.state,
                    note=item.last_error,
                    weekly_rule=weekly_rule(item),
                )
            )
        await interaction.response.send_message(
            embed=discord.Embed.from_dict(render_schedule_list(lines)),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @schedule.command(name="cancel", description="Cancel a schedule.")
    @app_commands.describe(id="The schedule's number (start typing for suggestions)")
    @is_moderator()
    async def cancel(self, interaction: Interaction, id: int) -> None:
        if not await self.bot.store.schedules.cancel(require_guild(interaction), id):
            raise UserFacingError(f"There is no schedule #{id} to cancel in this server. See /schedule list.")
        effect = self.dispatcher.cancelled(id)
        self.dispatcher.notify_changed()
        if effect == "under way":
            text = (
                f"Schedule #{id} is cancelled, but its post due now was already going out and "
                "cannot be called back: delete it if it should not stay. Nothing more will be "
                "posted by this schedule."
            )
        else:
            text = f"Schedule #{id} is cancelled; nothing more will be posted by it."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @cancel.autocomplete("id")
    @is_moderator()  # the server's schedules are the moderators' business: members get no choices
    async def cancel_autocomplete(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        wanted = current.strip().lstrip("#").casefold()
        view = await self.bot.content.view(interaction.guild_id)
        choices = []
        # Missed and failed schedules too: cancelling is how a moderator clears them from the list.
        for item in await self.bot.store.schedules.listable(interaction.guild_id):
            lesson = view.lesson(item.lesson_id) if item.lesson_id else None
            what = lesson.title if lesson else "next in queue"
            when = weekly_rule(item) or (
                f"{item.next_run:%Y-%m-%d %H:%M} UTC" if item.next_run else item.state
            )
            name = f"#{item.id} {item.kind} · {when} · {what}"
            if wanted and wanted not in name.casefold():
                continue
            choices.append(app_commands.Choice(name=name[:CHOICE_NAME], value=item.id))
        return choices[:AUTOCOMPLETE_CHOICES]
