"""A discussion's replies as files a moderator can download: CSV for spreadsheets, Markdown to read."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Protocol


class ExportedReply(Protocol):
    @property
    def author_name(self) -> str: ...
    @property
    def author_id(self) -> int: ...
    @property
    def content(self) -> str: ...
    @property
    def attachments(self) -> tuple[str, ...]: ...
    @property
    def created_at(self): ...  # noqa: ANN201 - datetime, kept loose for any row type
    @property
    def edited_at(self): ...  # noqa: ANN201


def replies_csv(replies: Sequence[ExportedReply]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["time_utc", "author", "author_id", "text", "attachments", "edited_utc"])
    for reply in replies:
        writer.writerow(
            [
                reply.created_at.isoformat(),
                _defuse_formula(reply.author_name),
                reply.author_id,
                _defuse_formula(reply.content),
                " ".join(reply.attachments),
                reply.edited_at.isoformat() if reply.edited_at else "",
            ]
        )
    return buffer.getvalue()


def replies_markdown(title: str, prompt: str, replies: Sequence[ExportedReply]) -> str:
    lines = [f"# {title}", "", f"> **Food for thought:** {prompt}", "", f"{len(replies)} replies", ""]
    for reply in replies:
        stamp = reply.created_at.strftime("%Y-%m-%d %H:%M UTC")
        edited = " (edited)" if reply.edited_at else ""
        lines.append(f"**{reply.author_name}** — {stamp}{edited}")
        lines.append("")
        lines.extend(reply.content.splitlines() or [""])
        lines.extend(f"- attachment: {url}" for url in reply.attachments)
        lines.append("")
    return "\n".join(lines)


def _defuse_formula(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ (or a tab or carriage return before them) as
    formulas; nothing a member typed, reply or display name, may run in a moderator's spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
