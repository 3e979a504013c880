"""Channels: read, edit (threads: see threads.py), delete; DMs; typing."""

from __future__ import annotations

from typing import Any

from .. import permissions as perm
from ..gateway import GUILDS
from ..models import DM, Channel, User
from ..validation import FormErrors, check_thread_name
from .routing import ApiError, Ctx, Routes, form_error, path
from .threads import edit_thread

routes = Routes()


@routes("GET", path("/channels/{channel}"))
async def get_channel(ctx: Ctx) -> Any:
    return ctx.viewable_channel().to_payload()


@routes("PATCH", path("/channels/{channel}"))
async def edit_channel(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    body = ctx.body.json
    errors = FormErrors()
    if "name" in body:
        check_thread_name(body["name"], errors)
    if errors:
        raise form_error(errors)
    if channel.is_thread:
        return edit_thread(ctx, channel, body)
    ctx.need(channel, perm.MANAGE_CHANNELS)
    if "name" in body:
        channel.name = body["name"]
    if "topic" in body:
        channel.topic = body["topic"]
    fake.dispatch("CHANNEL_UPDATE", channel.to_payload(), guild_id=channel.guild_id, intent=GUILDS)
    return channel.to_payload()


@routes("DELETE", path("/channels/{channel}"))
async def delete_channel(ctx: Ctx) -> Any:
    channel = ctx.viewable_channel()
    bits = perm.MANAGE_THREADS if channel.is_thread else perm.MANAGE_CHANNELS
    ctx.need(channel, bits)
    ctx.fake.delete_channel(channel)
    return channel.to_payload()


@routes("POST", "/users/@me/channels")
async def create_dm(ctx: Ctx) -> Any:
    fake = ctx.fake
    recipient = fake.users.get(int(ctx.body.json.get("recipient_id", 0)))
    if recipient is None:
        raise ApiError(404, "Unknown User", 10013)
    for dm in fake.dm_channels.values():
        if dm.owner_id == recipient.id:
            return _dm_payload(dm, recipient)
    dm = Channel(id=fake.ids.next(), guild_id=0, name="", type=DM, owner_id=recipient.id)
    fake.dm_channels[dm.id] = dm
    return _dm_payload(dm, recipient)


def _dm_payload(dm: Channel, recipient: User) -> dict[str, Any]:
    return {
        "id": str(dm.id),
        "type": DM,
        "last_message_id": str(dm.last_message_id) if dm.last_message_id else None,
        "recipients": [recipient.to_payload()],
        "flags": 0,
    }


@routes("POST", path("/channels/{channel}/typing"))
async def typing(ctx: Ctx) -> Any:
    ctx.viewable_channel()
    return None
