"""A discussion's replies as files a moderator can download: CSV for spreadsheets, Markdown to read."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime
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
    def created_at(self) -> datetime: ...
    @property
    def edited_at(self) -> datetime | None: ...


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
    """The discussion as a Markdown page: a heading per reply's author and time, its text quoted.

    What members wrote never becomes the page's own structure: each line of a reply is quoted
    (``> ``), so a reply holding a blank line and ``**Prof. Smith** — 2026-11-25 21:31 UTC``
    stays inside its own quote instead of passing for another reply; names and the title are
    escaped; and ``<`` and ``&`` are written as entities everywhere, so raw HTML in a reply is
    shown, never rendered.
    """
    lines = [f"# {_escape_inline(title)}", ""]
    lines += _quoted(f"**Food for thought:** {_escape_html(prompt)}")
    lines += ["", f"{len(replies)} {'reply' if len(replies) == 1 else 'replies'}", ""]
    for reply in replies:
        stamp = reply.created_at.strftime("%Y-%m-%d %H:%M UTC")
        edited = " (edited)" if reply.edited_at else ""
        lines.append(f"**{_escape_inline(reply.author_name) or '(no name)'}** — {stamp}{edited}")
        lines.append("")
        if reply.content.strip():
            lines += _quoted(_escape_html(reply.content))
            lines.append("")
        lines.extend(f"- attachment: <{_url(url)}>" for url in reply.attachments)
        if reply.attachments:
            lines.append("")
    return "\n".join(lines)


# What CommonMark (and GitHub's extensions) give a meaning inside a line of text; each is
# backslash-escaped. Line-start markers (lists, quotes) cannot occur: a name or title never
# starts a line of the page.
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]!|~#])")


def _escape_html(text: str) -> str:
    """``&`` and ``<`` as entities: no tag, comment or entity a member typed is ever rendered."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _escape_inline(text: str) -> str:
    """A name or title as literal text on one line: Markdown and HTML both inert."""
    return _INLINE_MARKUP.sub(r"\\\1", _escape_html(" ".join(text.split())))


def _quoted(text: str) -> list[str]:
    """Every line of ``text`` inside one block quote (a blank line stays inside it too)."""
    return [f"> {line}" if line.strip() else ">" for line in text.split("\n")]


def _url(url: str) -> str:
    """A URL fit for an autolink ``<...>``: the characters that would end or break it encoded."""
    return url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20").replace("\n", "")


def _defuse_formula(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ (or a tab or carriage return before them) as
    formulas; nothing a member typed, reply or display name, may run in a moderator's spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
