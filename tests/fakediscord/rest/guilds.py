"""Guilds and what hangs off them: channels, roles, active threads (members: members.py)."""

from __future__ import annotations

from typing import Any

from .. import permissions as perm
from .routing import Ctx, Routes, path

routes = Routes()


@routes("GET", path("/guilds/{guild}"))
async def get_guild(ctx: Ctx) -> Any:
    guild = ctx.guild()
    return {**guild.to_payload(), "approximate_member_count": len(guild.members)}


@routes("GET", path("/guilds/{guild}/channels"))
async def get_guild_channels(ctx: Ctx) -> Any:
    return [c.to_payload() for c in ctx.guild().text_and_forum_channels()]


@routes("GET", path("/guilds/{guild}/roles"))
async def get_guild_roles(ctx: Ctx) -> Any:
    return [r.to_payload() for r in ctx.guild().roles.values()]


@routes("GET", path("/guilds/{guild}/threads/active"))
async def active_threads(ctx: Ctx) -> Any:
    guild = ctx.guild()
    threads = [t for t in guild.active_threads() if ctx.fake.bot_permissions(t) & perm.VIEW_CHANNEL]
    return {"threads": [t.to_payload() for t in threads], "members": []}
