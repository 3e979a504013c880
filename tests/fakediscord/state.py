"""The fake's state and the plumbing shared by its parts: waiting, recording, dispatching.

``FakeState`` holds everything the fake knows (guilds, users, sessions, interactions, requests);
the driver's parts (world.py, messages.py, member_actions.py, commands.py, driver.py) build on it
one after the other, so that ``FakeDiscord`` is one object with one set of state.
"""

# The driver API takes `timeout=` by design (tests read `await fake.wait_until(..., timeout=5)`).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .faults import Fault
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT, GatewayConnection, Session
from .interactions import INITIAL_RESPONSE_DEADLINE, InteractionRecord
from .mentions import Pings
from .models import Channel, Guild, SnowflakeFactory, User

if TYPE_CHECKING:
    from aiohttp import web


class RecordedRequest:
    """One REST request the bot made: method, path (after /api/v10), JSON body, query, files."""

    __slots__ = ("files", "json", "method", "path", "query", "status")

    def __init__(
        self, method: str, path: str, json: Any, query: dict[str, str], files: list[tuple[str, bytes]]
    ) -> None:
        self.method = method
        self.path = path
        self.json = json
        self.query = query
        self.files = files
        self.status: int | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.path, self.json))

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


class FakeState:
    """Everything the fake knows, and the plumbing every part of it shares."""

    def __init__(
        self,
        *,
        token: str = "fake-token",
        bot_name: str = "studybot",
        allow_message_content: bool = True,
        allow_members: bool = True,
        allow_presences: bool = False,
        shard_count: int = 1,
    ) -> None:
        self.ids = SnowflakeFactory()
        #: What GET /gateway/bot recommends ("shards"); sessions may IDENTIFY with any count.
        self.shard_count = shard_count
        #: Discord closes an IDENTIFY with 4011 (sharding required) past this many guilds a shard.
        self.max_guilds_per_shard = 2500
        self.token = token
        self.bot_user = User(id=self.ids.next(), username=bot_name, bot=True)
        self.application_id = self.bot_user.id
        #: GATEWAY_MESSAGE_CONTENT (1<<19) | GATEWAY_GUILD_MEMBERS (1<<15) "limited" flags.
        self.application_flags = 0
        self.allowed_privileged_intents = 0
        self.allow_message_content = allow_message_content
        self.allow_members = allow_members
        self.allow_presences = allow_presences
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.outages: set[int] = set()  # guilds unavailable, as in a Discord outage
        self.departed: set[int] = set()  # guilds the bot was removed from (remove_bot)
        self.dm_channels: dict[int, Channel] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.command_syncs = 0
        self.interactions: dict[int, InteractionRecord] = {}
        self.requests: list[RecordedRequest] = []
        self.unknown_requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.sessions: dict[str, Session] = {}
        self.connections: list[GatewayConnection] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.resumes = 0
        self.attachments: dict[int, bytes] = {}
        self.attachment_types: dict[int, str] = {}  # served as the file's Content-Type
        #: What a member may upload (Discord sends it as ``attachment_size_limit``; 10 MiB unboosted).
        self.attachment_size_limit = 10 * 1024 * 1024
        self.pinned_at: dict[int, datetime] = {}
        #: Reactions: message id -> emoji ("👍", or "name:id" for a custom one) -> user ids in order.
        self.reactions: dict[int, dict[str, list[int]]] = {}
        #: Whom each message notified (see mentions.py), by message id.
        self.message_pings: dict[int, Pings] = {}
        #: Ephemeral interaction messages: only their viewer sees them, never in a channel.
        self.ephemeral_messages: dict[int, dict[str, Any]] = {}
        self.ephemeral_viewers: dict[int, int] = {}  # message id -> the one user who sees it
        self.nonces: dict[tuple[int, int, str], tuple[float, dict[str, Any]]] = {}
        self.default_channel: Channel | None = None
        self._message_index: dict[int, Channel] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.clock_offset = 0.0
        #: Discord refuses an initial response after 3 s (404 Unknown interaction, 10062).
        self.initial_response_deadline = INITIAL_RESPONSE_DEADLINE

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def allow_message_content(self) -> bool:
        return bool(self.allowed_privileged_intents & MESSAGE_CONTENT)

    @allow_message_content.setter
    def allow_message_content(self, value: bool) -> None:
        self._set_privileged(MESSAGE_CONTENT, value)

    @property
    def allow_members(self) -> bool:
        return bool(self.allowed_privileged_intents & GUILD_MEMBERS)

    @allow_members.setter
    def allow_members(self, value: bool) -> None:
        self._set_privileged(GUILD_MEMBERS, value)

    @property
    def allow_presences(self) -> bool:
        return bool(self.allowed_privileged_intents & GUILD_PRESENCES)

    @allow_presences.setter
    def allow_presences(self, value: bool) -> None:
        self._set_privileged(GUILD_PRESENCES, value)

    def _set_privileged(self, bit: int, value: bool) -> None:
        if value:
            self.allowed_privileged_intents |= bit
        else:
            self.allowed_privileged_intents &= ~bit

    # ------------------------------------------------------------------ waiting
    def now(self) -> float:
        """The fake's monotonic clock (``advance`` moves it forward, for token expiry)."""
        return time.monotonic() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock: interaction deadlines and token lifetimes, nonce windows."""
        self.clock_offset += seconds

    def notify(self) -> None:
        """Wake everything waiting on the fake's state."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every state change); return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(remaining, 0.01))

    async def wait_for_request(
        self, method: str, path_regex: str, timeout: float = 5.0, *, after: int = 0
    ) -> RecordedRequest:
        """The first recorded request (index >= ``after``) matching method and path regex."""
        pattern = re.compile(path_regex)

        def find() -> RecordedRequest | None:
            for req in self.requests[after:]:
                if method.upper() in ("*", req.method) and pattern.search(req.path):
                    return req
            return None

        return await self.wait_until(find, timeout=timeout)

    def requests_matching(self, method: str, path_regex: str) -> list[RecordedRequest]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if method.upper() in ("*", r.method) and pattern.search(r.path)]

    def _sessions_for(self, guild_id: int | None) -> list[Session]:
        """Live sessions that get a guild's events: those of its shard, ``(guild_id >> 22) % count``.
        Events of no guild (DMs) go to shard 0 only, as on Discord."""
        return [
            s
            for s in self.sessions.values()
            if not s.closed
            and (s.owns_guild(guild_id) if guild_id is not None else s.shard[0] == 0)
            and guild_id not in self.departed
        ]

    def live_sessions(self) -> list[Session]:
        """Sessions not ended (a process killed without closing keeps its session, as on Discord)."""
        return [s for s in self.sessions.values() if not s.closed]

    def connected_shards(self) -> set[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every session with an open websocket right now."""
        return {s.shard for s in self.sessions.values() if not s.closed and s.conn is not None}

    def shard_of(self, guild_id: int, shard_count: int | None = None) -> int:
        """The shard that gets a guild's events: ``(guild_id >> 22) % shard_count``."""
        return (int(guild_id) >> 22) % (shard_count or self.shard_count)

    def dispatch(
        self, event: str, data: dict[str, Any], *, guild_id: int | None = None, intent: int = 0
    ) -> None:
        """Send a gateway event to every live session (of the guild's shard, with the intent)."""
        for session in self._sessions_for(guild_id):
            if intent and not session.has(intent):
                continue
            session.dispatch(event, data)
        self.notify()

    def current_intents(self) -> int:
        """Intents of the most recent live session (what REST content-withholding follows)."""
        live = [s for s in self.sessions.values() if not s.closed]
        return live[-1].intents if live else 0
