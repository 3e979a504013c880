"""Messages in channels and threads: send (with files, nonces), read history, edit, delete.

The helpers for message bodies (attachments, validation, edits) are shared with the interaction
responses in interactions.py.
"""

from __future__ import annotations

from typing import Any

from .. import permissions as perm
from ..interactions import EPHEMERAL
from ..messages import AUTHORED_TYPES, DEFAULT, NONCE_WINDOW
from ..models import DM, GUILD_FORUM, Channel
from ..validation import FormErrors, check_message, is_empty_message
from .routing import (
    MISSING_ACCESS,
    SYSTEM_MESSAGE,
    UNKNOWN_MESSAGE,
    ApiError,
    Ctx,
    Routes,
    fail,
    form_error,
    path,
)

routes = Routes()


def attachments_from(
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


def validate_message(
    payload: dict[str, Any], n_files: int, *, allow_empty: bool = False, prefix: list[str | int] | None = None
) -> None:
    errors = FormErrors()
    check_message(payload, errors, prefix)
    if errors:
        raise form_error(errors)
    if not allow_empty and is_empty_message(payload, n_files):
        raise ApiError(400, "Cannot send an empty message", 50006)


def send_permissions(channel: Channel, payload: dict[str, Any], n_files: int) -> int:
    if channel.type == DM:
        return 0
    need = perm.VIEW_CHANNEL | (perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else perm.SEND_MESSAGES)
    if n_files:
        need |= perm.ATTACH_FILES
    if payload.get("message_reference"):
        need |= perm.READ_MESSAGE_HISTORY
    return need


@routes("POST", path("/channels/{channel}/messages"))
async def create_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.channel()
    payload = ctx.body.json
    n_files = len(ctx.body.files)
    if channel.type == GUILD_FORUM:
        raise ApiError(400, "Cannot execute action on this channel type", 50024)
    if channel.type != DM:
        ctx.need(channel, send_permissions(channel, payload, n_files))
    ctx.check_can_send(channel)
    validate_message(payload, n_files)
    nonce = payload.get("nonce")
    if nonce is not None and payload.get("enforce_nonce"):
        key = (channel.id, fake.bot_user.id, str(nonce))
        seen = fake.nonces.get(key)
        if seen is not None and fake.now() - seen[0] < NONCE_WINDOW:
            existing = fake.find_message(channel, int(seen[1]["id"]))
            if existing is not None:
                return existing
    if channel.type != DM and payload.get("embeds") and not fake.bot_permissions(channel) & perm.EMBED_LINKS:
        payload = {**payload, "embeds": []}  # Discord sends the message without its embeds
    attachments = attachments_from(ctx, payload, channel.id)
    author = fake.bot_member(fake.guilds[channel.guild_id]) if channel.type != DM else fake.bot_user
    message = fake.build_message(channel, author, payload, attachments)
    if nonce is not None and payload.get("enforce_nonce"):
        fake.nonces[(channel.id, fake.bot_user.id, str(nonce))] = (fake.now(), message)
    fake.add_message(channel, message)
    return message


def _history_visible(ctx: Ctx, channel: Channel) -> bool:
    return channel.type == DM or bool(ctx.fake.bot_permissions(channel) & perm.READ_MESSAGE_HISTORY)


@routes("GET", path("/channels/{channel}/messages"))
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


@routes("GET", path("/channels/{channel}/messages/{message}"))
async def get_message(ctx: Ctx) -> Any:
    channel = ctx.viewable_channel()
    if not _history_visible(ctx, channel):
        raise fail(MISSING_ACCESS)
    message = ctx.fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    return ctx.fake.withhold_content(message, ctx.fake.current_intents())


@routes("PATCH", path("/channels/{channel}/messages/{message}"))
async def edit_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    message = fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    payload = ctx.body.json
    ctx.refuse_if_archived(channel)
    if message.get("type", DEFAULT) not in AUTHORED_TYPES:
        raise fail(SYSTEM_MESSAGE)
    if int(message["author"]["id"]) != fake.bot_user.id:
        if set(payload) - {"flags"}:
            raise ApiError(403, "Cannot edit a message authored by another user", 50005)
        ctx.need(channel, perm.MANAGE_MESSAGES)
    validate_message(payload, len(ctx.body.files), allow_empty=True)
    return fake.update_message(channel, message, edit_changes(ctx, payload, message, channel.id))


def edit_changes(
    ctx: Ctx, payload: dict[str, Any], message: dict[str, Any], channel_id: int
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in ("content", "components", "flags"):
        if key in payload:
            changes[key] = payload[key] if payload[key] is not None else ([] if key == "components" else "")
    if "embeds" in payload:
        changes["embeds"] = [dict(e, type=e.get("type", "rich")) for e in payload["embeds"] or []]
    if "attachments" in payload or ctx.body.files:
        changes["attachments"] = attachments_from(
            ctx, payload, channel_id, keep=message.get("attachments", [])
        )
    if "flags" in changes:
        changes["flags"] = int(changes["flags"] or 0) | (int(message.get("flags", 0)) & EPHEMERAL)
    return changes


@routes("DELETE", path("/channels/{channel}/messages/{message}"))
async def delete_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    message = fake.find_message(channel, ctx.int("message"))
    if message is None:
        raise fail(UNKNOWN_MESSAGE)
    ctx.refuse_if_archived(channel)
    if int(message["author"]["id"]) != fake.bot_user.id:
        ctx.need(channel, perm.MANAGE_MESSAGES)
    fake.remove_message(channel, message)
    return None
