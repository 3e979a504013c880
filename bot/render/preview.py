"""A rendered lesson as plain text, for ``python -m bot preview`` and for reading in tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.render.lesson import LessonPost, embed_size

__all__ = ["embed_text", "preview_text"]


def preview_text(post: LessonPost) -> str:
    """Every message and embed in order, then the thread and its first message, as readable text."""
    out: list[str] = []
    count = len(post.messages)
    for number, embeds in enumerate(post.messages, start=1):
        total = sum(embed_size(e) for e in embeds)
        out.append(f"══ Message {number} of {count} ({len(embeds)} embeds, {total} characters) ══")
        for index, embed in enumerate(embeds, start=1):
            out.append(f"── Embed {index} ──")
            out.append(embed_text(embed))
        out.append("")
    out.append(f"══ Thread: {post.thread_name} ══")
    out.append(post.prompt_message)
    return "\n".join(out) + "\n"


def embed_text(embed: Mapping[str, Any]) -> str:
    """One embed: author, title, description, fields as "name: value", footer."""
    lines: list[str] = []
    author = embed.get("author", {}).get("name")
    if author:
        lines.append(f"[{author}]")
    if embed.get("title"):
        lines.append(f"# {embed['title']}")
    if embed.get("description"):
        lines.append(embed["description"])
    for field in embed.get("fields", ()):
        lines.append(f"{field.get('name', '')}: {field.get('value', '')}")
    footer = embed.get("footer", {}).get("text")
    if footer:
        lines.append(f"— {footer}")
    return "\n".join(lines)
