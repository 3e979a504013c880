"""Interaction responses (the callback) and the interaction webhook: follow-ups and edits."""

from __future__ import annotations

from typing import Any

from ..interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    LOADING,
    MODAL,
    MODAL_SUBMIT,
    PONG,
    TOKEN_LIFETIME,
    UPDATE_MESSAGE,
    InteractionRecord,
)
from ..mentions import USERS_ONLY
from ..messages import CHAT_INPUT_COMMAND, REPLY
from ..validation import CHOICES_MAX, FormErrors, check_modal
from .messages import attachments_from, edit_changes, validate_message
from .routing import UNKNOWN_MESSAGE, ApiError, Ctx, Routes, fail, form_error

routes = Routes()


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


@routes("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback", auth=False)
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
        validate_message(data, n_files, allow_empty=kind == UPDATE_MESSAGE, prefix=["data"])
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
            changes = edit_changes(ctx, data, source, channel.id)
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
        if record.type == MODAL_SUBMIT:
            # Discord: a modal answers a command or a component, never another modal's submit.
            raise ApiError(400, "Interaction callback type 9 is not valid for a modal submit", 50035)
        errors = FormErrors()
        check_modal(data, errors, ["data"])
        if errors:
            raise form_error(errors)
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
    attachments = attachments_from(ctx, data, channel.id)
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
        message_type=CHAT_INPUT_COMMAND if record.type == APPLICATION_COMMAND else REPLY,
        message_id=message_id,
        extra=extra,
        default_mentions=USERS_ONLY,
    )
    message.pop("member", None)
    if record.original is None:
        record.original = message
        record.original_loading = loading
    if not flags & EPHEMERAL:
        fake.add_message(channel, message)
    else:
        fake.ephemeral_messages[int(message["id"])] = message
        fake.ephemeral_viewers[int(message["id"])] = user.id
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


@routes("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", auth=False)
async def followup(ctx: Ctx) -> Any:
    fake = ctx.fake
    record = _webhook_record(ctx)
    data = ctx.body.json
    validate_message(data, len(ctx.body.files))
    channel = record.channel
    assert channel is not None
    if record.original is not None and record.original_loading:
        # Discord: the first follow-up after a deferral replaces the "thinking" message.
        original = record.original
        ephemeral = int(original.get("flags", 0)) & EPHEMERAL
        changes = edit_changes(ctx, {**data, "flags": ephemeral}, original, channel.id)
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


@routes("GET", WEBHOOK_MESSAGE, auth=False)
async def get_webhook_message(ctx: Ctx) -> Any:
    return _webhook_message(ctx, _webhook_record(ctx))


@routes("PATCH", WEBHOOK_MESSAGE, auth=False)
async def edit_webhook_message(ctx: Ctx) -> Any:
    fake = ctx.fake
    record = _webhook_record(ctx)
    message = _webhook_message(ctx, record)
    data = ctx.body.json
    validate_message(data, len(ctx.body.files), allow_empty=True)
    channel = record.channel
    assert channel is not None
    changes = edit_changes(ctx, data, message, channel.id)
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


@routes("DELETE", WEBHOOK_MESSAGE, auth=False)
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
