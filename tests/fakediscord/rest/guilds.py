"""Guilds and what hangs off them: channels, roles, members, active threads."""

from __future__ import annotations

from typing import Any

from .. import permissions as perm
from ..gateway import GUILD_MEMBERS
from .routing import ApiError, Ctx, Routes, path

routes = Routes()


def _guild(ctx: Ctx) -> Any:
    guild = ctx.fake.guilds.get(ctx.int("guild"))
    if guild is None:
        raise ApiError(404, "Unknown Guild", 10004)
    return guild


@routes("GET", path("/guilds/{guild}"))
async def get_guild(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    return {**guild.to_payload(), "approximate_member_count": len(guild.members)}


@routes("GET", path("/guilds/{guild}/channels"))
async def get_guild_channels(ctx: Ctx) -> Any:
    return [c.to_payload() for c in _guild(ctx).text_and_forum_channels()]


@routes("GET", path("/guilds/{guild}/roles"))
async def get_guild_roles(ctx: Ctx) -> Any:
    return [r.to_payload() for r in _guild(ctx).roles.values()]


@routes("GET", path("/guilds/{guild}/members/{user}"))
async def get_member(ctx: Ctx) -> Any:
    member = _guild(ctx).members.get(ctx.int("user"))
    if member is None:
        raise ApiError(404, "Unknown Member", 10007)
    return member.to_payload()


@routes("GET", path("/guilds/{guild}/members"))
async def list_members(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    if not ctx.fake.current_intents() & GUILD_MEMBERS:
        raise ApiError(403, "Missing Access", 50001)
    limit = int(ctx.query.get("limit", 1))
    after = int(ctx.query.get("after", 0))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return [m.to_payload() for m in members[:limit]]


@routes("GET", path("/guilds/{guild}/threads/active"))
async def active_threads(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    threads = [t for t in guild.active_threads() if ctx.fake.bot_permissions(t) & perm.VIEW_CHANNEL]
    return {"threads": [t.to_payload() for t in threads], "members": []}
