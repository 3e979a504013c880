"""What discord.py may write to the bot's log: no tokens, no members' words, no voice noise.

At DEBUG, discord.py logs every gateway event verbatim (``discord.gateway``): an interaction's
token (which lets a log reader answer as the bot for 15 minutes), every member's message text,
the options they typed. Its webhook adapter (``discord.webhook.async_``, which carries every
interaction response and follow-up) logs URLs that contain the interaction token, and its HTTP
client (``discord.http``) logs request and response bodies. Rather than silencing DEBUG, which
is what an operator turns on to see what the bot receives and sends, the filters here rewrite
those records: a gateway event keeps its opcode, name, sequence and ids, and withholds the rest;
a URL keeps its route and loses its token. ``discord.http`` stays at INFO or above: its DEBUG
lines are bodies and little else.

discord.py also warns at every start that PyNaCl and davey are missing; the bot uses no voice,
so exactly those two warnings are dropped, and every other warning passes.

The filters sit on the loggers that create the records, so they apply to every handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

__all__ = [
    "QuietVoiceWarnings",
    "RedactGatewayEvents",
    "RedactWebhookTokens",
    "install_log_filters",
]

GATEWAY_LOGGER = "discord.gateway"
WEBHOOK_LOGGERS = ("discord.webhook.async_", "discord.webhook.sync")
HTTP_LOGGER = "discord.http"
CLIENT_LOGGER = "discord.client"

_GATEWAY_EVENT = "For Shard ID %s: WebSocket Event: %s"
# Fields of an event's data that identify things without saying anything a member wrote.
_SAFE_FIELDS = frozenset(
    {
        "id",
        "guild_id",
        "channel_id",
        "message_id",
        "parent_id",
        "application_id",
        "type",
        "unavailable",
        "heartbeat_interval",
    }
)
# /webhooks/<application id>/<interaction token>, /interactions/<id>/<token>/callback
_TOKEN_IN_URL = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/?\s'\"]+")
VOICE_WARNINGS = frozenset(
    {
        "PyNaCl is not installed, voice will NOT be supported",
        "davey is not installed, voice will NOT be supported",
    }
)


def summarize_event(payload: object) -> str:
    """A gateway message without its content: ``op=0 t=MESSAGE_CREATE s=7 d={id, channel_id}``."""
    if not isinstance(payload, Mapping):
        return f"<{type(payload).__name__} withheld>"
    data = payload.get("d")
    if isinstance(data, Mapping):
        kept = {
            key: value
            for key, value in data.items()
            if key in _SAFE_FIELDS and isinstance(value, str | int | bool | None)
        }
        withheld = len(data) - len(kept)
        shown = f"{kept}" + (f" (+{withheld} fields withheld)" if withheld else "")
    elif data is None or isinstance(data, bool | int):
        shown = repr(data)
    else:
        shown = f"<{type(data).__name__} withheld>"
    return f"op={payload.get('op')} t={payload.get('t')} s={payload.get('s')} d={shown}"


def redact_url(text: str) -> str:
    """A webhook or interaction URL with its token replaced by ``[token]``."""
    return _TOKEN_IN_URL.sub(r"\1[token]", text)


class RedactGatewayEvents(logging.Filter):
    """Each gateway event logged by discord.py becomes its summary (see :func:`summarize_event`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _GATEWAY_EVENT and isinstance(record.args, tuple) and len(record.args) == 2:
            record.args = (record.args[0], summarize_event(record.args[1]))
        return True


class RedactWebhookTokens(logging.Filter):
    """The interaction token in the webhook adapter's URLs becomes ``[token]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg, record.args = redact_url(record.getMessage()), None
        return True


class QuietVoiceWarnings(logging.Filter):
    """Drop exactly discord.py's "PyNaCl/davey is not installed" warnings; keep everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.msg in VOICE_WARNINGS)


def install_log_filters(level: int) -> None:
    """Put the filters on discord.py's loggers, and hold ``discord.http`` at INFO or above.

    Idempotent: calling it again (a reload, a test) adds nothing twice.
    """
    _add_once(logging.getLogger(GATEWAY_LOGGER), RedactGatewayEvents())
    for name in WEBHOOK_LOGGERS:
        _add_once(logging.getLogger(name), RedactWebhookTokens())
    _add_once(logging.getLogger(CLIENT_LOGGER), QuietVoiceWarnings())
    logging.getLogger(HTTP_LOGGER).setLevel(max(logging.INFO, level))


def _add_once(logger: logging.Logger, wanted: logging.Filter) -> None:
    if not any(type(existing) is type(wanted) for existing in logger.filters):
        logger.addFilter(wanted)
