"""Guild members: reading them, and the bot giving or taking a role (Manage Roles, below its own).

Discord's rule (the permission hierarchy): the bot may give or take only roles positioned below
its own highest role, and needs MANAGE_ROLES; otherwise 403 Missing Permissions (50013).
"""

from __future__ import annotations

import logging
from typing import Any

from .. import permissions as perm
from ..gateway import GUILD_MEMBERS
from ..models import Guild, Member, Role
from .routing import MISSING_PERMISSIONS, ApiError, Ctx, Routes, fail, path

log = logging.getLogger(__name__)
routes = Routes()


@routes("GET", path("/guilds/{guild}/members/{user}"))
async def get_member(ctx: Ctx) -> Any:
    member = ctx.guild().members.get(ctx.int("user"))
    if member is None:
        raise ApiError(404, "Unknown Member", 10007)
    return member.to_payload()


@routes("GET", path("/guilds/{guild}/members"))
async def list_members(ctx: Ctx) -> Any:
    guild = ctx.guild()
    if not ctx.fake.current_intents() & GUILD_MEMBERS:
        raise ApiError(403, "Missing Access", 50001)
    limit = int(ctx.query.get("limit", 1))
    after = int(ctx.query.get("after", 0))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return [m.to_payload() for m in members[:limit]]


@routes("PUT", path("/guilds/{guild}/members/{user}/roles/{role}"))
async def add_member_role(ctx: Ctx) -> Any:
    member, role = _member_and_role(ctx)
    if all(r.id != role.id for r in member.roles):
        member.roles.append(role)
        ctx.fake.member_updated(member)
    return None


@routes("DELETE", path("/guilds/{guild}/members/{user}/roles/{role}"))
async def remove_member_role(ctx: Ctx) -> Any:
    member, role = _member_and_role(ctx)
    if any(r.id == role.id for r in member.roles):
        member.roles = [r for r in member.roles if r.id != role.id]
        ctx.fake.member_updated(member)
    return None


@routes("PATCH", path("/guilds/{guild}/members/{user}"))
async def edit_member(ctx: Ctx) -> Any:
    """Only ``roles`` (the full new list) and ``nick`` are modelled."""
    guild = ctx.guild()
    member = _member(ctx, guild)
    body = ctx.body.json
    if "roles" in body:
        wanted = [_role(guild, int(r)) for r in body["roles"] or []]
        before = {r.id for r in member.roles}
        after = {r.id for r in wanted}
        for role_id in before ^ after:
            _check_can_assign(ctx, guild, guild.roles[role_id])
        member.roles = wanted
    if "nick" in body:
        _need_guild_permission(ctx, guild, perm.MANAGE_NICKNAMES)
        member.nick = body["nick"] or None
    ctx.fake.member_updated(member)
    return member.to_payload()


def _member_and_role(ctx: Ctx) -> tuple[Member, Role]:
    guild = ctx.guild()
    member = _member(ctx, guild)
    role = _role(guild, ctx.int("role"))
    _check_can_assign(ctx, guild, role)
    return member, role


def _member(ctx: Ctx, guild: Guild) -> Member:
    member = guild.members.get(ctx.int("user"))
    if member is None:
        raise ApiError(404, "Unknown Member", 10007)
    return member


def _role(guild: Guild, role_id: int) -> Role:
    role = guild.roles.get(role_id)
    if role is None:
        raise ApiError(404, "Unknown Role", 10011)
    return role


def _check_can_assign(ctx: Ctx, guild: Guild, role: Role) -> None:
    _need_guild_permission(ctx, guild, perm.MANAGE_ROLES)
    bot = ctx.fake.bot_member(guild)
    if role.position >= perm.highest_position(bot):
        log.info("fake discord: role %r is not below the bot's highest role", role.name)
        raise fail(MISSING_PERMISSIONS)


def _need_guild_permission(ctx: Ctx, guild: Guild, bits: int) -> None:
    have = perm.base_permissions(guild, ctx.fake.bot_member(guild))
    if have & bits != bits:
        log.info("fake discord: bot lacks %s in the guild", perm.missing(have, bits))
        raise fail(MISSING_PERMISSIONS)
