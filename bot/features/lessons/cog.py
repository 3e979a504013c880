"""Reading lessons (/lesson show, /lesson list, for everyone) and posting one now (/post, moderators).

/post is a top-level command of its own, not a /lesson subcommand: Discord hides a command from
members by ``default_permissions`` per top-level command only, so a group never mixes members'
and moderators' commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import NO_MENTIONS, to_embeds
from bot.errors import UserFacingError
from bot.features.interaction import Interaction
from bot.features.lesson_option import LessonOption, find_lesson
from bot.features.moderation import is_moderator, require_guild
from bot.features.post_target import target_channel
from bot.render.lesson import render_lesson
from bot.render.status import render_lesson_list
from bot.scheduling.queue import booked_lessons, lesson_states
from bot.services.poster import PostNotRecorded, PostPlan, post_lesson, record_eventually

if TYPE_CHECKING:
    from bot.app import StudyBot


class LessonsCog(commands.Cog):
    lesson = app_commands.Group(
        name="lesson", description="The study group's weekly lessons.", guild_only=True
    )

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @lesson.command(name="show", description="Show a lesson as it was posted (default: the latest one here).")
    @app_commands.describe(lesson="The lesson (start typing for suggestions)")
    async def show(self, interaction: Interaction, lesson: LessonOption | None = None) -> None:
        guild_id = require_guild(interaction)
        view = await self.bot.content.view(guild_id)
        chosen = lesson
        if chosen is None:
            latest = await self.bot.store.posts.latest(guild_id)
            if latest is None:
                raise UserFacingError("No lesson has been posted in this server yet. Try /lesson list.")
            chosen = find_lesson(view, latest.lesson_id)
        earlier = await self.bot.store.posts.for_lesson(guild_id, chosen.id)
        post = earlier[-1] if earlier else None
        rendered = render_lesson(chosen, view.concept_of(chosen))
        note = (
            f"Discussion: <#{post.thread_id}>"
            if post and post.thread_id
            else "Not posted in this server yet."
        )
        first, *rest = rendered.messages
        await interaction.response.send_message(
            note, embeds=to_embeds(first), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        for embeds in rest:
            await interaction.followup.send(
                embeds=to_embeds(embeds), ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    @lesson.command(name="list", description="Lessons and their state here: posted, scheduled or queued.")
    async def list_(self, interaction: Interaction) -> None:
        guild_id = require_guild(interaction)
        posted = {p.lesson_id: p.posted_at for p in await self.bot.store.posts.in_guild(guild_id)}
        pending = await self.bot.store.schedules.pending(guild_id)
        view = await self.bot.content.view(guild_id)
        states = lesson_states(
            view.lessons,
            posted,
            booked_lessons(pending),
            [s.next_run for s in pending if s.kind == "weekly" and s.next_run],
        )
        await interaction.response.send_message(
            embed=discord.Embed.from_dict(render_lesson_list(states, {s.id for s in view.own.lessons})),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(
        name="post", description="Post a lesson now, with its discussion thread (moderators)."
    )
    @app_commands.describe(
        lesson="The lesson to post", channel="Where to post (default: the server's lesson channel)"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @is_moderator()
    async def post(
        self,
        interaction: Interaction,
        lesson: LessonOption,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
    ) -> None:
        target = await target_channel(self.bot, interaction, channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        title = discord.utils.escape_markdown(lesson.title)
        try:
            post = await post_lesson(self.bot, target, lesson, PostPlan(requested_by=interaction.user.id))
        except PostNotRecorded as missing:
            self.bot.spawn(record_eventually(self.bot, missing.post), name="record-post")
            await interaction.followup.send(
                f"Posted **{title}** in {target.mention}; the discussion is in "
                f"<#{missing.post.thread_id}>. But my database could not record the post just now "
                "(it is busy or unavailable): I keep trying. Until it is recorded, the weekly queue "
                "does not count this lesson as posted here; do not post it again.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await interaction.followup.send(
            f"Posted **{title}** in {target.mention}; the discussion is in <#{post.thread_id}>.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
