"""Posting a lesson: the article, its discussion thread, the question, the record.

Used by /lesson post and by the scheduler. Permissions are checked before the first request so
that nothing half-happens, and every request can carry a nonce so that a post retried after a
crash is recognised by Discord instead of sent twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.content.models import Lesson
from bot.errors import MissingBotPermissions, UserFacingError
from bot.features.embeds import NO_MENTIONS, to_embeds
from bot.render.lesson import LessonPost, render_lesson
from bot.store import posts
from bot.store.posts import Post

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

PostableChannel = discord.TextChannel | discord.ForumChannel

# Permission attribute -> the name a server admin sees in Discord's settings.
_TEXT_NEEDS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}
_FORUM_NEEDS = {
    "view_channel": "View Channel",
    "send_messages": "Create Posts",
    "embed_links": "Embed Links",
    "send_messages_in_threads": "Send Messages in Posts",
}
_THREAD_ALREADY_CREATED = 160004


@dataclass(frozen=True, slots=True)
class PostPlan:
    """What identifies one attempt at a post, so a retry can be recognised."""

    nonce: str | None = None
    schedule_id: int | None = None
    occurrence: datetime | None = None


def missing_permissions(channel: PostableChannel, me: discord.Member) -> list[str]:
    """The permissions the bot lacks to post a lesson in ``channel``, in Discord's own words."""
    needs = _FORUM_NEEDS if isinstance(channel, discord.ForumChannel) else _TEXT_NEEDS
    granted = channel.permissions_for(me)
    return [label for attribute, label in needs.items() if not getattr(granted, attribute)]


def check_can_post(channel: PostableChannel) -> None:
    missing = missing_permissions(channel, channel.guild.me)
    if missing:
        raise MissingBotPermissions(channel.mention, missing)


async def post_lesson(
    bot: StudyBot, channel: PostableChannel, lesson: Lesson, plan: PostPlan = PostPlan()
) -> Post:
    check_can_post(channel)
    rendered = render_lesson(lesson, bot.library.glossary.get(lesson.concept))
    if isinstance(channel, discord.ForumChannel):
        message, thread = await _forum_post(channel, rendered, plan)
    else:
        message, thread = await _text_post(channel, rendered, plan)
    post = await posts.record_post(
        bot.db,
        guild_id=channel.guild.id,
        channel_id=channel.id,
        message_id=message.id,
        thread_id=thread.id,
        lesson_id=lesson.id,
        posted_at=bot.clock.now(),
        schedule_id=plan.schedule_id,
        occurrence=plan.occurrence,
    )
    bot.collector.track(thread.id)
    log.info(
        "Posted lesson %s in #%s (guild %s), thread %s.", lesson.id, channel.name, channel.guild.id, thread.id
    )
    return post


def _nonce(plan: PostPlan, part: str) -> str | None:
    return None if plan.nonce is None else f"{plan.nonce}{part}"[:25]


async def _text_post(
    channel: discord.TextChannel, rendered: LessonPost, plan: PostPlan
) -> tuple[discord.Message, discord.Thread]:
    first: discord.Message | None = None
    for index, embeds in enumerate(rendered.messages):
        sent = await _send(channel, embeds=to_embeds(embeds), nonce=_nonce(plan, f"m{index}"))
        first = first or sent
    assert first is not None, "render_lesson always yields at least one message"
    try:
        thread = await first.create_thread(name=rendered.thread_name)
    except discord.HTTPException as error:
        if error.code != _THREAD_ALREADY_CREATED:
            raise
        # A retry after a crash: the thread exists already and has the message's id.
        thread = channel.guild.get_thread(first.id) or await channel.guild.fetch_channel(first.id)  # type: ignore[assignment]
    await _send(thread, content=rendered.prompt_message, nonce=_nonce(plan, "q"))
    return first, thread


async def _forum_post(
    channel: discord.ForumChannel, rendered: LessonPost, plan: PostPlan
) -> tuple[discord.Message, discord.Thread]:
    if plan.nonce is not None:
        existing = _existing_forum_post(channel, rendered.thread_name, plan)
        if existing is not None:
            return existing
    created = await channel.create_thread(
        name=rendered.thread_name, embeds=to_embeds(rendered.messages[0]), allowed_mentions=NO_MENTIONS
    )
    for index, embeds in enumerate(rendered.messages[1:], start=1):
        await _send(created.thread, embeds=to_embeds(embeds), nonce=_nonce(plan, f"m{index}"))
    await _send(created.thread, content=rendered.prompt_message, nonce=_nonce(plan, "q"))
    return created.message, created.thread


def _existing_forum_post(
    channel: discord.ForumChannel, name: str, plan: PostPlan
) -> tuple[discord.Message, discord.Thread] | None:
    """A forum post this schedule already made (forum posts take no nonce, so look for it)."""
    if plan.occurrence is None:
        return None
    me = channel.guild.me
    for thread in channel.threads:
        created_at = thread.created_at
        if thread.owner_id == me.id and thread.name == name and created_at and created_at >= plan.occurrence:
            starter = thread.starter_message or thread.get_partial_message(thread.id)
            return starter, thread  # type: ignore[return-value]
    return None


async def _send(
    target: discord.abc.Messageable,
    *,
    content: str | None = None,
    embeds: list[discord.Embed] | None = None,
    nonce: str | None = None,
) -> discord.Message:
    if nonce is None:
        return await target.send(content=content, embeds=embeds or [], allowed_mentions=NO_MENTIONS)
    return await target.send(content=content, embeds=embeds or [], nonce=nonce, allowed_mentions=NO_MENTIONS)


def resolve_postable(channel: object) -> PostableChannel:
    if isinstance(channel, discord.TextChannel | discord.ForumChannel):
        return channel
    raise UserFacingError("Lessons can be posted in a text channel or a forum channel only.")
