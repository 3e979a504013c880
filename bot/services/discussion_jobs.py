"""What the dispatcher calls when a discussion's reminder or close falls due.

The **reminder** posts, in the lesson's thread, the question again with the replies so far and
a link to the article. The **close** posts the digest in the thread (replies, participants,
first-time participants, the most-reacted replies as links, the next lesson), then locks and
archives it. Nobody is pinged by either (``AllowedMentions.none()``).

The close reads the thread's messages from Discord rather than the store: their reactions are
only there (the bot does not ask for the reactions intent, which would send it every reaction in
every channel of every server, to count a few replies once a week), and the history is exact at
that moment even for replies the reply writer has not stored yet. First-time participants need
the rest of the server, which only the store has (``Replies.earliest``).

Exactly once: each message carries the job's nonce (Discord returns the first message for a
repeat within minutes), and a job resumed later first looks for its own message in the thread.
Without Manage Threads the digest still goes out, the thread is archived as its owner may, and
the moderators are told that it could not be locked.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.embeds import NO_MENTIONS
from bot.render.discussion import digest_title, render_digest, render_reminder
from bot.render.echo import escape_user_text
from bot.services.dispatcher import PermanentPostError, PostOutcome, RetryableError
from bot.services.guild_locks import GuildLocks
from bot.services.notices import tell_moderators
from bot.services.participation import posted_lesson, reply_record, titles
from bot.services.remote_guild import job_guild
from bot.services.scheduled_posts import next_queued_lesson
from bot.stats.digest import digest_figures
from bot.stats.participation import lesson_figures
from bot.stats.records import LessonActivity, PostedLesson, ReplyRecord
from bot.store.rows import Post, Schedule

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

_LOOKBACK = 50  # the thread's newest messages searched for a job's own earlier message


class DiscussionJobs:
    """Runs ``remind`` and ``close`` jobs (``run`` is what the job router calls)."""

    def __init__(self, bot: StudyBot, locks: GuildLocks | None = None) -> None:
        self.bot = bot
        self._locks = locks or GuildLocks()

    async def run(self, job: Schedule, occurrence: datetime, nonce: str) -> PostOutcome:
        # Started in setup_hook: a job resumed at start-up waits for the guild cache.
        await self.bot.wait_until_ready()
        async with self._locks(job.guild_id), _discord_errors():
            post = await self.bot.store.posts.get(job.post_id) if job.post_id is not None else None
            if post is None or post.thread_id is None:
                return PostOutcome.skipped("The lesson post of this discussion is no longer recorded.")
            thread = await self._thread(post)
            if thread is None:
                return PostOutcome.skipped("The discussion thread no longer exists.")
            lesson = posted_lesson(post, (await titles(self.bot, post.guild_id, [post]))[post.lesson_id])
            if job.kind == "remind":
                return await self._remind(thread, post, lesson, nonce)
            if job.kind == "close":
                return await self._close(job, thread, post, lesson, nonce)
            raise PermanentPostError(f"A discussion job of kind {job.kind!r} is unknown to this bot.")

    async def _thread(self, post: Post) -> discord.Thread | None:
        guild = await job_guild(self.bot, post.guild_id)  # Discord's errors: _discord_errors
        if guild is None:
            raise PermanentPostError("I am no longer in that server.")
        if guild.unavailable:
            raise RetryableError("The server is unavailable on Discord's side right now.")
        assert post.thread_id is not None
        cached = guild.get_thread(post.thread_id)
        if cached is not None:
            return cached
        try:  # archived threads are not in the cache
            fetched = await guild.fetch_channel(post.thread_id)
        except discord.NotFound:
            return None
        return fetched if isinstance(fetched, discord.Thread) else None

    # --- the reminder ------------------------------------------------------------------------

    async def _remind(
        self, thread: discord.Thread, post: Post, lesson: PostedLesson, nonce: str
    ) -> PostOutcome:
        if thread.locked:
            return PostOutcome.skipped("The discussion thread was locked; no reminder.")
        if post.closes_at is None:
            return PostOutcome.skipped("The discussion has no end, so no reminder.")
        rows = await self.bot.store.replies.activity(post.guild_id, thread_ids=[thread.id])
        figures = lesson_figures(LessonActivity(lesson, tuple(reply_record(r) for r in rows)))
        known = (await self.bot.content.view(post.guild_id)).lesson(post.lesson_id)
        embed = render_reminder(known.prompt if known else "", figures, closes_at=post.closes_at)
        earlier = await _own_message(thread, embed["title"])
        if earlier is not None:
            return PostOutcome.sent(earlier.id, post.lesson_id)
        sent = await thread.send(
            embed=discord.Embed.from_dict(embed), nonce=nonce, allowed_mentions=NO_MENTIONS
        )
        log.info("Reminded the discussion of %s in thread %d.", post.lesson_id, thread.id)
        return PostOutcome.sent(sent.id, post.lesson_id)

    # --- the close and its digest ------------------------------------------------------------

    async def _close(
        self, job: Schedule, thread: discord.Thread, post: Post, lesson: PostedLesson, nonce: str
    ) -> PostOutcome:
        replies, digest = await self._read_thread(thread, post, digest_title(lesson.title))
        if digest is None:
            authors = {r.author_id for r in replies}
            earliest = await self.bot.store.replies.earliest(
                post.guild_id, authors, excluding_thread=thread.id
            )
            figures = digest_figures(LessonActivity(lesson, tuple(replies)), earliest)
            at, next_title = await self._next_lesson(post)
            embed = render_digest(figures, lesson, next_lesson_at=at, next_lesson_title=next_title)
            digest = await thread.send(
                embed=discord.Embed.from_dict(embed), nonce=nonce, allowed_mentions=NO_MENTIONS
            )
        await self._lock_and_archive(job, thread, lesson)
        log.info("Closed the discussion of %s in thread %d.", post.lesson_id, thread.id)
        return PostOutcome.sent(digest.id, post.lesson_id)

    async def _read_thread(
        self, thread: discord.Thread, post: Post, digest_title: str
    ) -> tuple[list[ReplyRecord], discord.Message | None]:
        """The members' replies with their reaction counts, and the digest if one is already there.

        Without Read Message History, the stored replies (no reactions) stand in.
        """
        me = thread.guild.me
        replies: list[ReplyRecord] = []
        digest: discord.Message | None = None
        try:
            async for message in thread.history(limit=None, oldest_first=True):
                if message.author.id == me.id and _title(message) == digest_title:
                    digest = message
                # A member's reply, as the collector keeps them: not a bot's, not a Discord notice.
                if not message.author.bot and not message.is_system():
                    replies.append(
                        ReplyRecord(
                            message.author.id,
                            message.author.display_name,
                            message.id,
                            message.created_at,
                            sum(r.count for r in message.reactions),
                        )
                    )
        except discord.Forbidden:
            log.warning("Cannot read thread %d's history: the digest counts no reactions.", thread.id)
            rows = await self.bot.store.replies.activity(post.guild_id, thread_ids=[thread.id])
            return [reply_record(r) for r in rows], None
        return replies, digest

    async def _next_lesson(self, post: Post) -> tuple[datetime | None, str | None]:
        """The lesson after this one: the next post in the same channel if there already is one
        (it is what closed this discussion early), else the next scheduled post of the channel,
        else of the server."""
        later = [
            p
            for p in await self.bot.store.posts.in_guild(post.guild_id)
            if p.channel_id == post.channel_id and (p.posted_at, p.id) > (post.posted_at, post.id)
        ]
        if later:
            return later[0].posted_at, (await titles(self.bot, post.guild_id, later[:1]))[later[0].lesson_id]
        pending = [s for s in await self.bot.store.schedules.pending(post.guild_id) if s.next_run is not None]
        same_channel = [s for s in pending if s.channel_id == post.channel_id]
        upcoming = (same_channel or pending)[:1]
        if not upcoming:
            return None, None
        schedule = upcoming[0]
        if schedule.kind == "once" and schedule.lesson_id is not None:
            lesson = (await self.bot.content.view(post.guild_id)).lesson(schedule.lesson_id)
        else:
            lesson = await next_queued_lesson(self.bot, post.guild_id)
        return schedule.next_run, lesson.title if lesson is not None else None

    async def _lock_and_archive(self, job: Schedule, thread: discord.Thread, lesson: PostedLesson) -> None:
        """Lock and archive; without Manage Threads archive only (as its owner) and tell the moderators."""
        if thread.locked and thread.archived:
            return  # an earlier attempt closed it before the bot stopped
        if thread.archived:
            # Discord lets an archived thread only be reopened: reopen it to lock it (an earlier
            # attempt archived it, and its digest, found in the history, reopened nothing).
            await thread.edit(archived=False)
        try:
            await thread.edit(locked=True, archived=True)
            return
        except discord.Forbidden:
            pass
        archived = True
        try:
            await thread.edit(archived=True)
        except discord.Forbidden:
            archived = False
        what = (
            "archived it, but members can reopen it by replying"
            if archived
            else "could not archive it either"
        )
        text = (
            f"The discussion of **{escape_user_text(lesson.title)}** is over and its digest is posted in "
            f"{thread.mention}, but I could not lock the thread: I need the Manage Threads permission "
            f"there. I {what}."
        )
        await tell_moderators(
            self.bot, job.guild_id, text, channel_id=job.channel_id, ping=job.created_by or None
        )


def _title(message: discord.Message) -> str | None:
    return message.embeds[0].title if message.embeds else None


async def _own_message(thread: discord.Thread, title: str) -> discord.Message | None:
    """The bot's message titled ``title`` among the thread's newest: a job resumed after a crash
    finds what an earlier attempt sent (Discord's nonce only dedupes for minutes)."""
    me = thread.guild.me
    try:
        async for message in thread.history(limit=_LOOKBACK):
            if message.author.id == me.id and _title(message) == title:
                return message
    except discord.Forbidden:
        pass  # without history access the nonce is the only guard
    return None


@asynccontextmanager
async def _discord_errors() -> AsyncIterator[None]:
    """Discord's answers in the dispatcher's words: 429 and 5xx may pass, the rest will not."""
    try:
        yield
    except discord.Forbidden as error:
        raise PermanentPostError(f"Discord refused: {error.text or 'Missing Permissions'}.") from None
    except discord.DiscordServerError as error:
        raise RetryableError(f"Discord answered {error.status}") from None
    except discord.RateLimited as error:
        raise RetryableError("Discord rate-limited the request", retry_after=error.retry_after) from None
    except (discord.HTTPException, OSError) as error:
        if isinstance(error, discord.HTTPException) and error.status < 500 and error.status != 429:
            raise PermanentPostError(f"Discord refused: {error.text or error.status}") from None
        raise RetryableError(f"The request failed: {error}") from None


__all__ = ["DiscussionJobs"]
