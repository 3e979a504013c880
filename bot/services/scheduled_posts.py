"""What the dispatcher calls when a schedule falls due: pick the lesson, post it, say what happened.

Discord's answers are sorted into the dispatcher's vocabulary: 429 and 5xx may pass (retry),
a deleted channel or a lost permission will not (the schedule fails with the reason, and the
moderators are told in the server).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.content.models import Lesson
from bot.errors import MissingBotPermissions
from bot.scheduling.queue import booked_lessons, lesson_queue
from bot.services.dispatcher import PermanentPostError, PostOutcome, RetryableError
from bot.services.guild_locks import GuildLocks
from bot.services.notices import tell_moderators
from bot.services.poster import PostNotRecorded, PostPlan, SentPost, post_lesson, record_eventually
from bot.services.remote_guild import job_guild
from bot.store.rows import Schedule

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


async def next_queued_lesson(bot: StudyBot, guild_id: int) -> Lesson | None:
    """The first lesson, in queue order, neither posted in this server nor booked by a one-off.

    A lesson a moderator scheduled for a date of its own is theirs to post then; the weekly
    queue moves on to the next one (as /lesson list shows it).
    """
    posted = await bot.store.posts.posted_lesson_ids(guild_id)
    booked = booked_lessons(await bot.store.schedules.pending(guild_id))
    view = await bot.content.view(guild_id)
    return next(iter(lesson_queue(view.lessons, posted, booked)), None)


async def lessons_awaiting_one_offs(bot: StudyBot, guild_id: int) -> int:
    """How many lessons, not posted here yet, the weekly queue skips because a pending one-off
    books them for a date of their own."""
    posted = await bot.store.posts.posted_lesson_ids(guild_id)
    booked = booked_lessons(await bot.store.schedules.pending(guild_id))
    view = await bot.content.view(guild_id)
    return sum(1 for lesson in view.lessons if lesson.id in booked and lesson.id not in posted)


def empty_queue_notice(schedule_id: int, awaiting_one_offs: int) -> str:
    """What the moderators read when a weekly schedule finds its queue empty; true whether every
    lesson was posted or some still wait for the one-offs that book them."""
    if awaiting_one_offs == 0:
        why = "every lesson has been posted here."
    else:
        waiting = (
            "1 lesson waits for its own date"
            if awaiting_one_offs == 1
            else f"{awaiting_one_offs} lessons wait for their own dates"
        )
        why = (
            "every lesson has been posted here or is booked by a one-off schedule "
            f"({waiting}; see /schedule list)."
        )
    return (
        f"Weekly schedule #{schedule_id} found no lesson left to post: {why} "
        "Add lessons and the next week's post will go out as planned."
    )


class ScheduledPoster:
    def __init__(self, bot: StudyBot, locks: GuildLocks | None = None) -> None:
        self.bot = bot
        # One post at a time per server: two weekly schedules due at the same instant must not
        # both take the same "next lesson of the queue" (shared with the discussions' jobs).
        self._guild_lock = locks or GuildLocks()

    async def post(self, schedule: Schedule, occurrence: datetime, nonce: str) -> PostOutcome:
        # The dispatcher starts in setup_hook, before the gateway has filled the guild cache; a
        # claim resumed at start-up must not take "no such guild yet" for "no longer in it".
        await self.bot.wait_until_ready()
        try:
            async with self._guild_lock(schedule.guild_id):
                return await self._post(schedule, occurrence, nonce)
        except PermanentPostError as error:
            # Whatever stops the schedule (deleted channel, lost permission, vanished lesson),
            # the moderators hear it in the server, not only in /schedule list.
            text = f"Schedule #{schedule.id} could not post: {error.reason}"
            try:
                await self._tell_moderators(schedule, text)
            except Exception:
                log.exception("Could not tell the moderators why schedule %d failed", schedule.id)
            raise error from None

    async def _post(self, schedule: Schedule, occurrence: datetime, nonce: str) -> PostOutcome:
        already = await self.bot.store.posts.for_occurrence(schedule.id, occurrence)
        if already is not None:  # recorded just before a crash: never post it twice
            return PostOutcome.sent(already.message_id, already.lesson_id)
        channel = await self._channel(schedule)
        lesson = await self._lesson(schedule)
        if lesson is None:
            awaiting = await lessons_awaiting_one_offs(self.bot, schedule.guild_id)
            text = empty_queue_notice(schedule.id, awaiting)
            await self._tell_moderators(schedule, text, channel)
            return PostOutcome.empty_queue(text)
        plan = PostPlan(
            nonce=nonce, schedule_id=schedule.id, occurrence=occurrence, requested_by=schedule.created_by
        )
        try:
            post = await post_lesson(self.bot, channel, lesson, plan)
        except PostNotRecorded as missing:
            # Discord has it: sent, never again. The record follows when the database lets it.
            self.bot.spawn(record_eventually(self.bot, missing.post), name="record-post")
            await self._tell_unrecorded(schedule, lesson, missing.post, channel)
            return PostOutcome.sent(missing.post.message_id, lesson.id)
        except MissingBotPermissions as error:
            raise PermanentPostError(str(error)) from None
        except discord.NotFound:
            raise PermanentPostError("The channel was deleted (or I can no longer see it).") from None
        except discord.Forbidden as error:
            reason = f"Discord refused the post ({error.text or 'Missing Permissions'})."
            raise PermanentPostError(reason) from None
        except discord.DiscordServerError as error:
            raise RetryableError(f"Discord answered {error.status}") from None
        except discord.RateLimited as error:
            raise RetryableError("Discord rate-limited the post", retry_after=error.retry_after) from None
        except (discord.HTTPException, OSError) as error:
            if isinstance(error, discord.HTTPException) and error.status < 500 and error.status != 429:
                raise PermanentPostError(f"Discord refused the post: {error.text or error.status}") from None
            raise RetryableError(f"Posting failed: {error}") from None
        return PostOutcome.sent(post.message_id, lesson.id)

    async def _guild(self, guild_id: int) -> discord.Guild | None:
        """The server: from the gateway's cache when it is one of this process's servers; else
        read over REST (a post taken over from the process of its shard, which died)."""
        try:
            return await job_guild(self.bot, guild_id)
        except (discord.HTTPException, OSError) as error:
            raise RetryableError(f"Could not read the server from Discord: {error}") from None

    async def _tell_unrecorded(
        self,
        schedule: Schedule,
        lesson: Lesson,
        post: SentPost,
        channel: discord.TextChannel | discord.ForumChannel,
    ) -> None:
        text = (
            f"Schedule #{schedule.id} posted **{discord.utils.escape_markdown(lesson.title)}** "
            f"(<#{post.thread_id}>), but my database could not record it just now: I keep trying, "
            "and it will not be posted again."
        )
        try:
            await self._tell_moderators(schedule, text, channel)
        except Exception:  # the database may still be down (the notice reads the settings)
            log.exception("Could not tell the moderators that schedule %d's post is unrecorded", schedule.id)

    async def _channel(self, schedule: Schedule) -> discord.TextChannel | discord.ForumChannel:
        guild = await self._guild(schedule.guild_id)
        if guild is None:
            raise PermanentPostError("I am no longer in that server.")
        if guild.unavailable:
            # A Discord outage: the server's channels are not known right now, not deleted.
            raise RetryableError("The server is unavailable on Discord's side right now.")
        channel = guild.get_channel(schedule.channel_id)
        if channel is None:
            raise PermanentPostError("The channel was deleted (or I can no longer see it).")
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise PermanentPostError("The channel is no longer a text or forum channel.")
        return channel

    async def _lesson(self, schedule: Schedule) -> Lesson | None:
        if schedule.kind == "once":
            assert schedule.lesson_id is not None
            lesson = (await self.bot.content.view(schedule.guild_id)).lesson(schedule.lesson_id)
            if lesson is None:
                raise PermanentPostError(
                    f"The lesson “{schedule.lesson_id}” no longer exists in the content."
                )
            return lesson
        return await next_queued_lesson(self.bot, schedule.guild_id)

    async def _tell_moderators(
        self,
        schedule: Schedule,
        text: str,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
    ) -> None:
        """Say it where moderators will see it (``notices.tell_moderators``), pinging only the
        moderator who made the schedule."""
        await tell_moderators(
            self.bot,
            schedule.guild_id,
            text,
            channel=channel,
            channel_id=schedule.channel_id,
            ping=schedule.created_by,
        )


__all__ = ["ScheduledPoster", "empty_queue_notice", "lessons_awaiting_one_offs", "next_queued_lesson"]
