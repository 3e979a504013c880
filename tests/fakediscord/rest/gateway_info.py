"""The bot's own identity and where the gateway is: /users, /gateway, /applications/@me."""

from __future__ import annotations

from typing import Any

from .routing import ApiError, Ctx, Routes, path

routes = Routes()


@routes("GET", "/users/@me")
async def get_me(ctx: Ctx) -> Any:
    return {**ctx.fake.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0}


@routes("GET", path("/users/{user}"))
async def get_user(ctx: Ctx) -> Any:
    user = ctx.fake.users.get(ctx.int("user"))
    if user is None:
        raise ApiError(404, "Unknown User", 10013)
    return user.to_payload()


@routes("GET", "/gateway/bot")
async def gateway_bot(ctx: Ctx) -> Any:
    return {
        "url": ctx.fake.gateway_url,
        "shards": ctx.fake.shard_count,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
    }


@routes("GET", "/gateway", auth=False)
async def gateway(ctx: Ctx) -> Any:
    return {"url": ctx.fake.gateway_url}


@routes("GET", "/oauth2/applications/@me")
@routes("GET", "/applications/@me")
async def application(ctx: Ctx) -> Any:
    fake = ctx.fake
    return {
        "id": str(fake.application_id),
        "name": fake.bot_user.username,
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": fake.bot_user.to_payload(),
        "owner": {
            "id": str(fake.application_id + 1),
            "username": "owner",
            "discriminator": "0",
            "avatar": None,
        },
        "summary": "",
        "verify_key": "0" * 64,
        "team": None,
        "flags": fake.application_flags,
        "tags": [],
        "install_params": None,
        "custom_install_url": None,
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "role_connections_verification_url": None,
        "approximate_guild_count": len(fake.guilds),
    }


@routes("POST", "/auth/logout")
async def logout(ctx: Ctx) -> Any:
    return None
