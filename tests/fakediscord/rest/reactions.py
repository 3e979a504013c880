"""Reactions by the bot: add and remove its own, remove others' (Manage Messages), list who reacted.

Emoji come URL-encoded in the path: the character for a Unicode emoji, ``name:id`` for a custom
one. The fake has no custom emoji of its own, so a custom one the bot names is Unknown Emoji.
"""

from __future__ import annotations

from typing import Any

from .. import permissions as perm
from ..models import Channel
from .routing import UNKNOWN_MESSAGE, ApiError, Ctx, Routes, fail

routes = Routes()

MESSAGE = r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)"
EMOJI = MESSAGE + r"/reactions/(?P<emoji>[^/]+)"


@routes("PUT", EMOJI + "/@me")
async def add_reaction(ctx: Ctx) -> Any:
    channel, message, emoji = _target(ctx)
    known = emoji in ctx.fake.reaction_counts(message)
    # Adding to an existing reaction needs only history; a new emoji needs Add Reactions too.
    ctx.need(channel, perm.READ_MESSAGE_HISTORY | (0 if known else perm.ADD_REACTIONS))
    if ":" in emoji and not known:
        raise ApiError(400, "Unknown Emoji", 10014)
    ctx.fake.add_reaction(channel, message, ctx.fake.bot_user, emoji)
    return None


@routes("DELETE", EMOJI + "/@me")
async def remove_own_reaction(ctx: Ctx) -> Any:
    channel, message, emoji = _target(ctx)
    ctx.fake.remove_reaction(channel, message, ctx.fake.bot_user.id, emoji)
    return None


@routes("DELETE", EMOJI + r"/(?P<user>\d+)")
async def remove_user_reaction(ctx: Ctx) -> Any:
    channel, message, emoji = _target(ctx)
    if ctx.int("user") != ctx.fake.bot_user.id:
        ctx.need(channel, perm.MANAGE_MESSAGES)
    ctx.fake.remove_reaction(channel, message, ctx.int("user"), emoji)
    return None


@routes("GET", EMOJI)
async def list_reactors(ctx: Ctx) -> Any:
    """Users who reacted with the emoji, by id ascending, ``after`` and ``limit`` (1-100, 25)."""
    channel, message, emoji = _target(ctx, changing=False)
    ctx.need(channel, perm.READ_MESSAGE_HISTORY)
    after = int(ctx.query.get("after", 0))
    limit = max(1, min(100, int(ctx.query.get("limit", 25))))
    ids = sorted(u for u in ctx.fake.reactors(message, emoji) if u > after)[:limit]
    return [ctx.fake.user(u).to_payload() for u in ids]


def _target(ctx: Ctx, *, changing: bool = True) -> tuple[Channel, dict[str, Any], str]:
    channel = ctx.viewable_channel()
    message = ctx.fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    if changing:
        ctx.refuse_if_archived(channel)
    return channel, message, ctx.match.group("emoji")
