"""Small wording helpers shared by the participation texts: counts with their noun, fitted lists."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.echo import escape_user_text
from bot.render.text import truncate_words

__all__ = ["NAME_SHOWN", "count", "fit_lines", "fit_names", "member_name"]

_PLURALS = {"reply": "replies"}
NAME_SHOWN = 40  # characters of a display name (Discord allows 32; keep room for odd data)


def member_name(name: str) -> str:
    """A member's display name as text in a message: one line, cut, Markdown and mentions inert."""
    return escape_user_text(truncate_words(name, NAME_SHOWN)) or "(no name)"


def count(n: int, noun: str) -> str:
    """``1 reply``, ``2 replies``, ``3 lessons``: a count with its noun in the right number."""
    return f"{n} {noun if n == 1 else _PLURALS.get(noun, noun + 's')}"


def fit_lines(lines: Sequence[str], limit: int, separator: str = "\n", more: str = "… and {} more") -> str:
    """Whole lines joined up to ``limit`` characters; if some do not fit, ``more`` says how many.

    Room for the ``more`` note is kept after every line, so the note itself always fits.
    """
    whole = separator.join(lines)
    if len(whole) <= limit:
        return whole
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        grown = size + (len(separator) if kept else 0) + len(line)
        note = len(separator) + len(more.format(rest)) if rest else 0
        if grown + note > limit:
            kept.append(more.format(len(lines) - index))
            break
        kept.append(line)
        size = grown
    return separator.join(kept)


def fit_names(names: Sequence[str], limit: int) -> str:
    """Names joined with commas up to ``limit`` characters, then "and N more"."""
    return fit_lines(names, limit, separator=", ", more="and {} more")
