"""FakeDiscord: the fake's state, its HTTP/websocket server, and the driver API tests use.

A test builds a world (guilds, channels, roles, members), connects the real discord.py client
(see ``plugin.run_client``), then acts as members do: runs slash commands, types in channels and
threads, clicks buttons. It reads back what the bot did: messages, threads, every REST request.

Model methods (``create_*``, ``set_*``) are synchronous; if the bot is connected they also queue
the gateway event Discord would send (GUILD_CREATE, CHANNEL_CREATE, GUILD_ROLE_UPDATE, ...).
"""

# The driver API takes `timeout=` by design (tests read `await fake.slash(..., timeout=5)`).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import discord
from aiohttp import web

from . import permissions as perm
from .faults import Fault
from .gateway import (
    DIRECT_MESSAGES,
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILD_PRESENCES,
    GUILDS,
    MESSAGE_CONTENT,
    GatewayConnection,
    Session,
    gateway_handler,
)
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    INITIAL_RESPONSE_DEADLINE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    InteractionRecord,
    InteractionResult,
    coerce_option,
    wait_record,
)
from .models import (
    DM,
    GUILD_FORUM,
    GUILD_TEXT,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Member,
    Overwrite,
    Role,
    SnowflakeFactory,
    User,
    iso,
)

log = logging.getLogger(__name__)

MENTION_USER = re.compile(r"<@!?(\d+)>")
MENTION_ROLE = re.compile(r"<@&(\d+)>")
#: discord.py sends ``enforce_nonce``; Discord dedupes within "a few minutes".
NONCE_WINDOW = 300.0
#: Message type numbers.
DEFAULT = 0
REPLY = 19
CHAT_INPUT_COMMAND = 20
HAS_THREAD = 1 << 5


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

    def __iter__(self):
        return iter((self.method, self.path, self.json))

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


class FakeDiscord:
    """A Discord stand-in on 127.0.0.1 that the unmodified discord.py client talks to."""

    def __init__(
        self,
        *,
        token: str = "fake-token",
        bot_name: str = "studybot",
        allow_message_content: bool = True,
        allow_members: bool = True,
        allow_presences: bool = False,
    ) -> None:
        self.ids = SnowflakeFactory()
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
        self.pinned_at: dict[int, datetime] = {}
        #: Ephemeral interaction messages: only their viewer sees them, never in a channel.
        self.ephemeral_messages: dict[int, dict[str, Any]] = {}
        self.nonces: dict[tuple[int, int, str], tuple[float, dict[str, Any]]] = {}
        self.default_channel: Channel | None = None
        self._message_index: dict[int, Channel] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.clock_offset = 0.0
        #: Discord refuses an initial response after 3 s (404 Unknown interaction, 10062).
        self.initial_response_deadline = INITIAL_RESPONSE_DEADLINE

    # ------------------------------------------------------------------ lifecycle
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

    async def start(self) -> FakeDiscord:
        from .rest import build_app  # local: rest imports this module's types

        app = build_app(self)
        app.router.add_get("/gateway", gateway_handler)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001, "fake stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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

    # ------------------------------------------------------------------ faults
    def inject(
        self,
        method: str,
        path_regex: str,
        status: int | None = 429,
        times: int = 1,
        delay: float = 0.0,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Fault:
        """The next ``times`` matching requests answer ``status`` (429/500/503...) after ``delay``.

        ``status=None`` with a delay makes a slow but successful route. The path regex is searched
        in the path after /api/v10 (e.g. ``r"/channels/\\d+/messages$"``).
        """
        fault = Fault(
            method=method.upper(),
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            delay=delay,
            retry_after=retry_after,
            is_global=is_global,
        )
        self.faults.append(fault)
        return fault

    async def drop_websocket(
        self, code: int = 4000, *, wait_resumed: bool = True, timeout: float = 5.0
    ) -> None:
        """Close the bot's gateway connection(s); discord.py reconnects and RESUMEs."""
        before = self.resumes
        for conn in list(self.connections):
            await conn.close(code, "dropped by test")
        if wait_resumed:
            await self.wait_until(lambda: self.resumes > before, timeout=timeout)

    def invalidate_sessions(self) -> None:
        """Forget sessions, so the next RESUME gets INVALID_SESSION and the bot re-IDENTIFYs."""
        for session in self.sessions.values():
            session.closed = True

    # ------------------------------------------------------------------ world building
    def _sessions_for(self, guild_id: int | None) -> list[Session]:
        return [
            s for s in self.sessions.values() if not s.closed and (guild_id is None or s.owns_guild(guild_id))
        ]

    def dispatch(
        self, event: str, data: dict[str, Any], *, guild_id: int | None = None, intent: int = 0
    ) -> None:
        """Send a gateway event to every live session (of the guild's shard, with the intent)."""
        for session in self._sessions_for(guild_id):
            if intent and not session.has(intent):
                continue
            session.dispatch(event, data)
        self.notify()

    def _user(self, name: str, *, bot: bool = False) -> User:
        user = User(id=self.ids.next(), username=name, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(self, name: str = "Study", *, owner: Member | User | None = None) -> Guild:
        owner_user = owner.user if isinstance(owner, Member) else owner or self._user(f"{name.lower()}-owner")
        guild = Guild(id=self.ids.next(), name=name, owner_id=owner_user.id)
        guild.roles[guild.id] = Role(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=perm.DEFAULT_EVERYONE_PERMISSIONS
        )
        self.guilds[guild.id] = guild
        guild.members[owner_user.id] = Member(user=owner_user, guild_id=guild.id)
        bot_role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=self.bot_user.username,
            permissions=perm.DEFAULT_BOT_PERMISSIONS,
            position=1,
            managed=True,
        )
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id
        guild.members[self.bot_user.id] = Member(user=self.bot_user, guild_id=guild.id, roles=[bot_role])
        for session in self._sessions_for(guild.id):
            session.dispatch("GUILD_CREATE", self.guild_create_payload(guild, session))
        self.notify()
        return guild

    def _add_channel(self, guild: Guild, name: str, kind: int, *, topic: str | None = None) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            type=kind,
            topic=topic,
            position=len(guild.text_and_forum_channels()),
        )
        guild.channels[channel.id] = channel
        if self.default_channel is None and kind == GUILD_TEXT:
            self.default_channel = channel
        self.dispatch("CHANNEL_CREATE", channel.to_payload(), guild_id=guild.id, intent=GUILDS)
        return channel

    def create_text_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        return self._add_channel(guild, name, GUILD_TEXT, topic=topic)

    def create_forum_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        return self._add_channel(guild, name, GUILD_FORUM, topic=topic)

    def create_role(self, guild: Guild, name: str, permissions: int = 0, **kwargs: Any) -> Role:
        position = max(r.position for r in guild.roles.values()) + 1
        role = Role(
            id=self.ids.next(), guild_id=guild.id, name=name, permissions=int(permissions), position=position
        )
        for key, value in kwargs.items():
            setattr(role, key, value)
        guild.roles[role.id] = role
        self.dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.to_payload()},
            guild_id=guild.id,
            intent=GUILDS,
        )
        return role

    def _moderator_role(self, guild: Guild) -> Role:
        for role in guild.roles.values():
            if role.name == "Moderators":
                return role
        return self.create_role(guild, "Moderators", permissions=perm.MANAGE_GUILD)

    def create_member(
        self,
        guild: Guild,
        name: str,
        roles: Iterable[Role] = (),
        manage_guild: bool = False,
        *,
        nick: str | None = None,
        bot: bool = False,
    ) -> Member:
        """A member; ``manage_guild=True`` also gives a "Moderators" role with Manage Server."""
        user = self._user(name, bot=bot)
        member_roles = list(roles)
        if manage_guild:
            member_roles.append(self._moderator_role(guild))
        member = Member(user=user, guild_id=guild.id, roles=member_roles, nick=nick)
        guild.members[user.id] = member
        self.dispatch(
            "GUILD_MEMBER_ADD",
            {**member.to_payload(), "guild_id": str(guild.id)},
            guild_id=guild.id,
            intent=GUILD_MEMBERS,
        )
        return member

    def set_member_roles(self, member: Member, roles: Iterable[Role]) -> None:
        member.roles = list(roles)
        self._member_update(member)

    def _member_update(self, member: Member) -> None:
        self.dispatch(
            "GUILD_MEMBER_UPDATE",
            {**member.to_payload(), "guild_id": str(member.guild_id)},
            guild_id=member.guild_id,
            intent=GUILD_MEMBERS,
        )

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        role.permissions = int(permissions)
        self.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role.to_payload()},
            guild_id=role.guild_id,
            intent=GUILDS,
        )

    def set_bot_permissions(self, guild: Guild, allow: int | None = None, deny: int = 0) -> None:
        """Set what the bot may do: ``allow`` replaces its role's bits (if given); ``deny`` takes bits away.

        @everyone grants send/embed/... too, so ``deny`` also puts a member overwrite denying those
        bits on every existing channel, as a server admin would (the bot really lacks them then).
        """
        assert guild.bot_role_id is not None
        role = guild.roles[guild.bot_role_id]
        bits = role.permissions if allow is None else int(allow)
        self.set_role_permissions(role, bits & ~int(deny))
        if deny:
            for channel in guild.text_and_forum_channels():
                old = channel.overwrites.get(self.bot_user.id)
                self.set_channel_overwrite(
                    channel,
                    self.bot_user,
                    allow=(old.allow if old else 0) & ~int(deny),
                    deny=(old.deny if old else 0) | int(deny),
                )

    def set_everyone_permissions(self, guild: Guild, permissions: int) -> None:
        self.set_role_permissions(guild.everyone, permissions)

    def set_channel_overwrite(
        self, channel: Channel, target: int | Role | Member | User, allow: int = 0, deny: int = 0
    ) -> None:
        """A channel permission overwrite for a role or a member (``target`` or its id)."""
        guild = self.guilds[channel.guild_id]
        if isinstance(target, Role):
            target_id, kind = target.id, 0
        elif isinstance(target, Member | User):
            target_id, kind = target.id, 1
        else:
            target_id = int(target)
            kind = 0 if target_id in guild.roles else 1
        channel.overwrites[target_id] = Overwrite(id=target_id, type=kind, allow=int(allow), deny=int(deny))
        self.dispatch("CHANNEL_UPDATE", channel.to_payload(), guild_id=guild.id, intent=GUILDS)

    def start_outage(self, guild: Guild) -> None:
        """The guild becomes unavailable, as in a Discord outage: live sessions get GUILD_DELETE
        with ``unavailable: true``; new ones get it in READY as unavailable and no GUILD_CREATE."""
        self.outages.add(guild.id)
        self.dispatch(
            "GUILD_DELETE", {"id": str(guild.id), "unavailable": True}, guild_id=guild.id, intent=GUILDS
        )

    def end_outage(self, guild: Guild) -> None:
        """The guild is back: a GUILD_CREATE to every live session, as Discord sends then."""
        self.outages.discard(guild.id)
        for session in self._sessions_for(guild.id):
            session.dispatch("GUILD_CREATE", self.guild_create_payload(guild, session))
        self.notify()

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel (or thread): CHANNEL_DELETE/THREAD_DELETE; REST on it answers 10003."""
        channel.deleted = True
        guild = self.guilds[channel.guild_id]
        if channel.is_thread:
            payload = {
                "id": str(channel.id),
                "guild_id": str(guild.id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
            self.dispatch("THREAD_DELETE", payload, guild_id=guild.id, intent=GUILDS)
        else:
            self.dispatch("CHANNEL_DELETE", channel.to_payload(), guild_id=guild.id, intent=GUILDS)
            for thread in [t for t in guild.channels.values() if t.parent_id == channel.id]:
                thread.deleted = True

    def setup_study_guild(self) -> Guild:
        """A ready-made world: guild "Study", #weekly, #forum, a moderator and a member.

        Sets ``fake.guild``, ``fake.text``, ``fake.forum``, ``fake.moderator``, ``fake.member``.
        """
        self.guild = self.create_guild("Study")
        self.text = self.create_text_channel(self.guild, "weekly")
        self.forum = self.create_forum_channel(self.guild, "forum")
        self.moderator = self.create_member(self.guild, "mod", manage_guild=True)
        self.member = self.create_member(self.guild, "alice")
        self.default_channel = self.text
        return self.guild

    # ------------------------------------------------------------------ lookups
    def channel(self, channel_id: int) -> Channel:
        for guild in self.guilds.values():
            channel = guild.channels.get(int(channel_id))
            if channel is not None:
                return channel
        if int(channel_id) in self.dm_channels:
            return self.dm_channels[int(channel_id)]
        raise KeyError(f"no channel {channel_id}")

    def find_channel(self, channel_id: int) -> Channel | None:
        try:
            return self.channel(channel_id)
        except KeyError:
            return None

    def role(self, role_id: int) -> Role:
        for guild in self.guilds.values():
            if int(role_id) in guild.roles:
                return guild.roles[int(role_id)]
        raise KeyError(f"no role {role_id}")

    def user(self, user_id: int) -> User:
        return self.users[int(user_id)]

    def bot_member(self, guild: Guild) -> Member:
        return guild.members[self.bot_user.id]

    def permissions_for(self, member: Member, channel: Channel | None) -> int:
        guild = self.guilds[member.guild_id]
        return perm.channel_permissions(guild, member, channel)

    def bot_permissions(self, channel: Channel) -> int:
        if channel.type == DM:
            return perm.ALL & ~perm.ADMINISTRATOR
        guild = self.guilds[channel.guild_id]
        return perm.channel_permissions(guild, self.bot_member(guild), channel)

    def messages(self, channel: Channel | int) -> list[dict[str, Any]]:
        """Messages in a channel or thread, oldest first (ephemeral ones are never here)."""
        ch = channel if isinstance(channel, Channel) else self.channel(channel)
        return list(ch.messages)

    def message(self, message_id: int | str) -> dict[str, Any]:
        """A message by id: in a channel or thread, or an ephemeral interaction message."""
        if int(message_id) in self.ephemeral_messages:
            return self.ephemeral_messages[int(message_id)]
        channel = self._message_index[int(message_id)]
        for msg in channel.messages:
            if int(msg["id"]) == int(message_id):
                return msg
        raise KeyError(f"message {message_id} was deleted")

    def find_message(self, channel: Channel, message_id: int) -> dict[str, Any] | None:
        for msg in channel.messages:
            if int(msg["id"]) == int(message_id):
                return msg
        return None

    def threads(self, channel: Channel | None = None) -> list[Channel]:
        """Threads (and forum posts) of a channel, or of every guild, oldest first."""
        result = []
        for guild in self.guilds.values():
            for ch in guild.channels.values():
                if ch.is_thread and not ch.deleted and (channel is None or ch.parent_id == channel.id):
                    result.append(ch)
        return sorted(result, key=lambda c: c.id)

    def thread_of(self, message_id: int) -> Channel | None:
        for thread in self.threads():
            if thread.id == int(message_id):
                return thread
        return None

    def bot_messages(self, channel: Channel) -> list[dict[str, Any]]:
        return [m for m in channel.messages if int(m["author"]["id"]) == self.bot_user.id]

    # ------------------------------------------------------------------ attachments
    def store_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        channel_id: int,
        content_type: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        att_id = self.ids.next()
        self.attachments[att_id] = data
        url = f"{self.base_url}/attachments/{channel_id}/{att_id}/{filename}"
        att: dict[str, Any] = {
            "id": str(att_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type or _guess_type(filename),
        }
        if description:
            att["description"] = description
        return att

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        return self.attachments[int(attachment["id"])]

    # ------------------------------------------------------------------ gateway payloads
    def current_intents(self) -> int:
        """Intents of the most recent live session (what REST content-withholding follows)."""
        live = [s for s in self.sessions.values() if not s.closed]
        return live[-1].intents if live else 0

    def guild_create_payload(self, guild: Guild, session: Session) -> dict[str, Any]:
        members = [self.bot_member(guild)]
        if session.has(GUILD_PRESENCES):
            members = list(guild.members.values())
        return {
            **guild.to_payload(),
            "joined_at": iso(guild.created_at),
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "members": [m.to_payload() for m in members],
            "channels": [c.to_payload() for c in guild.text_and_forum_channels()],
            "threads": [t.to_payload() for t in guild.active_threads()],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def resolved_channel(self, channel: Channel, viewer: Member | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(channel.id),
            "name": channel.name,
            "type": channel.type,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "permissions": str(self.permissions_for(viewer, channel) if viewer else 0),
            "guild_id": str(channel.guild_id),
            "flags": 0,
        }
        if channel.is_thread:
            data["thread_metadata"] = channel.to_payload()["thread_metadata"]
        return data

    def withhold_content(self, message: dict[str, Any], intents: int) -> dict[str, Any]:
        """A copy with content/embeds/attachments/components emptied, unless the bot may see them."""
        if intents & MESSAGE_CONTENT:
            return message
        if int(message["author"]["id"]) == self.bot_user.id:
            return message
        if any(int(u["id"]) == self.bot_user.id for u in message.get("mentions", [])):
            return message
        if "guild_id" not in message:  # a DM
            return message
        hidden = dict(message)
        hidden.update({"content": "", "embeds": [], "attachments": [], "components": []})
        hidden.pop("poll", None)
        return hidden

    def dispatch_message(self, event: str, message: dict[str, Any], channel: Channel) -> None:
        """MESSAGE_CREATE/UPDATE to sessions that may see it, content withheld per session."""
        intent = DIRECT_MESSAGES if channel.type == DM else GUILD_MESSAGES
        if channel.type != DM and not self.bot_permissions(channel) & perm.VIEW_CHANNEL:
            return
        guild_id = channel.guild_id if channel.type != DM else None
        for session in self._sessions_for(guild_id):
            if not session.has(intent):
                continue
            session.dispatch(event, self.withhold_content(message, session.intents))
        self.notify()

    # ------------------------------------------------------------------ messages
    def _mentions(self, content: str, channel: Channel, allowed: dict[str, Any] | None) -> tuple[list, list]:
        guild = self.guilds.get(channel.guild_id)
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse", []))
        allowed_users = {int(u) for u in (allowed or {}).get("users", [])}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles", [])}
        users = []
        for raw in dict.fromkeys(MENTION_USER.findall(content or "")):
            uid = int(raw)
            if uid not in self.users or ("users" not in parse and uid not in allowed_users):
                continue
            payload = self.users[uid].to_payload()
            if guild is not None and uid in guild.members:
                payload["member"] = guild.members[uid].to_payload(with_user=False)
            users.append(payload)
        roles = []
        for raw in dict.fromkeys(MENTION_ROLE.findall(content or "")):
            rid = int(raw)
            if guild is not None and rid in guild.roles and ("roles" in parse or rid in allowed_roles):
                roles.append(str(rid))
        return users, roles

    def build_message(
        self,
        channel: Channel,
        author: Member | User,
        payload: dict[str, Any],
        attachments: list[dict[str, Any]] | None = None,
        *,
        message_type: int = DEFAULT,
        at: datetime | None = None,
        message_id: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        user = author.user if isinstance(author, Member) else author
        content = str(payload.get("content") or "")
        mentions, mention_roles = self._mentions(content, channel, payload.get("allowed_mentions"))
        msg_id = message_id if message_id is not None else self.ids.next(at)
        message: dict[str, Any] = {
            "id": str(msg_id),
            "type": message_type,
            "channel_id": str(channel.id),
            "author": user.to_payload(),
            "content": content,
            "timestamp": iso(at or datetime.now(UTC)),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": attachments or [],
            "embeds": [_normalise_embed(e) for e in payload.get("embeds") or []],
            "components": payload.get("components") or [],
            "pinned": False,
            "flags": int(payload.get("flags") or 0),
        }
        if payload.get("nonce") is not None:
            message["nonce"] = payload["nonce"]
        if channel.type != DM:
            message["guild_id"] = str(channel.guild_id)
            guild = self.guilds[channel.guild_id]
            member = author if isinstance(author, Member) else guild.members.get(user.id)
            if member is not None:
                message["member"] = member.to_payload(with_user=False)
        if channel.is_thread:
            message["position"] = channel.total_message_sent
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            message["message_reference"] = {
                "type": 0,
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel.id),
                "guild_id": str(channel.guild_id),
            }
            if message_type == DEFAULT:
                message["type"] = REPLY
            referenced = self.find_message(channel, int(ref["message_id"]))
            if referenced is not None:
                message["referenced_message"] = referenced
        if extra:
            message.update(extra)
        return message

    def add_message(
        self, channel: Channel, message: dict[str, Any], *, dispatch: bool = True
    ) -> dict[str, Any]:
        channel.messages.append(message)
        channel.messages.sort(key=lambda m: int(m["id"]))
        channel.total_message_sent += 1
        self._message_index[int(message["id"])] = channel
        if channel.is_thread and channel.archived and not channel.locked:
            channel.archived = False
            self.dispatch("THREAD_UPDATE", channel.to_payload(), guild_id=channel.guild_id, intent=GUILDS)
        if dispatch:
            self.dispatch_message("MESSAGE_CREATE", message, channel)
        self.notify()
        return message

    def update_message(
        self, channel: Channel, message: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        message.update(changes)
        message["edited_timestamp"] = iso(datetime.now(UTC))
        self.dispatch_message("MESSAGE_UPDATE", message, channel)
        return message

    def remove_message(self, channel: Channel, message: dict[str, Any]) -> None:
        channel.messages.remove(message)
        payload = {"id": message["id"], "channel_id": str(channel.id)}
        if channel.type != DM:
            payload["guild_id"] = str(channel.guild_id)
        intent = DIRECT_MESSAGES if channel.type == DM else GUILD_MESSAGES
        self.dispatch(
            "MESSAGE_DELETE",
            payload,
            guild_id=channel.guild_id if channel.type != DM else None,
            intent=intent,
        )

    # ------------------------------------------------------------------ threads
    def open_thread(
        self,
        parent: Channel,
        name: str,
        owner: Member | User,
        *,
        kind: int = PUBLIC_THREAD,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
        applied_tags: Iterable[int] = (),
        dispatch: bool = True,
    ) -> Channel:
        owner_id = owner.id
        thread = Channel(
            id=thread_id if thread_id is not None else self.ids.next(),
            guild_id=parent.guild_id,
            name=name,
            type=kind,
            parent_id=parent.id,
            owner_id=owner_id,
            auto_archive_duration=auto_archive_duration,
            applied_tags=[int(t) for t in applied_tags],
        )
        thread.member_ids.add(owner_id)
        guild = self.guilds[parent.guild_id]
        guild.channels[thread.id] = thread
        if dispatch:
            payload = {**thread.to_payload(), "newly_created": True}
            if owner_id == self.bot_user.id:
                payload["member"] = {
                    "id": str(thread.id),
                    "user_id": str(owner_id),
                    "join_timestamp": iso(thread.created_at),
                    "flags": 1,
                }
            if self.bot_permissions(thread) & perm.VIEW_CHANNEL:
                self.dispatch("THREAD_CREATE", payload, guild_id=guild.id, intent=GUILDS)
        self.notify()
        return thread

    # ------------------------------------------------------------------ driver: members act
    async def say(
        self,
        member: Member | User,
        channel: Channel | str | None = None,
        text: str | None = None,
        attachments: Iterable[tuple[str, bytes]] | None = None,
        *,
        thread: Channel | None = None,
        dispatch: bool = True,
        at: datetime | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A member posts in a channel or thread (MESSAGE_CREATE to the bot unless ``dispatch=False``).

        Both ``say(member, channel, "text")`` and ``say(member, "text", thread=t)`` work. ``at`` backdates
        the message (its id encodes that time), for history written while the bot was offline.
        """
        if isinstance(channel, str):
            channel, text = None, channel
        target = thread or channel or self.default_channel
        if target is None:
            raise ValueError("say() needs a channel or thread")
        if target.deleted:
            raise ValueError(f"channel {target.name} was deleted")
        atts = [self.store_attachment(n, d, channel_id=target.id) for n, d in attachments or []]
        payload: dict[str, Any] = {"content": text or ""}
        if reply_to is not None:
            payload["message_reference"] = {"message_id": reply_to["id"]}
        message = self.build_message(target, member, payload, atts, at=at)
        return self.add_message(target, message, dispatch=dispatch)

    def offline_messages(
        self, member: Member | User, thread: Channel, texts: Iterable[str], *, start: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Messages written while the bot was down: stored, never dispatched (for backfill tests)."""
        out = []
        for text in texts:
            message = self.build_message(thread, member, {"content": text}, at=start)
            out.append(self.add_message(thread, message, dispatch=False))
        return out

    async def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """The author edits their message: MESSAGE_UPDATE."""
        channel = self._message_index[int(message["id"])]
        stored = self.find_message(channel, int(message["id"]))
        if stored is None:
            raise KeyError("message was deleted")
        return self.update_message(channel, stored, {"content": text})

    async def delete(self, message: dict[str, Any]) -> None:
        """The author deletes their message: MESSAGE_DELETE."""
        channel = self._message_index[int(message["id"])]
        stored = self.find_message(channel, int(message["id"]))
        if stored is not None:
            self.remove_message(channel, stored)

    async def create_thread(
        self, member: Member, channel: Channel, name: str, *, message: dict[str, Any] | None = None
    ) -> Channel:
        """A member opens a thread (from ``message`` if given): THREAD_CREATE to the bot."""
        thread_id = int(message["id"]) if message else None
        return self.open_thread(channel, name, member, thread_id=thread_id)

    async def archive_thread(self, thread: Channel, *, locked: bool = False) -> None:
        thread.archived = True
        thread.locked = locked
        thread.archive_timestamp = datetime.now(UTC)
        self.dispatch("THREAD_UPDATE", thread.to_payload(), guild_id=thread.guild_id, intent=GUILDS)

    # ------------------------------------------------------------------ driver: interactions
    def find_command(self, guild_id: int | None, name: str) -> dict[str, Any]:
        pool = [*self.guild_commands.get(guild_id or 0, []), *self.global_commands]
        for cmd in pool:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd
        known = sorted({c["name"] for c in pool})
        raise LookupError(f"no synced slash command {name!r} (synced: {known})")

    def _new_interaction(
        self, kind: int, member: Member | User, channel: Channel | None, data: dict[str, Any]
    ) -> InteractionRecord:
        interaction_id = self.ids.next()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            type=kind,
            member=member,
            channel=channel,
            guild_id=channel.guild_id if channel is not None and channel.type != DM else None,
            created=self.now(),
        )
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if channel is not None:
            payload["channel_id"] = str(channel.id)
            payload["channel"] = {
                **channel.to_payload(),
                "permissions": str(
                    self.permissions_for(member, channel) if isinstance(member, Member) else 0
                ),
            }
            payload["app_permissions"] = str(self.bot_permissions(channel))
        if isinstance(member, Member):
            guild = self.guilds[member.guild_id]
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = member.to_payload(permissions=self.permissions_for(member, channel))
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
            payload["context"] = 0
        else:
            payload["user"] = member.to_payload()
            payload["authorizing_integration_owners"] = {"1": str(member.id)}
            payload["context"] = 1
        record.payload = payload
        self.interactions[interaction_id] = record
        return record

    def _command_options(
        self,
        member: Member | User,
        command: str,
        options: dict[str, Any],
        *,
        guild_id: int | None,
        focused: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(data, schema-of-leaf) for ``command`` ("group sub" or "name") with typed options."""
        parts = command.split()
        cmd = self.find_command(guild_id, parts[0])
        schema_opts: list[dict[str, Any]] = cmd.get("options") or []
        path: list[dict[str, Any]] = []
        for part in parts[1:]:
            sub = next(
                (
                    o
                    for o in schema_opts
                    if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if sub is None:
                raise LookupError(f"command {parts[0]!r} has no subcommand {part!r}")
            path.append(sub)
            schema_opts = sub.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema_opts):
            raise LookupError(f"{command!r} is a group; name the subcommand")
        resolved: dict[str, dict[str, Any]] = {}
        viewer = member if isinstance(member, Member) else None
        leaf: list[dict[str, Any]] = []
        by_name = {o["name"]: o for o in schema_opts}
        unknown = set(options) - set(by_name)
        if unknown:
            raise TypeError(f"{command!r} has no option(s) {sorted(unknown)}; it has {sorted(by_name)}")
        for opt in schema_opts:
            name = opt["name"]
            if name not in options:
                if opt.get("required") and name != focused:
                    raise TypeError(f"{command!r} needs option {name!r}")
                continue
            if name == focused:
                leaf.append({"name": name, "type": opt["type"], "value": str(options[name]), "focused": True})
                continue
            value = coerce_option(self, opt, options[name], resolved, viewer)
            choices = opt.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise ValueError(f"option {name!r} must be one of {[c['value'] for c in choices]}")
            leaf.append({"name": name, "type": opt["type"], "value": value})
        nested: list[dict[str, Any]] = leaf
        for sub in reversed(path):
            nested = [{"name": sub["name"], "type": sub["type"], "options": nested}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": nested}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data, cmd

    def _channel_for(self, member: Member | User, channel: Channel | None) -> Channel | None:
        if channel is not None:
            return channel
        if self.default_channel is not None:
            return self.default_channel
        if isinstance(member, Member):
            texts = [
                c for c in self.guilds[member.guild_id].text_and_forum_channels() if c.type == GUILD_TEXT
            ]
            return texts[0] if texts else None
        return None

    def _send_interaction(self, record: InteractionRecord) -> None:
        self.dispatch("INTERACTION_CREATE", record.payload, guild_id=record.guild_id)

    def _leaf_option_names(self, guild_id: int | None, command: str) -> set[str]:
        parts = command.split()
        opts: list[dict[str, Any]] = self.find_command(guild_id, parts[0]).get("options") or []
        for part in parts[1:]:
            sub = next((o for o in opts if o["name"] == part), None)
            opts = (sub or {}).get("options") or []
        return {o["name"] for o in opts}

    def _location_and_options(
        self,
        member: Member | User,
        command: str,
        channel: Channel | None,
        in_channel: Channel | None,
        options: dict[str, Any],
    ) -> tuple[Channel | None, dict[str, Any], int | None]:
        """Where the command runs, and its options: ``channel=`` fills an option named "channel"
        when the command has one (then ``in_channel=`` says where it runs); else it is the place."""
        guild_id = member.guild_id if isinstance(member, Member) else None
        options = dict(options)
        if channel is not None and "channel" in self._leaf_option_names(guild_id, command):
            options["channel"] = channel
            channel = None
        return self._channel_for(member, in_channel or channel), options, guild_id

    async def slash(
        self,
        member: Member | User,
        command: str,
        *,
        channel: Channel | None = None,
        in_channel: Channel | None = None,
        options: dict[str, Any] | None = None,
        timeout: float = 5.0,
        **kwargs: Any,
    ) -> InteractionResult:
        """A member runs ``/command`` ("group sub" for subcommands) with typed options.

        Options come as keyword arguments (or ``options={...}`` for names that clash with these
        parameters). The command runs in ``in_channel``, else ``channel``, else the default channel
        (``fake.default_channel``, the first text channel made); but if the command has an option
        named ``channel``, ``channel=`` fills that option. Returns once the bot answered (and, if
        it deferred, followed up or edited the original), or at ``timeout``: ``result.responded``
        and ``result.record.settled`` say which.
        """
        where, opts, guild_id = self._location_and_options(
            member, command, channel, in_channel, {**(options or {}), **kwargs}
        )
        data, _ = self._command_options(member, command, opts, guild_id=guild_id)
        record = self._new_interaction(APPLICATION_COMMAND, member, where, data)
        self._send_interaction(record)
        await wait_record(self, record, timeout)
        return InteractionResult(self, record)

    async def autocomplete(
        self,
        member: Member | User,
        command: str,
        *,
        focused: str,
        value: str = "",
        channel: Channel | None = None,
        in_channel: Channel | None = None,
        options: dict[str, Any] | None = None,
        timeout: float = 5.0,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while ``member`` types ``value`` into option ``focused``.

        Other options already filled in go as keyword arguments, as for :meth:`slash`.
        """
        where, opts, guild_id = self._location_and_options(
            member, command, channel, in_channel, {**(options or {}), **kwargs}
        )
        data, _ = self._command_options(
            member, command, {**opts, focused: value}, guild_id=guild_id, focused=focused
        )
        record = self._new_interaction(AUTOCOMPLETE, member, where, data)
        self._send_interaction(record)
        await self.wait_until(lambda: record.responded, timeout=timeout)
        return list((record.response_data or {}).get("choices", []))

    async def click(
        self,
        member: Member | User,
        message: dict[str, Any] | int | str,
        custom_id: str,
        *,
        channel: Channel | None = None,
        values: list[str] | None = None,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """A member clicks a button (or picks ``values`` in a select) on one of the bot's messages."""
        if not isinstance(message, dict):
            message = self.message(message)
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            raise LookupError(f"no component {custom_id!r} on message {message['id']}")
        where = channel or self.find_channel(int(message["channel_id"]))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None or component["type"] in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
        record = self._new_interaction(MESSAGE_COMPONENT, member, where, data)
        record.payload["message"] = message
        record.source_message_id = int(message["id"])
        self._send_interaction(record)
        await wait_record(self, record, timeout)
        return InteractionResult(self, record)

    async def submit_modal(
        self,
        member: Member | User,
        opened_by: InteractionResult,
        values: dict[str, str],
        *,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """A member fills in the modal the bot opened (``opened_by.modal``) and submits it."""
        modal = opened_by.modal
        if modal is None:
            raise LookupError("that interaction did not open a modal")
        rows = []
        for row in modal.get("components", []):
            inputs = row.get("components") or ([row["component"]] if "component" in row else [])
            filled = [
                {"type": c["type"], "custom_id": c["custom_id"], "value": values.get(c["custom_id"], "")}
                for c in inputs
                if "custom_id" in c
            ]
            if row.get("type") == 18 and filled:  # a Label wraps one component
                rows.append({"type": 18, "id": row.get("id", 0), "component": filled[0]})
            else:
                rows.append({"type": 1, "components": filled})
        data = {"custom_id": modal["custom_id"], "components": rows}
        record = self._new_interaction(MODAL_SUBMIT, member, opened_by.channel, data)
        self._send_interaction(record)
        await wait_record(self, record, timeout)
        return InteractionResult(self, record)

    def expire_interaction(self, result: InteractionResult) -> None:
        result.expire()


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        for key in ("components", "accessory", "component"):
            inner = comp.get(key)
            if isinstance(inner, dict):
                inner = [inner]
            if isinstance(inner, list):
                found = _find_component(inner, custom_id)
                if found is not None:
                    return found
    return None


def _normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    out = dict(embed)
    out.setdefault("type", "rich")
    return out


def _guess_type(filename: str) -> str:
    lower = filename.lower()
    for ext, kind in (
        (".txt", "text/plain; charset=utf-8"),
        (".md", "text/markdown; charset=utf-8"),
        (".csv", "text/csv; charset=utf-8"),
        (".json", "application/json"),
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
    ):
        if lower.endswith(ext):
            return kind
    return "application/octet-stream"


__all__ = ["FakeDiscord", "InteractionResult", "RecordedRequest", "discord"]
