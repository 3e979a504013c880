"""Pinned messages: pin, unpin (Pin Messages permission), and both list routes.

discord.py 2.7 uses the current routes (``/channels/{c}/messages/pins...``); the deprecated
``/channels/{c}/pins...`` ones answer too. Since February 2026 Discord asks for PIN_MESSAGES;
MANAGE_MESSAGES alone no longer pins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import permissions as perm
from ..models import DM, Channel, iso
from ..pins_and_reactions import MAX_PINS
from .routing import UNKNOWN_MESSAGE, ApiError, Ctx, Routes, fail, path

routes = Routes()


@routes("PUT", path("/channels/{channel}/messages/pins/{message}"))
@routes("PUT", path("/channels/{channel}/pins/{message}"))
async def pin(ctx: Ctx) -> Any:
    channel, message = _target(ctx)
    if not message.get("pinned") and len(ctx.fake.pinned(channel)) >= MAX_PINS:
        raise ApiError(400, f"Maximum number of pins reached ({MAX_PINS})", 30003)
    ctx.fake.set_pinned(channel, message, True, by=ctx.fake.bot_user)
    return None


@routes("DELETE", path("/channels/{channel}/messages/pins/{message}"))
@routes("DELETE", path("/channels/{channel}/pins/{message}"))
async def unpin(ctx: Ctx) -> Any:
    channel, message = _target(ctx)
    ctx.fake.set_pinned(channel, message, False, by=ctx.fake.bot_user)
    return None


def _target(ctx: Ctx) -> tuple[Channel, dict[str, Any]]:
    channel = ctx.viewable_channel()
    if channel.type != DM:
        ctx.need(channel, perm.PIN_MESSAGES)
    message = ctx.fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    ctx.refuse_if_archived(channel)
    return channel, message


@routes("GET", path("/channels/{channel}/messages/pins"))
async def list_pins(ctx: Ctx) -> Any:
    """Newest pin first; ``before`` (an ISO timestamp) and ``limit`` (1-50) page through them."""
    fake = ctx.fake
    channel = ctx.viewable_channel()
    if channel.type != DM and not fake.bot_permissions(channel) & perm.READ_MESSAGE_HISTORY:
        return {"items": [], "has_more": False}
    pins = fake.pinned(channel)
    if "before" in ctx.query:
        before = datetime.fromisoformat(ctx.query["before"])
        pins = [m for m in pins if fake.pinned_at[int(m["id"])] < before]
    limit = max(1, min(50, int(ctx.query.get("limit", 50))))
    intents = fake.current_intents()
    items = [
        {"pinned_at": iso(fake.pinned_at[int(m["id"])]), "message": fake.withhold_content(m, intents)}
        for m in pins[:limit]
    ]
    return {"items": items, "has_more": len(pins) > limit}


@routes("GET", path("/channels/{channel}/pins"))
async def list_pins_legacy(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    if channel.type != DM and not fake.bot_permissions(channel) & perm.READ_MESSAGE_HISTORY:
        return []
    intents = fake.current_intents()
    return [fake.withhold_content(m, intents) for m in fake.pinned(channel)[:50]]
