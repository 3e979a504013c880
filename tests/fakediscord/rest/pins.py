"""Pinned messages: pin, unpin, and both list routes (discord.py 2.7 uses messages/pins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import permissions as perm
from ..gateway import GUILDS
from ..models import DM, iso
from .routing import MISSING_PERMISSIONS, UNKNOWN_MESSAGE, Ctx, Routes, fail, path

routes = Routes()


@routes("PUT", path("/channels/{channel}/messages/pins/{message}"))
@routes("PUT", path("/channels/{channel}/pins/{message}"))
async def pin(ctx: Ctx) -> Any:
    return _set_pinned(ctx, True)


@routes("DELETE", path("/channels/{channel}/messages/pins/{message}"))
@routes("DELETE", path("/channels/{channel}/pins/{message}"))
async def unpin(ctx: Ctx) -> Any:
    return _set_pinned(ctx, False)


def _set_pinned(ctx: Ctx, pinned: bool) -> None:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    have = fake.bot_permissions(channel)
    if channel.type != DM and not have & (perm.PIN_MESSAGES | perm.MANAGE_MESSAGES):
        raise fail(MISSING_PERMISSIONS)
    message = fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    message["pinned"] = pinned
    fake.pinned_at[int(message["id"])] = datetime.now(UTC)
    fake.dispatch(
        "CHANNEL_PINS_UPDATE",
        {"guild_id": str(channel.guild_id), "channel_id": str(channel.id)},
        guild_id=channel.guild_id,
        intent=GUILDS,
    )


@routes("GET", path("/channels/{channel}/messages/pins"))
async def list_pins(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    pinned = sorted(
        (m for m in channel.messages if m.get("pinned")),
        key=lambda m: fake.pinned_at[int(m["id"])],
        reverse=True,
    )
    intents = fake.current_intents()
    items = [
        {"pinned_at": iso(fake.pinned_at[int(m["id"])]), "message": fake.withhold_content(m, intents)}
        for m in pinned
    ]
    return {"items": items, "has_more": False}


@routes("GET", path("/channels/{channel}/pins"))
async def list_pins_legacy(ctx: Ctx) -> Any:
    channel = ctx.viewable_channel()
    return [m for m in channel.messages if m.get("pinned")]
