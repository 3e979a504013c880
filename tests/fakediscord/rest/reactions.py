"""Reactions the bot adds to messages."""

from __future__ import annotations

from typing import Any

from .. import permissions as perm
from .routing import UNKNOWN_MESSAGE, Ctx, Routes, fail

routes = Routes()


@routes("PUT", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/@me")
async def add_reaction(ctx: Ctx) -> Any:
    channel = ctx.viewable_channel()
    ctx.need(channel, perm.READ_MESSAGE_HISTORY | perm.ADD_REACTIONS)
    message = ctx.fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    emoji = ctx.match.group("emoji")
    reactions = message.setdefault("reactions", [])
    for r in reactions:
        if r["emoji"].get("name") == emoji:
            r["count"] += 1
            r["me"] = True
            return None
    reactions.append({"count": 1, "me": True, "emoji": {"id": None, "name": emoji}, "burst_colors": []})
    return None
