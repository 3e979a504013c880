"""Collecting a lesson thread's replies, the moderators' /export and everyone's /stats.

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
from bot.render.status import render_stats
from bot.services.poster import PostedLesson
from bot.store.reply_writer import ReplyWriter
from bot.store.rows import Post

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


class DiscussionCog(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        self.writer = ReplyWriter(bot.store.replies)
        self.collector = ReplyCollector(
            self.writer, bot.store.posts, bot.store.replies, shards=bot.own_servers
        )
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

    # -- gaps: times the bot may have missed messages, and reading them back ------------------------
    @commands.Cog.listener()
    async def on_connect(self) -> None:
        """A READY, never a RESUME: Discord replays nothing of a session it could not resume.

        discord.py dispatches this as it parses READY, so this runs before any event of the new
        session is handled, and the threads' reading points are those of before the gap."""
        self.collector.gap()

    @commands.Cog.listener()
    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        """A server outage: its events are not delivered until it is back."""
        self.collector.gap(guild.id)

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
            await backfill_all(self.bot, self.collector)
            if not self._backfill_again:
                return

    @commands.Cog.listener()
    async def on_lesson_posted(self, posted: PostedLesson) -> None:
        self.collector.track(posted.thread_id, posted.guild_id)

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

    @app_commands.command(name="stats", description="Replies, participants and the most active members.")
    @app_commands.describe(lesson="One lesson (default: all lessons posted here)")
    @app_commands.guild_only()
    async def stats(self, interaction: Interaction, lesson: LessonOption | None = None) -> None:
        guild_id = require_guild(interaction)
        # A refusal (a lesson not posted here) comes before the public deferral: after it, the
        # answer would be public, and a refusal is for the member alone.
        post = await self._post(guild_id, lesson) if lesson is not None else None
        await interaction.response.defer(thinking=True)  # the flush may wait on a burst of writes
        await self.writer.flush()
        if post is None:
            figures = await self.bot.store.replies.stats(guild_id, None)
            title = "Discussion statistics: all lessons"
        else:
            threads = [p.thread_id for p in await self.bot.store.posts.for_lesson(guild_id, post.lesson_id)]
            figures = await self.bot.store.replies.stats(guild_id, [t for t in threads if t is not None])
            known = (await self.bot.content.view(guild_id)).lesson(post.lesson_id)
            title = f"Discussion statistics: {known.title if known else post.lesson_id}"
        embed = render_stats(
            title[:256],
            figures.replies,
            figures.participants,
            [(a.author_id, a.author_name, a.replies) for a in figures.top],
        )
        await interaction.followup.send(embed=discord.Embed.from_dict(embed), allowed_mentions=NO_MENTIONS)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("The backfill failed.", exc_info=task.exception())
