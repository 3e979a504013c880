"""Application commands: the bot's sync (PUT) and reads of global and guild commands."""

from __future__ import annotations

import re
from typing import Any

from ..validation import FormErrors
from .routing import MISSING_ACCESS, ApiError, Ctx, Routes, form_error, path

routes = Routes()


def _check_command(cmd: dict[str, Any], errors: FormErrors, index: int) -> None:
    name = cmd.get("name", "")
    if not re.fullmatch(r"[-_\w]{1,32}", name) or (cmd.get("type", 1) == 1 and name != name.lower()):
        errors.add([index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if cmd.get("type", 1) == 1 and not (1 <= len(cmd.get("description", "")) <= 100):
        errors.add([index, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if len(cmd.get("options") or []) > 25:
        errors.add([index, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")


def _store_commands(
    ctx: Ctx, existing: list[dict[str, Any]], body: list[dict[str, Any]], guild_id: int | None
):
    errors = FormErrors()
    for i, cmd in enumerate(body):
        _check_command(cmd, errors, i)
    if errors:
        raise form_error(errors)
    by_key = {(c["name"], c.get("type", 1)): c for c in existing}
    out = []
    for cmd in body:
        old = by_key.get((cmd["name"], cmd.get("type", 1)))
        stored = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **cmd,
            "id": old["id"] if old else str(ctx.fake.ids.next()),
            "application_id": str(ctx.fake.application_id),
            "version": str(ctx.fake.ids.next()),
        }
        if stored["default_member_permissions"] is not None:  # Discord answers it as a string
            stored["default_member_permissions"] = str(stored["default_member_permissions"])
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        out.append(stored)
    return out


@routes("PUT", path("/applications/{app}/commands"))
async def put_global_commands(ctx: Ctx) -> Any:
    fake = ctx.fake
    fake.global_commands = _store_commands(ctx, fake.global_commands, ctx.body.payload or [], None)
    fake.command_syncs += 1
    fake.notify()
    return fake.global_commands


@routes("GET", path("/applications/{app}/commands"))
async def get_global_commands(ctx: Ctx) -> Any:
    return ctx.fake.global_commands


@routes("PUT", path("/applications/{app}/guilds/{guild}/commands"))
async def put_guild_commands(ctx: Ctx) -> Any:
    fake = ctx.fake
    gid = ctx.int("guild")
    if gid not in fake.guilds:
        # Discord answers a guild the application is not in (or that does not exist) this way.
        raise ApiError(*MISSING_ACCESS)
    fake.guild_commands[gid] = _store_commands(
        ctx, fake.guild_commands.get(gid, []), ctx.body.payload or [], gid
    )
    fake.command_syncs += 1
    fake.notify()
    return fake.guild_commands[gid]


@routes("GET", path("/applications/{app}/guilds/{guild}/commands"))
async def get_guild_commands(ctx: Ctx) -> Any:
    return ctx.fake.guild_commands.get(ctx.int("guild"), [])


@routes("GET", path("/applications/{app}/guilds/{guild}/commands/permissions"))
async def get_command_permissions(ctx: Ctx) -> Any:
    return []
