"""The log filters, record by record (the end-to-end proof is tests/e2e/test_logging.py)."""

from __future__ import annotations

import logging

from bot.log_filters import (
    QuietVoiceWarnings,
    RedactGatewayEvents,
    RedactWebhookTokens,
    redact_url,
    summarize_event,
)

TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNlY3JldA"


def record(name: str, msg: str, *args: object, level: int = logging.DEBUG) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_an_interaction_event_keeps_its_name_and_ids_only():
    event = {
        "op": 0,
        "t": "INTERACTION_CREATE",
        "s": 9,
        "d": {"id": "1", "guild_id": "2", "token": TOKEN, "data": {"options": [{"value": "typed"}]}},
    }
    shown = summarize_event(event)
    assert TOKEN not in shown and "typed" not in shown
    assert shown.startswith("op=0 t=INTERACTION_CREATE s=9 d={'id': '1', 'guild_id': '2'}")
    assert "(+2 fields withheld)" in shown


def test_a_message_event_loses_its_content_even_in_a_safe_looking_field():
    event = {
        "op": 0,
        "t": "MESSAGE_CREATE",
        "s": 3,
        "d": {"id": "5", "type": {"x": "secret"}, "content": "hi"},
    }
    shown = summarize_event(event)
    assert "secret" not in shown and "hi'" not in shown


def test_gateway_records_are_rewritten_in_place():
    event = {"op": 0, "t": "MESSAGE_CREATE", "s": 3, "d": {"id": "5", "content": "my words"}}
    rec = record("discord.gateway", "For Shard ID %s: WebSocket Event: %s", None, event)
    assert RedactGatewayEvents().filter(rec)
    assert "my words" not in rec.getMessage() and "t=MESSAGE_CREATE" in rec.getMessage()


def test_webhook_and_interaction_urls_lose_their_token():
    url = f"https://discord.com/api/v10/webhooks/123/{TOKEN}/messages/@original?wait=true"
    assert redact_url(url) == "https://discord.com/api/v10/webhooks/123/[token]/messages/@original?wait=true"
    callback = f"https://discord.com/api/v10/interactions/456/{TOKEN}/callback"
    assert redact_url(callback) == "https://discord.com/api/v10/interactions/456/[token]/callback"
    rec = record(
        "discord.webhook.async_", "Webhook ID %s with %s %s has returned status code %s", 1, "POST", url, 200
    )
    assert RedactWebhookTokens().filter(rec)
    assert TOKEN not in rec.getMessage() and "returned status code 200" in rec.getMessage()


def test_only_the_two_voice_warnings_are_dropped():
    quiet = QuietVoiceWarnings()
    nacl = record(
        "discord.client", "PyNaCl is not installed, voice will NOT be supported", level=logging.WARNING
    )
    davey = record(
        "discord.client", "davey is not installed, voice will NOT be supported", level=logging.WARNING
    )
    other = record("discord.client", "Application has an interaction endpoint URL set", level=logging.WARNING)
    assert not quiet.filter(nacl) and not quiet.filter(davey)
    assert quiet.filter(other)
