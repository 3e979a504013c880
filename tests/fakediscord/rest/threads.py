"""Threads: from a message, in a channel, forum posts; edits (lock, archive); joining; archived lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import permissions as perm
from ..gateway import GUILDS
from ..messages import HAS_THREAD
from ..models import GUILD_FORUM, GUILD_TEXT, PRIVATE_THREAD, PUBLIC_THREAD, THREAD_PINNED, Channel
from ..validation import FormErrors, check_message, check_thread_name, is_empty_message
from .messages import attachments_from, send_permissions
from .routing import UNKNOWN_MESSAGE, ApiError, Ctx, Routes, fail, form_error, path

routes = Routes()


@routes("POST", path("/channels/{channel}/messages/{message}/threads"))
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
    message["flags"] = int(message.get("flags", 0)) | HAS_THREAD
    message["thread"] = thread.to_payload()
    return thread.to_payload()


@routes("POST", path("/channels/{channel}/threads"))
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
        ctx.need(channel, send_permissions(channel, first, len(ctx.body.files)))
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
        attachments = attachments_from(ctx, first, thread.id)
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


@routes("PUT", path("/channels/{channel}/thread-members/@me"))
async def join_thread(ctx: Ctx) -> Any:
    thread = ctx.viewable_channel()
    if thread.archived:
        raise ApiError(400, "Thread is archived", 50083)
    thread.member_ids.add(ctx.fake.bot_user.id)
    return None


@routes("DELETE", path("/channels/{channel}/thread-members/@me"))
async def leave_thread(ctx: Ctx) -> Any:
    ctx.viewable_channel().member_ids.discard(ctx.fake.bot_user.id)
    return None


@routes("GET", path("/channels/{channel}/threads/archived/public"))
async def archived_threads(ctx: Ctx) -> Any:
    fake = ctx.fake
    channel = ctx.viewable_channel()
    ctx.need(channel, perm.READ_MESSAGE_HISTORY)
    # Newest archived first; ``before`` (an ISO 8601 instant) pages on, as on Discord.
    threads = [t for t in fake.threads(channel) if t.archived and t.type == PUBLIC_THREAD]
    threads.sort(key=_archived_at, reverse=True)
    before = ctx.query.get("before")
    if before:
        cutoff = datetime.fromisoformat(before)
        threads = [t for t in threads if _archived_at(t) < cutoff]
    limit = max(2, min(int(ctx.query.get("limit", 50)), 100))
    return {
        "threads": [t.to_payload() for t in threads[:limit]],
        "members": [],
        "has_more": len(threads) > limit,
    }


def _archived_at(thread: Channel) -> datetime:
    return thread.archive_timestamp or thread.created_at


def edit_thread(ctx: Ctx, channel: Channel, body: dict[str, Any]) -> dict[str, Any]:
    """PATCH /channels/{thread}: its owner may rename or (un)archive it; the rest needs Manage Threads.

    ``flags`` may change only PINNED (a forum post pinned to the top of its forum), and only on
    a forum post; other flag bits are kept as they are.
    """
    fake = ctx.fake
    if channel.archived and body.get("archived") is not False and set(body) - {"archived"}:
        ctx.refuse_if_archived(channel)  # archived: it may only be reopened (Discord: 50083)
    is_owner = channel.owner_id == fake.bot_user.id
    pinning = "flags" in body and (int(body["flags"]) ^ channel.flags) & THREAD_PINNED
    if pinning:
        parent = fake.find_channel(channel.parent_id) if channel.parent_id else None
        if parent is None or parent.type != GUILD_FORUM:
            errors = FormErrors()
            errors.add(["flags"], "CHANNEL_FLAGS_INVALID", "Only forum posts can be pinned")
            raise form_error(errors)
    needs_manage = (
        "locked" in body
        or bool(pinning)
        or ("name" in body and not is_owner)
        or ("archived" in body and not is_owner)
    )
    if channel.locked and not ("locked" in body and not body["locked"]):
        needs_manage = True
    if needs_manage:
        ctx.need(channel, perm.MANAGE_THREADS)
    if "name" in body:
        channel.name = body["name"]
    if "archived" in body:
        if channel.archived != bool(body["archived"]):
            channel.archive_timestamp = datetime.now(UTC)  # when the archive status last changed
        channel.archived = bool(body["archived"])
    if "locked" in body:
        channel.locked = bool(body["locked"])
    if "auto_archive_duration" in body:
        channel.auto_archive_duration = int(body["auto_archive_duration"])
    if "applied_tags" in body:
        channel.applied_tags = [int(t) for t in body["applied_tags"]]
    if pinning:
        channel.flags ^= THREAD_PINNED
    fake.dispatch("THREAD_UPDATE", channel.to_payload(), guild_id=channel.guild_id, intent=GUILDS)
    return channel.to_payload()
