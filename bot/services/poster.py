"""Posting a lesson: the article, its discussion thread, the question, the record, the pin.

Used by /post and by the scheduler. Permissions are checked before the first request so
that nothing half-happens, and every request can carry a nonce so that a post retried after a
crash is recognised by Discord instead of sent twice. Whoever cares about new lessons (reply
collection) hears of them through the ``lesson_posted`` bot event.

Recording the post opens its discussion window (``/settings discussion``, read now): the store
schedules its reminder and close, and closes the discussion still open in the same channel. The
``post_recorded`` bot event (listeners: ``on_post_recorded(post)``) then tells the dispatcher
that its jobs changed.

With a ping role set, the post's first message mentions that role (the only mention the bot
ever allows in a post) and carries the **Notify me** button. Once recorded, the post is pinned
and the previous one in its channel unpinned (``pins``), best effort.

Once Discord has accepted a post, it is never sent again because the database failed to record
it: recording is retried with backoff (``record_post``), and past that the caller gets
``PostNotRecorded``, says so, and leaves ``record_eventually`` trying in the background.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.content.models import Lesson
from bot.embeds import NO_MENTIONS, to_embeds
from bot.errors import MissingBotPermissions, UserFacingError
from bot.render.lesson import LessonPost, render_lesson
from bot.services.notify_me import notify_me_view
from bot.services.ping_role import role_to_ping
from bot.services.pins import pin_current
from bot.services.windows import window_for
from bot.store.rows import NewPost, Post

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
# Waits between attempts at recording a post Discord accepted: about a minute in all, longer than
# SQLite's 5 s busy timeout and than a backup's usual lock; then the caller is told, and the
# background keeps trying (``record_eventually``, every minute at most).
RECORD_RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
_BACKGROUND_CAP = 60.0


@dataclass(frozen=True, slots=True)
class SentPost:
    """A post Discord has accepted: its ids, and how to make its record (``build`` reads the
    server's settings for the discussion window, so it may fail with the database too)."""

    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int
    lesson_id: str
    build: Callable[[], Awaitable[NewPost]]


class PostNotRecorded(Exception):
    """Discord accepted the post (``post`` holds its ids), but the database could not record it
    within the retries. The post must not be sent again; ``record_eventually`` records it."""

    def __init__(self, post: SentPost, cause: BaseException) -> None:
        super().__init__(f"lesson {post.lesson_id} was posted as message {post.message_id} but not recorded")
        self.post = post
        self.cause = cause


@dataclass(frozen=True, slots=True)
class PostedLesson:
    """What the ``lesson_posted`` event carries (listeners: ``on_lesson_posted(posted)``).

    It is dispatched the moment the lesson's discussion thread exists, before the question is
    asked in it and before the post is recorded: members may answer at once, and a listener that
    keeps replies must know the thread by then. A post resumed after a crash announces its thread
    again, so listeners treat a repeat as nothing new; ``resumed`` says the thread was already
    there (opened by the interrupted attempt), so members may have answered in it while no
    process was listening.
    """

    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int
    lesson_id: str
    resumed: bool = False


# announce(message, thread, resumed): dispatches ``lesson_posted``.
Announce = Callable[[discord.Message, discord.Thread, bool], None]


@dataclass(frozen=True, slots=True)
class Ping:
    """What the post's first message says and allows besides the article: the ping role's
    mention and the Notify me button, or nothing."""

    content: str | None = None
    allowed_mentions: discord.AllowedMentions = NO_MENTIONS
    view: discord.ui.View | None = None

    @classmethod
    def of(cls, role: discord.Role | None) -> Ping:
        if role is None:
            return cls()
        only_the_role = discord.AllowedMentions(everyone=False, users=False, roles=[role], replied_user=False)
        return cls(content=role.mention, allowed_mentions=only_the_role, view=notify_me_view())


@dataclass(frozen=True, slots=True)
class PostPlan:
    """What identifies one attempt at a post, so a retry can be recognised."""

    nonce: str | None = None
    schedule_id: int | None = None
    occurrence: datetime | None = None
    requested_by: int = 0  # the moderator who posted or scheduled it (0: unknown; nobody is pinged)


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
    view = await bot.content.view(channel.guild.id)
    rendered = render_lesson(lesson, view.concept_of(lesson))

    def announce(
        message: discord.Message | discord.PartialMessage, thread: discord.Thread, resumed: bool
    ) -> None:
        # The moment the thread exists, not once the post is recorded: members may answer
        # while the question is still on its way. dispatch() schedules the listeners at once,
        # ahead of the gateway events that arrive later.
        posted = PostedLesson(channel.guild.id, channel.id, message.id, thread.id, lesson.id, resumed)
        bot.dispatch("lesson_posted", posted)

    ping = Ping.of(await role_to_ping(bot, channel.guild, concerning=channel))
    if isinstance(channel, discord.ForumChannel):
        message, thread = await _forum_post(channel, rendered, plan, announce, ping)
    else:
        earlier: list[discord.Message] = []
        if plan.schedule_id is not None:
            recorded = {p.message_id for p in await bot.store.posts.in_guild(channel.guild.id)}
            earlier = await _earlier_attempt(channel, rendered, recorded)
        message, thread = await _text_post(channel, rendered, plan, announce, earlier, ping)
    posted_at = bot.clock.now()

    async def build() -> NewPost:
        # The window reads the server's settings: it is part of what is retried.
        return NewPost(
            guild_id=channel.guild.id,
            channel_id=channel.id,
            message_id=message.id,
            thread_id=thread.id,
            lesson_id=lesson.id,
            posted_at=posted_at,
            schedule_id=plan.schedule_id,
            occurrence=plan.occurrence,
            discussion=await window_for(bot, channel.guild.id, posted_at, by=plan.requested_by),
        )

    sent = SentPost(channel.guild.id, channel.id, message.id, thread.id, lesson.id, build)
    post = await record_post(bot, sent)
    log.info(
        "Posted lesson %s in #%s (guild %s), thread %s.", lesson.id, channel.name, channel.guild.id, thread.id
    )
    await pin_current(bot, channel, post, message, thread)
    return post


async def record_post(bot: StudyBot, sent: SentPost) -> Post:
    """Record a post Discord has accepted, waiting ``bot.record_retry_delays`` between attempts
    when the database fails (locked, busy, unreachable); ``PostNotRecorded`` once they are spent.
    A recorded post is announced as ``post_recorded``."""
    for delay in (*bot.record_retry_delays, None):
        try:
            post = await bot.store.posts.record(await sent.build())
        except Exception as error:
            if delay is None:
                raise PostNotRecorded(sent, error) from error
            log.warning(
                "Recording the post of lesson %s (message %s) failed (%s); trying again in %.2f s.",
                sent.lesson_id,
                sent.message_id,
                type(error).__name__,
                delay,
            )
            await asyncio.sleep(delay)
        else:
            bot.dispatch("post_recorded", post)
            return post
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


async def record_eventually(bot: StudyBot, sent: SentPost) -> None:
    """Keep trying to record a post Discord accepted, every minute at most, until it is recorded
    (by this or by a retry of the post itself). Run as a background job: if the bot stops first,
    the log says which post is missing."""
    delay = 1.0
    while True:
        try:
            recorded = {p.thread_id for p in await bot.store.posts.in_guild(sent.guild_id)}
            if sent.thread_id not in recorded:
                bot.dispatch("post_recorded", await bot.store.posts.record(await sent.build()))
            log.info("The post of lesson %s (message %s) is recorded.", sent.lesson_id, sent.message_id)
            return
        except asyncio.CancelledError:
            log.error(
                "The post of lesson %s in guild %s (message %s, thread %s) was never recorded: its "
                "thread's replies are not collected after a restart.",
                sent.lesson_id,
                sent.guild_id,
                sent.message_id,
                sent.thread_id,
            )
            raise
        except Exception as error:
            log.warning(
                "Recording the post of lesson %s (message %s) failed again (%s); next try in %.0f s.",
                sent.lesson_id,
                sent.message_id,
                type(error).__name__,
                delay,
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, _BACKGROUND_CAP)


def _nonce(plan: PostPlan, part: str) -> str | None:
    return None if plan.nonce is None else f"{plan.nonce}{part}"[:25]


async def _text_post(
    channel: discord.TextChannel,
    rendered: LessonPost,
    plan: PostPlan,
    announce: Announce,
    earlier: list[discord.Message] | None = None,
    ping: Ping = Ping(),
) -> tuple[discord.Message, discord.Thread]:
    """Send the article's messages (reusing ``earlier`` ones), open the thread, ask the question."""
    earlier = earlier or []
    first: discord.Message | None = None
    for index, embeds in enumerate(rendered.messages):
        if index < len(earlier):
            sent = earlier[index]
        elif index == 0:
            sent = await _send(channel, embeds=to_embeds(embeds), nonce=_nonce(plan, "m0"), ping=ping)
        else:
            sent = await _send(channel, embeds=to_embeds(embeds), nonce=_nonce(plan, f"m{index}"))
        first = first or sent
    assert first is not None, "render_lesson always yields at least one message"
    try:
        thread = await first.create_thread(name=rendered.thread_name)
        announce(first, thread, False)
    except discord.HTTPException as error:
        if error.code != _THREAD_ALREADY_CREATED:
            raise
        # A retry after a crash: the thread exists already and has the message's id (so the
        # channel fetched by that id is a thread, which fetch_channel's type cannot know).
        thread = channel.guild.get_thread(first.id) or await channel.guild.fetch_channel(first.id)  # type: ignore[assignment]  # a thread: see above
        announce(first, thread, True)
        if await _bot_said(thread, rendered.prompt_message):
            return first, thread
    await _send(thread, content=rendered.prompt_message, nonce=_nonce(plan, "q"))
    return first, thread


_LOOKBACK = 50  # recent messages searched for an interrupted earlier attempt


async def _earlier_attempt(
    channel: discord.TextChannel, rendered: LessonPost, recorded: set[int]
) -> list[discord.Message]:
    """The article messages an interrupted earlier attempt already sent, oldest first.

    Discord dedupes a nonce for a few minutes only, but a claim may be resumed hours later
    (within the missed-post grace period). So a scheduled post first looks at the channel's
    recent history for the bot's own article of this lesson that no recorded post owns; the
    messages found are reused instead of sent again. Best effort: without history access the
    nonce is the only guard.
    """
    first_title = rendered.messages[0][0].get("title") if rendered.messages[0] else None
    me = channel.guild.me
    if not first_title or not channel.permissions_for(me).read_message_history:
        return []
    try:
        recent = [m async for m in channel.history(limit=_LOOKBACK)]
    except discord.HTTPException as error:
        log.warning("Could not read #%s's history to look for an earlier attempt: %s", channel.name, error)
        return []
    mine = [m for m in reversed(recent) if m.author.id == me.id and m.embeds]  # oldest first
    start = next(
        (
            i
            for i in range(len(mine) - 1, -1, -1)
            if mine[i].id not in recorded and mine[i].embeds[0].title == first_title
        ),
        None,
    )
    if start is None:
        return []
    found: list[discord.Message] = []
    for expected, message in zip(rendered.messages, mine[start:], strict=False):
        title = expected[0].get("title") if expected else None
        if message.id in recorded or message.embeds[0].title != title:
            break
        found.append(message)
    log.info("Reusing %d message(s) of an interrupted earlier post in #%s.", len(found), channel.name)
    return found


async def _bot_said(thread: discord.Thread, content: str) -> bool:
    """Whether the bot already posted ``content`` in ``thread`` (an earlier attempt's question)."""
    me = thread.guild.me
    try:
        async for message in thread.history(limit=_LOOKBACK, oldest_first=True):
            if message.author.id == me.id and message.content == content:
                return True
    except discord.HTTPException as error:
        log.warning("Could not read thread %s's history: %s", thread.id, error)
    return False


async def _forum_post(
    channel: discord.ForumChannel,
    rendered: LessonPost,
    plan: PostPlan,
    announce: Announce,
    ping: Ping = Ping(),
) -> tuple[discord.Message, discord.Thread]:
    if plan.nonce is not None:
        existing = _existing_forum_post(channel, rendered.thread_name, plan)
        if existing is not None:
            announce(*existing, True)
            return existing
    # Keyword values typed Any: discord.py's overloads cannot see through an optional view.
    extras: dict[str, Any] = {} if ping.view is None else {"content": ping.content, "view": ping.view}
    created = await channel.create_thread(
        name=rendered.thread_name,
        embeds=to_embeds(rendered.messages[0]),
        allowed_mentions=ping.allowed_mentions,
        **extras,
    )
    announce(created.message, created.thread, False)
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
            return starter, thread  # type: ignore[return-value]  # a PartialMessage: only its id is used
    return None


async def _send(
    target: discord.abc.Messageable,
    *,
    content: str | None = None,
    embeds: list[discord.Embed] | None = None,
    nonce: str | None = None,
    ping: Ping = Ping(),
) -> discord.Message:
    """Send with no mentions allowed, except the ping role's on a post's first message."""
    extras: dict[str, Any] = {} if nonce is None else {"nonce": nonce}
    if ping.view is not None:
        extras["view"] = ping.view
    return await target.send(
        content=ping.content or content,
        embeds=embeds or [],
        allowed_mentions=ping.allowed_mentions,
        **extras,
    )


def resolve_postable(channel: object) -> PostableChannel:
    if isinstance(channel, discord.TextChannel | discord.ForumChannel):
        return channel
    raise UserFacingError("Lessons can be posted in a text channel or a forum channel only.")
