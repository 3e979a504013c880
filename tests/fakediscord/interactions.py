"""Interactions the driver sends, what the bot answered, and how a test reads the answer.

An :class:`InteractionRecord` lives in the fake from INTERACTION_CREATE until the test is done;
REST handlers fill it in (initial response, follow-ups, edits) and :class:`InteractionResult` is
the test's view of it: the final visible message, its embeds and files, the follow-ups.
"""

# The driver API takes `timeout=` by design (tests read `await fake.slash(..., timeout=5)`).
# ruff: noqa: ASYNC109

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import modals
from .models import Channel, Member, Role, User

if TYPE_CHECKING:
    from .driver import FakeDiscord

# Interaction types
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Callback (response) types
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

EPHEMERAL = 1 << 6
LOADING = 1 << 7

#: Discord: the initial response must come within 3 s; the token then works for 15 minutes.
INITIAL_RESPONSE_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0

# Application command option types
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    member: Member | User
    channel: Channel | None
    guild_id: int | None
    created: float
    payload: dict[str, Any] = field(default_factory=dict)
    response_type: int | None = None
    response_data: dict[str, Any] | None = None
    original: dict[str, Any] | None = None  # the response message (latest state)
    original_loading: bool = False
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: int = 0
    deleted_original: bool = False
    expired: bool = False
    source_message_id: int | None = None  # for component interactions
    modal_submission: InteractionRecord | None = None  # the submit of the modal this one opened

    def age(self, now: float) -> float:
        return now - self.created

    @property
    def responded(self) -> bool:
        return self.response_type is not None

    @property
    def settled(self) -> bool:
        """The test may read the answer: answered, and a deferral has been followed up."""
        if self.response_type is None:
            return False
        if self.response_type == DEFERRED_CHANNEL_MESSAGE:
            return bool(self.followups) or (self.edits > 0 and not self.original_loading)
        if self.response_type == DEFERRED_UPDATE_MESSAGE:
            return bool(self.followups) or self.edits > 0
        return True


class InteractionResult:
    """What a member saw after running a command or clicking a component."""

    def __init__(self, fake: FakeDiscord, record: InteractionRecord) -> None:
        self._fake = fake
        self.record = record

    def __repr__(self) -> str:
        return (
            f"<InteractionResult type={self.type} ephemeral={self.ephemeral} "
            f"content={self.content!r} embeds={len(self.embeds)} followups={len(self.followups)}>"
        )

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def token(self) -> str:
        return self.record.token

    @property
    def type(self) -> int | None:
        """The callback type of the initial response (4 message, 5 deferred, 7 update, 9 modal...)."""
        return self.record.response_type

    @property
    def responded(self) -> bool:
        return self.record.responded

    @property
    def message(self) -> dict[str, Any] | None:
        """The final visible message: the (edited) original, else the last follow-up."""
        rec = self.record
        if rec.original is not None and not rec.deleted_original and not rec.original_loading:
            return rec.original
        if rec.followups:
            return rec.followups[-1]
        return rec.original

    @property
    def ephemeral(self) -> bool:
        msg = self.message
        return bool(msg and int(msg.get("flags", 0)) & EPHEMERAL)

    @property
    def content(self) -> str | None:
        msg = self.message
        return None if msg is None else msg.get("content", "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        msg = self.message
        return [] if msg is None else list(msg.get("embeds", []))

    @property
    def components(self) -> list[dict[str, Any]]:
        msg = self.message
        return [] if msg is None else list(msg.get("components", []))

    @property
    def files(self) -> list[tuple[str, bytes]]:
        """(filename, bytes) of every attachment of the final message."""
        msg = self.message
        if msg is None:
            return []
        return [(a["filename"], self._fake.attachment_bytes(a)) for a in msg.get("attachments", [])]

    def file_text(self, name: str | None = None) -> str:
        """Text of the (named, or only/first) attachment of the final message or any follow-up."""
        messages = [m for m in [self.message, *reversed(self.record.followups)] if m]
        for msg in messages:
            for att in msg.get("attachments", []):
                if name is None or att["filename"] == name:
                    return self._fake.attachment_bytes(att).decode("utf-8")
        raise AssertionError(f"no attachment {name or ''!s} in the interaction's messages: {self!r}")

    @property
    def followups(self) -> list[dict[str, Any]]:
        return list(self.record.followups)

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (callback type 9), as sent."""
        return self.record.response_data if self.record.response_type == MODAL else None

    @property
    def modal_values(self) -> dict[str, str]:
        """The modal's text inputs as the member first sees them: ``{custom_id: prefilled value}``."""
        return modals.prefilled(self.modal) if self.modal is not None else {}

    @property
    def modal_inputs(self) -> dict[str, dict[str, Any]]:
        """The modal's text inputs as sent (style, min/max length, value...), by custom_id."""
        if self.modal is None:
            return {}
        return {child["custom_id"]: child for _, child in modals.text_inputs(self.modal)}

    @property
    def choices(self) -> list[dict[str, Any]]:
        data = self.record.response_data or {}
        return list(data.get("choices", []))

    @property
    def channel(self) -> Channel | None:
        return self.record.channel

    @property
    def thread(self) -> Channel | None:
        """The thread of the final message, else the newest thread the bot opened since the command.

        So ``post = await fake.slash(mod, "lesson post", ...)`` then ``post.thread`` is the lesson's
        discussion thread even though the visible answer is an ephemeral "posted" note.
        """
        msg = self.message
        if msg is not None:
            own = self._fake.thread_of(int(msg["id"]))
            if own is not None:
                return own
        bot_id = self._fake.bot_user.id
        since = [t for t in self._fake.threads() if t.id > self.record.id and t.owner_id == bot_id]
        return since[-1] if since else None

    async def wait_followups(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        await self._fake.wait_until(lambda: len(self.record.followups) >= n, timeout=timeout)
        return self.followups

    async def wait_settled(self, timeout: float = 5.0) -> InteractionResult:
        await self._fake.wait_until(lambda: self.record.settled, timeout=timeout)
        return self

    def expire(self) -> None:
        """End the interaction's token, as 15 minutes would: follow-ups/edits get 401 (50027)."""
        self.record.expired = True


def coerce_option(
    fake: FakeDiscord,
    schema: dict[str, Any],
    value: Any,
    resolved: dict[str, dict[str, Any]],
    viewer: Member | None,
) -> Any:
    """Turn a test's Python value into the wire value for an option, filling ``resolved``."""
    kind = schema["type"]
    name = schema["name"]
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        return int(value)
    if kind == NUMBER:
        return float(value)
    if kind == BOOLEAN:
        return bool(value)
    if kind == CHANNEL:
        channel = value if isinstance(value, Channel) else fake.channel(int(value))
        allowed = schema.get("channel_types")
        if allowed and channel.type not in allowed:
            raise ValueError(f"option {name!r} accepts channel types {allowed}, not {channel.type}")
        resolved.setdefault("channels", {})[str(channel.id)] = fake.resolved_channel(channel, viewer)
        return str(channel.id)
    if kind == ROLE:
        role = value if isinstance(value, Role) else fake.role(int(value))
        resolved.setdefault("roles", {})[str(role.id)] = role.to_payload()
        return str(role.id)
    if kind in (USER, MENTIONABLE):
        if isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = value.to_payload()
            return str(value.id)
        if isinstance(value, Member):
            resolved.setdefault("users", {})[str(value.id)] = value.user.to_payload()
            perms = fake.permissions_for(value, None)
            resolved.setdefault("members", {})[str(value.id)] = value.to_payload(
                with_user=False, permissions=perms
            )
            return str(value.id)
        user = value if isinstance(value, User) else fake.user(int(value))
        resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
        return str(user.id)
    if kind == ATTACHMENT:
        filename, data, *rest = value  # (name, bytes) or (name, bytes, content type)
        if len(data) > fake.attachment_size_limit:
            raise ValueError(
                f"option {name!r}: Discord's client refuses a file over {fake.attachment_size_limit} bytes"
            )
        content_type = rest[0] if rest else None
        att = fake.store_attachment(
            filename, bytes(data), channel_id=0, content_type=content_type, ephemeral=True
        )
        resolved.setdefault("attachments", {})[att["id"]] = att
        return att["id"]
    raise ValueError(f"unsupported option type {kind} for {name!r}")


async def wait_record(fake: FakeDiscord, record: InteractionRecord, timeout: float) -> None:
    """Wait until the record settled; a timeout is not an error (the result says what happened)."""
    try:
        await fake.wait_until(lambda: record.settled, timeout=timeout)
    except TimeoutError:
        return
