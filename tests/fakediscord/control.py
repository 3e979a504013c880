"""A small HTTP API to drive a fake Discord that runs as its own process (``python -m tests.fakediscord``).

Under ``/_control`` (JSON in and out; ids as strings, as Discord writes them):

    GET  /_control/world                       guilds with their shard, channels, members
    GET  /_control/shards                      [[shard_id, shard_count], ...] connected now
    GET  /_control/channels/{id}/messages      the channel's (or thread's) messages, oldest first
    POST /_control/channels/{id}/messages      {"author": user_id, "content": "..."}: a member writes
    POST /_control/slash                       {"member": user_id, "guild": guild_id, "command": "group sub",
                                                "options": {...}, "channel": channel_id?}: the answer

Tests in the fake's own process use the Python driver instead; this is for scripts and for a
test that keeps the fake in a process of its own.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .driver import FakeDiscord

PREFIX = "/_control"


def add_control_routes(app: web.Application, fake: FakeDiscord) -> None:
    async def world(request: web.Request) -> web.Response:
        return _json(
            {
                "shard_count": fake.shard_count,
                "guilds": [
                    {
                        "id": str(guild.id),
                        "name": guild.name,
                        "shard": fake.shard_of(guild.id),
                        "channels": [
                            {"id": str(c.id), "name": c.name, "type": c.type}
                            for c in guild.text_and_forum_channels()
                        ],
                        "members": [
                            {"id": str(m.id), "name": m.user.username} for m in guild.members.values()
                        ],
                    }
                    for guild in fake.guilds.values()
                ],
            }
        )

    async def shards(request: web.Request) -> web.Response:
        return _json(sorted(list(shard) for shard in fake.connected_shards()))

    async def messages(request: web.Request) -> web.Response:
        channel = fake.find_channel(int(request.match_info["channel"]))
        if channel is None:
            return _json({"error": "unknown channel"}, status=404)
        return _json(fake.messages(channel))

    async def say(request: web.Request) -> web.Response:
        channel = fake.find_channel(int(request.match_info["channel"]))
        body = await request.json()
        if channel is None:
            return _json({"error": "unknown channel"}, status=404)
        guild = fake.guilds.get(channel.guild_id)
        author = guild.members.get(int(body["author"])) if guild is not None else None
        if author is None:
            return _json({"error": "the author is not a member of that guild"}, status=400)
        return _json(await fake.say(author, channel, str(body.get("content", ""))))

    async def slash(request: web.Request) -> web.Response:
        body = await request.json()
        guild = fake.guilds.get(int(body["guild"]))
        member = guild.members.get(int(body["member"])) if guild is not None else None
        if guild is None or member is None:
            return _json({"error": "unknown guild or member"}, status=400)
        where = fake.find_channel(int(body["channel"])) if body.get("channel") else None
        try:
            result = await fake.slash(
                member, str(body["command"]), in_channel=where, options=dict(body.get("options") or {})
            )
        except (LookupError, TypeError, ValueError) as exc:  # not synced, no such option, ...
            return _json({"error": str(exc)}, status=400)
        return _json(
            {
                "responded": result.responded,
                "type": result.type,
                "ephemeral": result.ephemeral,
                "content": result.content,
                "embeds": result.embeds,
            }
        )

    app.router.add_get(f"{PREFIX}/world", world)
    app.router.add_get(f"{PREFIX}/shards", shards)
    app.router.add_get(PREFIX + "/channels/{channel}/messages", messages)
    app.router.add_post(PREFIX + "/channels/{channel}/messages", say)
    app.router.add_post(f"{PREFIX}/slash", slash)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")
