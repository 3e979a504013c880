"""The fake gateway: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME, dispatches.

A :class:`Session` outlives its websocket: events dispatched while the bot is disconnected are
kept and replayed on RESUME (Discord does the same), so a dropped connection loses nothing.
Frames are plain JSON text; discord.py only decompresses binary frames.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .driver import FakeDiscord

log = logging.getLogger(__name__)

DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE_UPDATE = 3
RESUME = 6
RECONNECT = 7
REQUEST_GUILD_MEMBERS = 8
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11

# Intents (bits)
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

HEARTBEAT_INTERVAL_MS = 41250


@dataclass
class Session:
    id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    conn: GatewayConnection | None = None
    closed: bool = False

    def has(self, intent: int) -> bool:
        return bool(self.intents & intent)

    def owns_guild(self, guild_id: int) -> bool:
        shard_id, count = self.shard
        return (guild_id >> 22) % count == shard_id

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Queue an event; synchronous so ordering is exactly the order of calls."""
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.sent.append(frame)
        if self.conn is not None:
            self.conn.send(frame)


class GatewayConnection:
    """One websocket connection; it identifies a new session or resumes an old one."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse) -> None:
        self.fake = fake
        self.ws = ws
        self.session: Session | None = None
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def send(self, frame: dict[str, Any]) -> None:
        self.outbox.put_nowait(frame)

    async def _writer(self) -> None:
        while True:
            frame = await self.outbox.get()
            if self.ws.closed:
                continue
            try:
                await self.ws.send_str(json.dumps(frame))
            except (ConnectionError, RuntimeError):  # closing under us: RESUME replays it
                log.debug("gateway send failed; frame kept for replay")

    async def close(self, code: int, message: str = "") -> None:
        if self.session is not None and self.session.conn is self:
            self.session.conn = None
        if not self.ws.closed:
            await self.ws.close(code=code, message=message.encode())

    async def run(self) -> None:
        writer = asyncio.create_task(self._writer())
        try:
            await self._read_loop()
        finally:
            writer.cancel()
            if self.session is not None and self.session.conn is self:
                self.session.conn = None
                if self.ws.close_code == 1000:  # a clean close ends the session, as on Discord
                    self.session.closed = True

    async def _read_loop(self) -> None:
        self.send({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None})
        async for msg in self.ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op = payload.get("op")
            data = payload.get("d")
            self.fake.gateway_received.append(payload)
            if op == HEARTBEAT:
                self.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            elif op == IDENTIFY:
                await self._identify(data)
            elif op == RESUME:
                await self._resume(data)
            elif op == REQUEST_GUILD_MEMBERS:
                await self._members_chunk(data)
            elif op == PRESENCE_UPDATE:
                continue
            else:
                log.debug("fake gateway ignores op %s", op)

    async def _identify(self, data: dict[str, Any]) -> None:
        fake = self.fake
        if data.get("token") != fake.token:
            await self.close(4004, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        refused = intents & PRIVILEGED & ~fake.allowed_privileged_intents
        if refused:
            await self.close(4014, "Disallowed intent(s).")
            return
        shard = _valid_shard(data.get("shard"))
        if shard is None:
            await self.close(4010, "Invalid shard.")
            return
        owned = sum(1 for g in fake.guilds if (g >> 22) % shard[1] == shard[0])
        if owned > fake.max_guilds_per_shard:
            await self.close(4011, "Sharding required.")
            return
        session = Session(id=secrets.token_hex(16), intents=intents, shard=shard)
        fake.sessions[session.id] = session
        session.conn = self
        self.session = session
        guilds = [g for g in fake.guilds.values() if session.owns_guild(g.id) and g.id not in fake.departed]
        ready = {
            "v": 10,
            "user": {**fake.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": fake.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(fake.application_id), "flags": fake.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
        }
        session.dispatch("READY", ready)
        for guild in guilds:
            if guild.id not in fake.outages:
                session.dispatch("GUILD_CREATE", fake.guild_create_payload(guild, session))
        fake.notify()

    async def _resume(self, data: dict[str, Any]) -> None:
        fake = self.fake
        session = fake.sessions.get(str(data.get("session_id")))
        if session is None or session.closed or data.get("token") != fake.token:
            self.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if session.conn is not None and session.conn is not self:
            await session.conn.close(4000, "Session resumed elsewhere")
        session.conn = self
        self.session = session
        since = int(data.get("seq") or 0)
        for frame in [f for f in session.sent if f["s"] > since]:
            self.send(frame)
        fake.resumes += 1
        session.dispatch("RESUMED", {})
        fake.notify()

    async def _members_chunk(self, data: dict[str, Any]) -> None:
        fake = self.fake
        if self.session is None:
            return
        guild = fake.guilds.get(int(data["guild_id"]))
        if guild is None:
            return
        members = list(guild.members.values())
        query = data.get("query")
        if query:
            members = [m for m in members if m.user.username.lower().startswith(str(query).lower())]
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.id in wanted]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)


def _valid_shard(value: Any) -> tuple[int, int] | None:
    """``[shard_id, shard_count]`` from IDENTIFY (absent: ``(0, 1)``); None if Discord would refuse it."""
    if value is None:
        return (0, 1)
    try:
        shard_id, count = (int(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (shard_id, count) if count >= 1 and 0 <= shard_id < count else None


async def gateway_handler(request: web.Request) -> web.WebSocketResponse:
    from .rest import FAKE_KEY

    fake: FakeDiscord = request.app[FAKE_KEY]
    ws = web.WebSocketResponse(max_msg_size=0, timeout=1.0)
    await ws.prepare(request)
    conn = GatewayConnection(fake, ws)
    fake.connections.append(conn)
    try:
        await conn.run()
    finally:
        fake.connections.remove(conn)
        fake.notify()
    return ws
