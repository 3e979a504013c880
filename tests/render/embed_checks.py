"""Discord's embed limits and "no pings" as checks on rendered embed dicts."""

from __future__ import annotations

import re
from typing import Any

from bot import limits
from bot.render.lesson import embed_size

# A mention Discord would resolve: <@id>, <@!id>, <@&role>, or @everyone / @here not defused.
_MENTION = re.compile(r"<@[!&]?\d+>|@(everyone|here)")


def limit_problems(embed: dict[str, Any]) -> list[str]:
    problems = []
    if len(embed.get("title", "")) > limits.EMBED_TITLE:
        problems.append("title")
    if len(embed.get("description", "")) > limits.EMBED_DESCRIPTION:
        problems.append("description")
    fields = embed.get("fields", [])
    if len(fields) > limits.EMBED_FIELDS:
        problems.append("fields")
    for field in fields:
        if not field["value"] or len(field["value"]) > limits.EMBED_FIELD_VALUE:
            problems.append(f"field {field['name']!r} value")
        if not field["name"] or len(field["name"]) > limits.EMBED_FIELD_NAME:
            problems.append("field name")
    if len(embed.get("footer", {}).get("text", "")) > limits.EMBED_FOOTER_TEXT:
        problems.append("footer")
    if embed_size(embed) > limits.EMBED_TOTAL:
        problems.append("total")
    return problems


def mentions(embed: dict[str, Any]) -> list[str]:
    texts = [embed.get("title", ""), embed.get("description", ""), embed.get("footer", {}).get("text", "")]
    for field in embed.get("fields", []):
        texts += [field["name"], field["value"]]
    return [m.group(0) for text in texts for m in _MENTION.finditer(text)]


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)
