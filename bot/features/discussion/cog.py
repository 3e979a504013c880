"""Collecting a lesson thread's replies, the moderators' /export and everyone's /stats.

/stats answers from the store through ``bot.services.participation`` and the pure maths of
``bot.stats``: without options the chart of the server's last 12 lessons (a PNG drawn in a
worker process, ``ChartDrawer``) with its figures as text and as the image's description; with
``lesson:`` that lesson; with ``member:`` that member's replies and streaks. Names are shown as
text, never as pings.

/export and /stats are top-level commands: Discord hides a command from members by
``default_permissions`` per top-level command only, so each is for moderators or for everyone.

The feature owns its parts: the cog makes the reply writer and collector, starts them when it is
loaded (before the bot connects, so the collector knows every recorded thread before the first
live reply), backfills after every READY (the first: what was written while the bot was offline;
later ones: what was written while its session was lost) and after a server outage, and flushes
everything when it is unloaded (discord.py unloads the extensions when the bot closes). It hears
about new lesson threads through the ``lesson_posted`` event.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.content.models import Lesson
from bot.embeds import NO_MENTIONS
from bot.errors import UserFacingError
from bot.features.discussion.backfill import backfill_all
from bot.features.discussion.collector import ReplyCollector
from bot.features.interaction import Interaction
from bot.features.lesson_option import LessonOption
from bot.features.moderation import is_moderator, require_guild
from bot.render.export import replies_csv, replies_markdown
from bot.render.series import series_rows
from bot.render.stats import (
    CHART_FILENAME,
    chart_alt_text,
    render_lesson_stats,
    render_member_stats,
    render_server_stats,
)
from bot.services.charts import ChartDrawer
from bot.services.participation import lesson_history
from bot.services.poster import PostedLesson
from bot.services.windows import server_zone
from bot.stats.participation import CHART_LESSONS, lesson_figures, lesson_series, most_active
from bot.stats.streaks import member_figures
from bot.store import spill_path
from bot.store.reply_writer import ReplyWriter
from bot.store.rows import Post

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

STATS_RATE = 2  # /stats answers per member and server ...
STATS_PER = 30.0  # ... within this many seconds


class DiscussionCog(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        tag = "" if bot.own_servers is None else bot.shard_plan.holder
        self.writer = ReplyWriter(bot.store.replies, spill_path=spill_path(bot.settings.database_url, tag))
        self.collector = ReplyCollector(
            self.writer, bot.store.posts, bot.store.replies, shards=bot.own_servers
        )
        self.charts = ChartDrawer()  # its worker process starts with the first chart
        self._backfill: asyncio.Task[None] | None = None
        self._backfill_again = False  # more threads became waiting while a backfill ran
        self._ready_once = False

    async def cog_load(self) -> None:
        self.writer.start()
        threads = await self.collector.load()
        log.info("Collecting the replies of %d lesson thread(s).", threads)

    async def cog_unload(self) -> None:
        """Stop the backfill and store every reply still queued, before the connection goes."""
        if self._backfill is not None and not self._backfill.done():
            self._backfill.cancel()
            await asyncio.wait({self._backfill})  # never raises: a failure is logged by _log_failure
        await self.writer.close()
        await self.charts.close()

    # -- gaps: times the bot may have missed messages, and reading them back ------------------------
    @commands.Cog.listener()
    async def on_shard_connect(self, shard_id: int) -> None:
        """A shard's READY, never a RESUME: Discord replays nothing of a session it could not
        resume, so the threads of that shard's servers are to be read from before the gap.

        discord.py dispatches this as it parses READY, so this runs before any event of the new
        session is handled, and the threads' reading points are those of before the gap."""
        count = self.bot.shard_count or 1
        self.collector.gap({g for g in self.collector.guilds() if (g >> 22) % count == shard_id})

    @commands.Cog.listener()
    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        """A server outage: its events are not delivered until it is back."""
        self.collector.gap({guild.id})

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard's servers are known again (after its first READY, or one that Discord could
        not resume; when the bot runs one shard, ``on_ready`` follows as well)."""
        if self._ready_once:
            self._start_backfill()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self._ready_once = True
        self._start_backfill()

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        if self._ready_once:  # before the first READY completes, on_ready covers every server
            self._start_backfill()

    def _start_backfill(self) -> None:
        """Read the waiting threads; if a backfill is running, it goes round once more."""
        if self._backfill is not None and not self._backfill.done():
            self._backfill_again = True
            return
        self._backfill = asyncio.get_running_loop().create_task(self._run_backfill(), name="backfill")
        self._backfill.add_done_callback(_log_failure)

    async def _run_backfill(self) -> None:
        while True:
            self._backfill_again = False
            await self._forget_servers_left()
            await backfill_all(self.bot, self.collector)
            if not self._backfill_again:
                return

    # -- servers the bot left: it keeps nothing of them ------------------------------------------
    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """GUILD_DELETE without ``unavailable``: the bot was removed (an outage is
        ``on_guild_unavailable``)."""
        await self._forget_server(guild.id)

    async def _forget_servers_left(self) -> None:
        """Once every shard is ready, the servers of recorded threads (this process's servers)
        that no READY listed are servers the bot left while it was not listening (a READY lists
        a server in an outage as unavailable)."""
        if not self.bot.is_ready():
            return
        for guild_id in sorted(self.collector.guilds()):
            if self.bot.get_guild(guild_id) is None:
                await self._forget_server(guild_id)

    async def _forget_server(self, guild_id: int) -> None:
        """Stop collecting the server's threads, store what was queued, then delete everything
        stored about the server; other features hear it as ``on_guild_forgotten(guild_id)``."""
        self.collector.untrack_guild(guild_id)
        await self.writer.flush()
        await self.bot.store.forget_guild(guild_id)
        log.info("Left server %s: its settings, schedules, posts and replies are deleted.", guild_id)
        self.bot.dispatch("guild_forgotten", guild_id)

    @commands.Cog.listener()
    async def on_lesson_posted(self, posted: PostedLesson) -> None:
        self.collector.track(posted.thread_id, posted.guild_id, posted.channel_id)
        # A thread open while no process listened: read what was written in it.
        if posted.resumed and self.collector.unheard(posted.thread_id):
            self._start_backfill()

    # The collection path: every event goes straight to the collector, which batches the writes.
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        self.collector.on_message(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        self.collector.on_raw_message_edit(payload)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        self.collector.on_raw_message_delete(payload)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        self.collector.on_raw_bulk_message_delete(payload)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        self.collector.on_raw_thread_delete(payload)

    async def _post(self, guild_id: int, lesson: Lesson | None) -> Post:
        if lesson is None:
            latest = await self.bot.store.posts.latest(guild_id)
            if latest is None:
                raise UserFacingError(
                    "No lesson has been posted in this server yet, so there is no discussion."
                )
            return latest
        found = await self.bot.store.posts.for_lesson(guild_id, lesson.id)
        if not found:
            raise UserFacingError(
                "That lesson has not been posted in this server, so there is no discussion."
            )
        return found[-1]

    @app_commands.command(
        name="export", description="Download a lesson thread's replies as a file (moderators)."
    )
    @app_commands.describe(lesson="The lesson (default: the latest posted)", format="csv or markdown")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @is_moderator()
    async def export(
        self,
        interaction: Interaction,
        lesson: LessonOption | None = None,
        format: Literal["csv", "markdown"] = "csv",
    ) -> None:
        post = await self._post(require_guild(interaction), lesson)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.writer.flush()
        rows = await self.bot.store.replies.for_thread(post.thread_id) if post.thread_id else []
        known = (await self.bot.content.view(post.guild_id)).lesson(post.lesson_id)
        title = known.title if known else post.lesson_id
        if format == "csv":
            text, filename = replies_csv(rows), f"{post.lesson_id}-replies.csv"
        else:
            prompt = known.prompt if known else ""
            text, filename = replies_markdown(title, prompt, rows), f"{post.lesson_id}-replies.md"
        await interaction.followup.send(
            f"{len(rows)} replies from the discussion of **{discord.utils.escape_markdown(title)}**.",
            file=discord.File(io.BytesIO(text.encode("utf-8")), filename=filename),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(
        name="stats", description="Participation: this server's lessons, one lesson, or a member."
    )
    @app_commands.describe(
        lesson="One lesson: its replies, participants and most active members",
        member="One member: their replies, lessons answered and streaks",
    )
    @app_commands.guild_only()
    # Each member of each server may ask STATS_RATE times per STATS_PER seconds: the answer reads
    # the database, and a member repeating it must not hold it for everyone else.
    @app_commands.checks.cooldown(STATS_RATE, STATS_PER, key=lambda i: (i.guild_id, i.user.id))
    async def stats(
        self,
        interaction: Interaction,
        lesson: LessonOption | None = None,
        member: discord.Member | None = None,
    ) -> None:
        guild_id = require_guild(interaction)
        # Refusals come before the public deferral: after it, the answer would be public, and a
        # refusal is for the member alone.
        if lesson is not None and member is not None:
            raise UserFacingError("Ask about a lesson or about a member, not both at once.")
        post = await self._post(guild_id, lesson) if lesson is not None else None
        await interaction.response.defer(thinking=True)  # the flush may wait on a burst of writes
        await self.writer.flush()
        if post is not None:
            await self._lesson_stats(interaction, post)
        elif member is not None:
            await self._member_stats(interaction, guild_id, member)
        else:
            await self._server_stats(interaction, guild_id)

    async def _lesson_stats(self, interaction: Interaction, post: Post) -> None:
        [activity] = await lesson_history(self.bot, post.guild_id, [post])
        embed = render_lesson_stats(lesson_figures(activity), most_active(activity.replies))
        await interaction.followup.send(embed=discord.Embed.from_dict(embed), allowed_mentions=NO_MENTIONS)

    async def _member_stats(self, interaction: Interaction, guild_id: int, member: discord.Member) -> None:
        posts = await self.bot.store.posts.in_guild(guild_id)
        history = await lesson_history(self.bot, guild_id, posts, author_id=member.id)
        figures = member_figures(history, member.id, now=self.bot.clock.now())
        embed = render_member_stats(member.display_name, figures)
        await interaction.followup.send(embed=discord.Embed.from_dict(embed), allowed_mentions=NO_MENTIONS)

    async def _server_stats(self, interaction: Interaction, guild_id: int) -> None:
        posts = (await self.bot.store.posts.in_guild(guild_id))[-CHART_LESSONS:]
        history = await lesson_history(self.bot, guild_id, posts)
        zone = server_zone(self.bot, await self.bot.store.settings.get(guild_id))
        rows = series_rows(lesson_series(history), zone)
        embed = discord.Embed.from_dict(render_server_stats(rows))
        if not rows:
            await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS)
            return
        png = await self.charts.draw(rows)
        chart = discord.File(io.BytesIO(png), filename=CHART_FILENAME, description=chart_alt_text(rows))
        await interaction.followup.send(embed=embed, file=chart, allowed_mentions=NO_MENTIONS)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("The backfill failed.", exc_info=task.exception())
