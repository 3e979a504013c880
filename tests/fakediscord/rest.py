"""The fake REST API v10: routes discord.py uses, with Discord's errors and permission checks.

Every request is recorded (``fake.requests``); injected faults are applied before routing; an
unknown route answers 404 ``{"message": "404: Not Found", "code": 0}`` and is recorded in
``fake.unknown_requests`` so a missing route shows up in a test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import permissions as perm
from .gateway import GUILD_MEMBERS, GUILDS
from .interactions import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    LOADING,
    MODAL,
    PONG,
    TOKEN_LIFETIME,
    UPDATE_MESSAGE,
    InteractionRecord,
)
from .models import DM, GUILD_FORUM, GUILD_TEXT, PRIVATE_THREAD, PUBLIC_THREAD, Channel, User, iso
from .validation import CHOICES_MAX, FormErrors, check_message, check_thread_name, is_empty_message

if TYPE_CHECKING:
    from .driver import FakeDiscord, RecordedRequest

log = logging.getLogger(__name__)

COMMON_HEADERS = {"Via": "1.1 google"}
FAKE_KEY: web.AppKey[Any] = web.AppKey("fake", object)


class ApiError(Exception):
    """An error answer with Discord's JSON body."""

    def __init__(
        self, status: int, message: str, code: int = 0, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


def form_error(errors: FormErrors) -> ApiError:
    err = ApiError(400, "Invalid Form Body", 50035)
    err.body = errors.body()
    return err


UNKNOWN_CHANNEL = (404, "Unknown Channel", 10003)
UNKNOWN_MESSAGE = (404, "Unknown Message", 10008)
MISSING_ACCESS = (403, "Missing Access", 50001)
MISSING_PERMISSIONS = (403, "Missing Permissions", 50013)


def fail(spec: tuple[int, str, int]) -> ApiError:
    return ApiError(*spec)


class Body:
    """A parsed request body: the JSON payload and the uploaded files (index -> (name, bytes, type))."""

    def __init__(self, payload: Any, files: dict[int, tuple[str, bytes, str | None]]) -> None:
        self.payload = payload
        self.files = files

    @property
    def json(self) -> dict[str, Any]:
        return self.payload if isinstance(self.payload, dict) else {}


async def read_body(request: web.Request) -> Body:
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/"):
        payload: Any = {}
        files: dict[int, tuple[str, bytes, str | None]] = {}
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            name = part.name or ""  # type: ignore[union-attr]
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                payload = json.loads(data)
            else:
                match = re.fullmatch(r"files\[(\d+)\]", name)
                index = int(match.group(1)) if match else len(files)
                files[index] = (
                    part.filename or f"file{index}",
                    bytes(data),
                    part.headers.get("Content-Type"),
                )  # type: ignore[union-attr]
        return Body(payload, files)
    raw = await request.read()
    if not raw:
        return Body(None, {})
    try:
        return Body(json.loads(raw), {})
    except ValueError:
        return Body(raw.decode("utf-8", "replace"), {})


Handler = Callable[["Ctx"], Awaitable[Any]]


class Ctx:
    """What a route handler gets: the fake, the match groups, the body, the query."""

    def __init__(self, fake: FakeDiscord, request: web.Request, match: re.Match[str], body: Body) -> None:
        self.fake = fake
        self.request = request
        self.match = match
        self.body = body
        self.query = dict(request.query)

    def int(self, name: str) -> int:
        return int(self.match.group(name))

    def channel(self, name: str = "channel") -> Channel:
        channel = self.fake.find_channel(self.int(name))
        if channel is None or channel.deleted:
            raise fail(UNKNOWN_CHANNEL)
        return channel

    def viewable_channel(self, name: str = "channel") -> Channel:
        channel = self.channel(name)
        if channel.type != DM and not self.fake.bot_permissions(channel) & perm.VIEW_CHANNEL:
            raise fail(MISSING_ACCESS)
        return channel

    def need(self, channel: Channel, bits: int) -> None:
        have = self.fake.bot_permissions(channel)
        if not have & perm.VIEW_CHANNEL:
            raise fail(MISSING_ACCESS)
        if have & bits != bits:
            log.info("fake discord: bot lacks %s in #%s", perm.missing(have, bits), channel.name)
            raise fail(MISSING_PERMISSIONS)


ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = []


def route(method: str, pattern: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        ROUTES.append((method, re.compile(pattern + "$"), func, auth))
        return func

    return register


S = r"(?P<{}>\d+)"


def _p(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: S.format(m.group(1)), template)


# ---------------------------------------------------------------------------- users, gateway, app
@route("GET", "/users/@me")
async def get_me(ctx: Ctx) -> Any:
    return {**ctx.fake.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0}


@route("GET", _p("/users/{user}"))
async def get_user(ctx: Ctx) -> Any:
    user = ctx.fake.users.get(ctx.int("user"))
    if user is None:
        raise ApiError(404, "Unknown User", 10013)
    return user.to_payload()


@route("GET", "/gateway/bot")
async def gateway_bot(ctx: Ctx) -> Any:
    return {
        "url": ctx.fake.gateway_url,
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
    }


@route("GET", "/gateway", auth=False)
async def gateway(ctx: Ctx) -> Any:
    return {"url": ctx.fake.gateway_url}


@route("GET", "/oauth2/applications/@me")
@route("GET", "/applications/@me")
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


@route("POST", "/auth/logout")
async def logout(ctx: Ctx) -> Any:
    return None


# ---------------------------------------------------------------------------- commands
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


@route("PUT", _p("/applications/{app}/commands"))
async def put_global_commands(ctx: Ctx) -> Any:
    fake = ctx.fake
    fake.global_commands = _store_commands(ctx, fake.global_commands, ctx.body.payload or [], None)
    fake.command_syncs += 1
    fake.notify()
    return fake.global_commands


@route("GET", _p("/applications/{app}/commands"))
async def get_global_commands(ctx: Ctx) -> Any:
    return ctx.fake.global_commands


@route("PUT", _p("/applications/{app}/guilds/{guild}/commands"))
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


@route("GET", _p("/applications/{app}/guilds/{guild}/commands"))
async def get_guild_commands(ctx: Ctx) -> Any:
    return ctx.fake.guild_commands.get(ctx.int("guild"), [])


@route("GET", _p("/applications/{app}/guilds/{guild}/commands/permissions"))
async def get_command_permissions(ctx: Ctx) -> Any:
    return []


# ---------------------------------------------------------------------------- guilds
def _guild(ctx: Ctx) -> Any:
    guild = ctx.fake.guilds.get(ctx.int("guild"))
    if guild is None:
        raise ApiError(404, "Unknown Guild", 10004)
    return guild


@route("GET", _p("/guilds/{guild}"))
async def get_guild(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    return {**guild.to_payload(), "approximate_member_count": len(guild.members)}


@route("GET", _p("/guilds/{guild}/channels"))
async def get_guild_channels(ctx: Ctx) -> Any:
    return [c.to_payload() for c in _guild(ctx).text_and_forum_channels()]


@route("GET", _p("/guilds/{guild}/roles"))
async def get_guild_roles(ctx: Ctx) -> Any:
    return [r.to_payload() for r in _guild(ctx).roles.values()]


@route("GET", _p("/guilds/{guild}/members/{user}"))
async def get_member(ctx: Ctx) -> Any:
    member = _guild(ctx).members.get(ctx.int("user"))
    if member is None:
        raise ApiError(404, "Unknown Member", 10007)
    return member.to_payload()


@route("GET", _p("/guilds/{guild}/members"))
async def list_members(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    if not ctx.fake.current_intents() & GUILD_MEMBERS:
        raise ApiError(403, "Missing Access", 50001)
    limit = int(ctx.query.get("limit", 1))
    after = int(ctx.query.get("after", 0))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return [m.to_payload() for m in members[:limit]]


@route("GET", _p("/guilds/{guild}/threads/active"))
async def active_threads(ctx: Ctx) -> Any:
    guild = _guild(ctx)
    threads = [t for t in guild.active_threads() if ctx.fake.bot_permissions(t) & perm.VIEW_CHANNEL]
    return {"threads": [t.to_payload() for t in threads], "members": []}


# ---------------------------------------------------------------------------- channels
@route("GET", _p("/channels/{channel}"))
async def get_channel(ctx: Ctx) -> Any:
    return ctx.viewable_channel().to_payload()


@route("PATCH", _p("/channels/{channel}"))
async def edit_channel(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    body = ctx.body.json
    errors = FormErrors()
    if "name" in body:
        check_thread_name(body["name"], errors)
    if errors:
        raise form_error(errors)
    if channel.is_thread:
        is_owner = channel.owner_id == fake.bot_user.id
        needs_manage = (
            "locked" in body or ("name" in body and not is_owner) or ("archived" in body and not is_owner)
        )
        if channel.locked and not ("locked" in body and not body["locked"]):
            needs_manage = True
        if needs_manage:
            ctx.need(channel, perm.MANAGE_THREADS)
        if "name" in body:
            channel.name = body["name"]
        if "archived" in body:
            channel.archived = bool(body["archived"])
        if "locked" in body:
            channel.locked = bool(body["locked"])
        if "auto_archive_duration" in body:
            channel.auto_archive_duration = int(body["auto_archive_duration"])
        if "applied_tags" in body:
            channel.applied_tags = [int(t) for t in body["applied_tags"]]
        fake.dispatch("THREAD_UPDATE", channel.to_payload(), guild_id=channel.guild_id, intent=GUILDS)
        return channel.to_payload()
    ctx.need(channel, perm.MANAGE_CHANNELS)
    if "name" in body:
        channel.name = body["name"]
    if "topic" in body:
        channel.topic = body["topic"]
    fake.dispatch("CHANNEL_UPDATE", channel.to_payload(), guild_id=channel.guild_id, intent=GUILDS)
    return channel.to_payload()


@route("DELETE", _p("/channels/{channel}"))
async def delete_channel(ctx: Ctx) -> Any:
    channel = ctx.viewable_channel()
    bits = perm.MANAGE_THREADS if channel.is_thread else perm.MANAGE_CHANNELS
    ctx.need(channel, bits)
    ctx.fake.delete_channel(channel)
    return channel.to_payload()


@route("POST", "/users/@me/channels")
async def create_dm(ctx: Ctx) -> Any:
    fake = ctx.fake
    recipient = fake.users.get(int(ctx.body.json.get("recipient_id", 0)))
    if recipient is None:
        raise ApiError(404, "Unknown User", 10013)
    for dm in fake.dm_channels.values():
        if dm.owner_id == recipient.id:
            return _dm_payload(dm, recipient)
    dm = Channel(id=fake.ids.next(), guild_id=0, name="", type=DM, owner_id=recipient.id)
    fake.dm_channels[dm.id] = dm
    return _dm_payload(dm, recipient)


def _dm_payload(dm: Channel, recipient: User) -> dict[str, Any]:
    return {
        "id": str(dm.id),
        "type": DM,
        "last_message_id": str(dm.last_message_id) if dm.last_message_id else None,
        "recipients": [recipient.to_payload()],
        "flags": 0,
    }


# ---------------------------------------------------------------------------- messages
def _attachments_from(
    ctx: Ctx, payload: dict[str, Any], channel_id: int, keep: list[dict[str, Any]] | None = None
):
    """New attachments from uploaded files, plus kept existing ones (edits list them by id)."""
    fake = ctx.fake
    files = ctx.body.files
    described = {}
    kept = []
    for att in payload.get("attachments") or []:
        try:
            att_id = int(att.get("id"))
        except (TypeError, ValueError):
            continue
        if att_id in files:
            described[att_id] = att
        elif keep is not None:
            kept.extend(a for a in keep if int(a["id"]) == att_id)
    out = list(kept)
    for index in sorted(files):
        name, data, _ctype = files[index]
        meta = described.get(index, {})
        out.append(
            fake.store_attachment(
                meta.get("filename") or name,
                data,
                channel_id=channel_id,
                content_type=None,
                description=meta.get("description"),
            )
        )
    return out


def _validate_message(
    payload: dict[str, Any], n_files: int, *, allow_empty: bool = False, prefix: list[str | int] | None = None
) -> None:
    errors = FormErrors()
    check_message(payload, errors, prefix)
    if errors:
        raise form_error(errors)
    if not allow_empty and is_empty_message(payload, n_files):
        raise ApiError(400, "Cannot send an empty message", 50006)


def _send_permissions(channel: Channel, payload: dict[str, Any], n_files: int) -> int:
    if channel.type == DM:
        return 0
    need = perm.VIEW_CHANNEL | (perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else perm.SEND_MESSAGES)
    if n_files:
        need |= perm.ATTACH_FILES
    if payload.get("message_reference"):
        need |= perm.READ_MESSAGE_HISTORY
    return need


def _check_thread_open(ctx: Ctx, channel: Channel) -> None:
    if channel.is_thread and channel.locked and not ctx.fake.bot_permissions(channel) & perm.MANAGE_THREADS:
        raise ApiError(400, "Thread is locked", 50083)


@route("POST", _p("/channels/{channel}/messages"))
async def create_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.channel()
    payload = ctx.body.json
    n_files = len(ctx.body.files)
    if channel.type == GUILD_FORUM:
        raise ApiError(400, "Cannot execute action on this channel type", 50024)
    if channel.type != DM:
        ctx.need(channel, _send_permissions(channel, payload, n_files))
    _check_thread_open(ctx, channel)
    _validate_message(payload, n_files)
    nonce = payload.get("nonce")
    if nonce is not None and payload.get("enforce_nonce"):
        key = (channel.id, fake.bot_user.id, str(nonce))
        seen = fake.nonces.get(key)
        if seen is not None and fake.now() - seen[0] < 300.0:
            existing = fake.find_message(channel, int(seen[1]["id"]))
            if existing is not None:
                return existing
    if channel.type != DM and payload.get("embeds") and not fake.bot_permissions(channel) & perm.EMBED_LINKS:
        payload = {**payload, "embeds": []}  # Discord sends the message without its embeds
    attachments = _attachments_from(ctx, payload, channel.id)
    author = fake.bot_member(fake.guilds[channel.guild_id]) if channel.type != DM else fake.bot_user
    message = fake.build_message(channel, author, payload, attachments)
    if nonce is not None and payload.get("enforce_nonce"):
        fake.nonces[(channel.id, fake.bot_user.id, str(nonce))] = (fake.now(), message)
    fake.add_message(channel, message)
    return message


def _history_visible(ctx: Ctx, channel: Channel) -> bool:
    return channel.type == DM or bool(ctx.fake.bot_permissions(channel) & perm.READ_MESSAGE_HISTORY)


@route("GET", _p("/channels/{channel}/messages"))
async def get_messages(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    if not _history_visible(ctx, channel):
        return []
    limit = max(1, min(100, int(ctx.query.get("limit", 50))))
    ordered = list(channel.messages)  # ascending
    if "after" in ctx.query:
        after = int(ctx.query["after"])
        chosen = [m for m in ordered if int(m["id"]) > after][:limit]
    elif "before" in ctx.query:
        before = int(ctx.query["before"])
        chosen = [m for m in ordered if int(m["id"]) < before][-limit:]
    elif "around" in ctx.query:
        around = int(ctx.query["around"])
        older = [m for m in ordered if int(m["id"]) < around][-(limit // 2) :] if limit > 1 else []
        rest = [m for m in ordered if int(m["id"]) >= around][: limit - len(older)]
        chosen = older + rest
    else:
        chosen = ordered[-limit:]
    intents = fake.current_intents()
    return [fake.withhold_content(m, intents) for m in reversed(chosen)]


@route("GET", _p("/channels/{channel}/messages/{message}"))
async def get_message(ctx: Ctx) -> Any:
    channel = ctx.viewable_channel()
    if not _history_visible(ctx, channel):
        raise fail(MISSING_ACCESS)
    message = ctx.fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    return ctx.fake.withhold_content(message, ctx.fake.current_intents())


@route("PATCH", _p("/channels/{channel}/messages/{message}"))
async def edit_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    message = fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    payload = ctx.body.json
    if int(message["author"]["id"]) != fake.bot_user.id:
        if set(payload) - {"flags"}:
            raise ApiError(403, "Cannot edit a message authored by another user", 50005)
        ctx.need(channel, perm.MANAGE_MESSAGES)
    _validate_message(payload, len(ctx.body.files), allow_empty=True)
    return fake.update_message(channel, message, _edit_changes(ctx, payload, message, channel.id))


def _edit_changes(
    ctx: Ctx, payload: dict[str, Any], message: dict[str, Any], channel_id: int
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in ("content", "components", "flags"):
        if key in payload:
            changes[key] = payload[key] if payload[key] is not None else ([] if key == "components" else "")
    if "embeds" in payload:
        changes["embeds"] = [dict(e, type=e.get("type", "rich")) for e in payload["embeds"] or []]
    if "attachments" in payload or ctx.body.files:
        changes["attachments"] = _attachments_from(
            ctx, payload, channel_id, keep=message.get("attachments", [])
        )
    if "flags" in changes:
        changes["flags"] = int(changes["flags"] or 0) | (int(message.get("flags", 0)) & EPHEMERAL)
    return changes


@route("DELETE", _p("/channels/{channel}/messages/{message}"))
async def delete_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    message = fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    if int(message["author"]["id"]) != fake.bot_user.id:
        ctx.need(channel, perm.MANAGE_MESSAGES)
    fake.remove_message(channel, message)
    return None


@route("PUT", _p("/channels/{channel}/messages/pins/{message}"))
@route("PUT", _p("/channels/{channel}/pins/{message}"))
async def pin(ctx: Ctx) -> Any:
    return _set_pinned(ctx, True)


@route("DELETE", _p("/channels/{channel}/messages/pins/{message}"))
@route("DELETE", _p("/channels/{channel}/pins/{message}"))
async def unpin(ctx: Ctx) -> Any:
    return _set_pinned(ctx, False)


def _set_pinned(ctx: Ctx, pinned: bool) -> None:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    have = fake.bot_permissions(channel)
    if channel.type != DM and not have & (perm.PIN_MESSAGES | perm.MANAGE_MESSAGES):
        raise fail(MISSING_PERMISSIONS)
    message = fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    message["pinned"] = pinned
    fake.pinned_at[int(message["id"])] = _now_utc()
    fake.dispatch(
        "CHANNEL_PINS_UPDATE",
        {"guild_id": str(channel.guild_id), "channel_id": str(channel.id)},
        guild_id=channel.guild_id,
        intent=GUILDS,
    )


@route("GET", _p("/channels/{channel}/messages/pins"))
async def list_pins(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    pinned = sorted(
        (m for m in channel.messages if m.get("pinned")),
        key=lambda m: fake.pinned_at[int(m["id"])],
        reverse=True,
    )
    intents = fake.current_intents()
    items = [
        {"pinned_at": iso(fake.pinned_at[int(m["id"])]), "message": fake.withhold_content(m, intents)}
        for m in pinned
    ]
    return {"items": items, "has_more": False}


@route("GET", _p("/channels/{channel}/pins"))
async def list_pins_legacy(ctx: Ctx) -> Any:
    channel = ctx.viewable_channel()
    return [m for m in channel.messages if m.get("pinned")]


def _now_utc() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


@route("PUT", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/@me")
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


@route("POST", _p("/channels/{channel}/typing"))
async def typing(ctx: Ctx) -> Any:
    ctx.viewable_channel()
    return None


# ---------------------------------------------------------------------------- threads
@route("POST", _p("/channels/{channel}/messages/{message}/threads"))
async def thread_from_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    if channel.is_thread or channel.type == GUILD_FORUM:
        raise ApiError(400, "Cannot execute action on this channel type", 50024)
    message = fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    ctx.need(channel, perm.CREATE_PUBLIC_THREADS | perm.READ_MESSAGE_HISTORY)
    body = ctx.body.json
    errors = FormErrors()
    check_thread_name(body.get("name"), errors)
    if errors:
        raise form_error(errors)
    if fake.thread_of(int(message["id"])) is not None:
        raise ApiError(400, "A thread has already been created for this message", 160004)
    thread = fake.open_thread(
        channel,
        body["name"],
        fake.bot_user,
        thread_id=int(message["id"]),
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
    )
    message["flags"] = int(message.get("flags", 0)) | (1 << 5)
    message["thread"] = thread.to_payload()
    return thread.to_payload()


@route("POST", _p("/channels/{channel}/threads"))
async def create_thread(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    body = ctx.body.json
    errors = FormErrors()
    check_thread_name(body.get("name"), errors)
    if channel.type == GUILD_FORUM:
        first = body.get("message")
        if not isinstance(first, dict):
            errors.add(["message"], "BASE_TYPE_REQUIRED", "This field is required")
        else:
            check_message(first, errors, ["message"])
        if errors:
            raise form_error(errors)
        assert isinstance(first, dict)
        ctx.need(channel, _send_permissions(channel, first, len(ctx.body.files)))
        if is_empty_message(first, len(ctx.body.files)):
            raise ApiError(400, "Cannot send an empty message", 50006)
        message_id = fake.ids.next()
        thread = fake.open_thread(
            channel,
            body["name"],
            fake.bot_user,
            thread_id=message_id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            applied_tags=body.get("applied_tags") or [],
        )
        if first.get("embeds") and not fake.bot_permissions(thread) & perm.EMBED_LINKS:
            first = {**first, "embeds": []}
        attachments = _attachments_from(ctx, first, thread.id)
        guild = fake.guilds[channel.guild_id]
        message = fake.build_message(
            thread, fake.bot_member(guild), first, attachments, message_id=message_id
        )
        fake.add_message(thread, message)
        return {**thread.to_payload(), "message": message}
    if errors:
        raise form_error(errors)
    if channel.is_thread or channel.type != GUILD_TEXT:
        raise ApiError(400, "Cannot execute action on this channel type", 50024)
    kind = int(body.get("type") or PRIVATE_THREAD)
    ctx.need(channel, perm.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else perm.CREATE_PUBLIC_THREADS)
    thread = fake.open_thread(
        channel,
        body["name"],
        fake.bot_user,
        kind=kind if kind in (PUBLIC_THREAD, PRIVATE_THREAD) else PUBLIC_THREAD,
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
    )
    thread.invitable = bool(body.get("invitable", True))
    return thread.to_payload()


@route("PUT", _p("/channels/{channel}/thread-members/@me"))
async def join_thread(ctx: Ctx) -> Any:
    thread = ctx.viewable_channel()
    if thread.archived:
        raise ApiError(400, "Thread is archived", 50083)
    thread.member_ids.add(ctx.fake.bot_user.id)
    return None


@route("DELETE", _p("/channels/{channel}/thread-members/@me"))
async def leave_thread(ctx: Ctx) -> Any:
    ctx.viewable_channel().member_ids.discard(ctx.fake.bot_user.id)
    return None


@route("GET", _p("/channels/{channel}/threads/archived/public"))
async def archived_threads(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    ctx.need(channel, perm.READ_MESSAGE_HISTORY)
    threads = [t for t in fake.threads(channel) if t.archived and t.type == PUBLIC_THREAD]
    limit = int(ctx.query.get("limit", 50))
    return {
        "threads": [t.to_payload() for t in threads[:limit]],
        "members": [],
        "has_more": len(threads) > limit,
    }


# ---------------------------------------------------------------------------- interactions
def _interaction_for_callback(ctx: Ctx) -> InteractionRecord:
    fake = ctx.fake
    record = fake.interactions.get(ctx.int("interaction"))
    if record is None or record.token != ctx.match.group("token"):
        raise ApiError(404, "Unknown interaction", 10062)
    if record.responded:
        raise ApiError(400, "Interaction has already been acknowledged.", 40060)
    if record.expired or fake.now() - record.created > fake.initial_response_deadline:
        raise ApiError(404, "Unknown interaction", 10062)
    return record


@route("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback", auth=False)
async def interaction_callback(ctx: Ctx) -> Any:
    fake = ctx.fake
    record = _interaction_for_callback(ctx)
    body = ctx.body.json
    kind = int(body.get("type", 0))
    data = body.get("data") or {}
    n_files = len(ctx.body.files)
    channel = record.channel
    resource: dict[str, Any] | None = None
    if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
        _validate_message(data, n_files, allow_empty=kind == UPDATE_MESSAGE, prefix=["data"])
    if kind == CHANNEL_MESSAGE:
        message = _interaction_message(ctx, record, data, loading=False)
        resource = {"type": kind, "message": message}
    elif kind == DEFERRED_CHANNEL_MESSAGE:
        flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
        message = _interaction_message(ctx, record, {"content": "", "flags": flags}, loading=True)
        resource = {"type": kind, "message": message}
    elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
        if record.source_message_id is None:
            raise ApiError(400, "Interaction has no message to update", 50035)
        assert channel is not None
        source = fake.find_message(channel, record.source_message_id)
        ephemeral_source = fake.ephemeral_messages.get(record.source_message_id)
        if source is None and ephemeral_source is None:
            raise fail(UNKNOWN_MESSAGE)
        if source is None:
            assert ephemeral_source is not None
            source = ephemeral_source
        record.original = source
        if kind == UPDATE_MESSAGE:
            changes = _edit_changes(ctx, data, source, channel.id)
            if source is ephemeral_source:
                source.update(changes)  # only its viewer sees it: no gateway event
            else:
                fake.update_message(channel, source, changes)
            record.edits += 1
            resource = {"type": kind, "message": source}
    elif kind == AUTOCOMPLETE_RESULT:
        choices = data.get("choices") or []
        if len(choices) > CHOICES_MAX:
            errors = FormErrors()
            errors.add(
                ["data", "choices"], "BASE_TYPE_MAX_LENGTH", f"Must be {CHOICES_MAX} or fewer in length."
            )
            raise form_error(errors)
    elif kind == MODAL:
        if not data.get("custom_id") or not data.get("title"):
            raise ApiError(400, "Invalid Form Body", 50035)
    elif kind != PONG:
        raise ApiError(400, f"Unsupported interaction response type {kind}", 50035)
    record.response_type = kind
    record.response_data = data
    fake.notify()
    interaction = {
        "id": str(record.id),
        "type": record.type,
        "response_message_id": resource["message"]["id"] if resource else None,
        "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
        "response_message_ephemeral": bool(resource and int(resource["message"].get("flags", 0)) & EPHEMERAL),
    }
    out: dict[str, Any] = {"interaction": interaction}
    if resource is not None:
        out["resource"] = resource
    return out


def _interaction_message(
    ctx: Ctx, record: InteractionRecord, data: dict[str, Any], *, loading: bool, message_id: int | None = None
) -> dict[str, Any]:
    """The bot's response message: stored in the channel (and dispatched) unless ephemeral."""
    fake = ctx.fake
    channel = record.channel
    assert channel is not None
    flags = int(data.get("flags") or 0)
    attachments = _attachments_from(ctx, data, channel.id)
    user = record.member.user if hasattr(record.member, "user") else record.member
    extra = {
        "webhook_id": str(fake.application_id),
        "application_id": str(fake.application_id),
        "interaction_metadata": {
            "id": str(record.id),
            "type": record.type,
            "user": user.to_payload(),
            "authorizing_integration_owners": record.payload.get("authorizing_integration_owners", {}),
        },
    }
    author = fake.bot_user
    message = fake.build_message(
        channel,
        author,
        {**data, "flags": flags},
        attachments,
        message_type=20 if record.type == 2 else 19,
        message_id=message_id,
        extra=extra,
    )
    message.pop("member", None)
    if record.original is None:
        record.original = message
        record.original_loading = loading
    if not flags & EPHEMERAL:
        fake.add_message(channel, message)
    else:
        fake.ephemeral_messages[int(message["id"])] = message
    return message


def _webhook_record(ctx: Ctx) -> InteractionRecord:
    fake = ctx.fake
    if ctx.int("app") != fake.application_id:
        raise ApiError(404, "Unknown Webhook", 10015)
    token = ctx.match.group("token")
    record = next((r for r in fake.interactions.values() if r.token == token), None)
    if record is None:
        raise ApiError(404, "Unknown Webhook", 10015)
    if record.expired or fake.now() - record.created > TOKEN_LIFETIME:
        raise ApiError(401, "Invalid Webhook Token", 50027)
    if not record.responded:
        raise ApiError(404, "Unknown Webhook", 10015)
    return record


@route("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", auth=False)
async def followup(ctx: Ctx) -> Any:
    fake = ctx.fake
    record = _webhook_record(ctx)
    data = ctx.body.json
    _validate_message(data, len(ctx.body.files))
    channel = record.channel
    assert channel is not None
    if record.original is not None and record.original_loading:
        # Discord: the first follow-up after a deferral replaces the "thinking" message.
        original = record.original
        ephemeral = int(original.get("flags", 0)) & EPHEMERAL
        changes = _edit_changes(ctx, {**data, "flags": ephemeral}, original, channel.id)
        changes["flags"] = ephemeral
        original.update(changes)
        record.original_loading = False
        if not ephemeral:
            fake.dispatch_message("MESSAGE_UPDATE", original, channel)
        record.followups.append(original)
        fake.notify()
        return original
    message = _interaction_message(ctx, record, data, loading=False)
    record.followups.append(message)
    fake.notify()
    return message


def _webhook_message(ctx: Ctx, record: InteractionRecord) -> dict[str, Any]:
    which = ctx.match.group("message")
    if which == "@original":
        if record.original is None or record.deleted_original:
            raise fail(UNKNOWN_MESSAGE)
        return record.original
    for msg in [record.original, *record.followups]:
        if msg is not None and msg["id"] == which:
            return msg
    raise fail(UNKNOWN_MESSAGE)


WEBHOOK_MESSAGE = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)"


@route("GET", WEBHOOK_MESSAGE, auth=False)
async def get_webhook_message(ctx: Ctx) -> Any:
    return _webhook_message(ctx, _webhook_record(ctx))


@route("PATCH", WEBHOOK_MESSAGE, auth=False)
async def edit_webhook_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    record = _webhook_record(ctx)
    message = _webhook_message(ctx, record)
    data = ctx.body.json
    _validate_message(data, len(ctx.body.files), allow_empty=True)
    channel = record.channel
    assert channel is not None
    changes = _edit_changes(ctx, data, message, channel.id)
    if message is record.original:
        record.original_loading = False
        changes["flags"] = int(changes.get("flags", message.get("flags", 0))) & ~LOADING
        record.edits += 1
    ephemeral = int(message.get("flags", 0)) & EPHEMERAL
    if ephemeral:
        message.update(changes)
    else:
        fake.update_message(channel, message, changes)
    fake.notify()
    return message


@route("DELETE", WEBHOOK_MESSAGE, auth=False)
async def delete_webhook_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    record = _webhook_record(ctx)
    message = _webhook_message(ctx, record)
    channel = record.channel
    assert channel is not None
    if message is record.original:
        record.deleted_original = True
    if fake.find_message(channel, int(message["id"])) is not None:
        fake.remove_message(channel, message)
    fake.notify()
    return None


# ---------------------------------------------------------------------------- the app
def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    all_headers = {**COMMON_HEADERS, **(headers or {})}
    if body is None and status == 200:
        return web.Response(status=204, headers=all_headers)
    # discord.py only parses a body whose Content-Type is exactly "application/json".
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


async def api_handler(request: web.Request) -> web.StreamResponse:
    from .driver import RecordedRequest

    fake: FakeDiscord = request.app[FAKE_KEY]
    path = "/" + request.match_info["tail"]
    method = request.method.upper()
    body = await read_body(request)
    record: RecordedRequest = RecordedRequest(
        method,
        path,
        body.payload,
        dict(request.query),
        [(name, data) for name, data, _ in (body.files[i] for i in sorted(body.files))],
    )
    fake.requests.append(record)
    try:
        response = await _answer(fake, request, method, path, body, record)
    finally:
        fake.notify()
    record.status = response.status
    return response


async def _answer(
    fake: FakeDiscord, request: web.Request, method: str, path: str, body: Body, record: RecordedRequest
) -> web.Response:
    for fault in fake.faults:
        if fault.matches(method, path):
            fault.times -= 1
            fault.hits.append(path)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                status, err, headers = fault.response_parts()
                return _json_response(status, err, headers)
            break
    for route_method, pattern, handler, needs_auth in ROUTES:
        if route_method != method:
            continue
        match = pattern.match(path)
        if match is None:
            continue
        if needs_auth and request.headers.get("Authorization") != f"Bot {fake.token}":
            return _json_response(401, {"message": "401: Unauthorized", "code": 0})
        try:
            result = await handler(Ctx(fake, request, match, body))
        except ApiError as exc:
            return _json_response(exc.status, exc.body)
        return _json_response(200, result)
    fake.unknown_requests.append(record)
    log.warning("fake discord: unknown route %s %s", method, path)
    return _json_response(404, {"message": "404: Not Found", "code": 0})


async def attachment_handler(request: web.Request) -> web.Response:
    fake: FakeDiscord = request.app[FAKE_KEY]
    data = fake.attachments.get(int(request.match_info["att"]))
    if data is None:
        return web.Response(status=404)
    return web.Response(body=data, content_type="application/octet-stream")


def build_app(fake: FakeDiscord) -> web.Application:
    app = web.Application(client_max_size=100 * 1024 * 1024)
    app[FAKE_KEY] = fake
    app.router.add_route("*", "/api/v10/{tail:.*}", api_handler)
    app.router.add_get("/attachments/{channel}/{att}/{name}", attachment_handler)
    return app
