"""The content's shape, shared by the loader, the checker, rendering and the bot.

Plain frozen dataclasses: content is read once, validated, then only read, so nothing can
change a lesson under a running command.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a content file, printed as ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Section:
    """A headed part of a lesson's body (``## Heading`` in the Markdown)."""

    heading: str
    body: str


@dataclass(frozen=True, slots=True)
class Lesson:
    """One weekly article.

    ``id`` is the file's stem and never changes once posted: posts, schedules and replies refer
    to it. ``opening`` is the body before the first heading; ``summary`` is the section headed
    "Summary", kept apart so that rendering can give it its own place.
    """

    id: str
    title: str
    prompt: str
    concept: str
    opening: str
    sections: tuple[Section, ...] = ()
    summary: str | None = None
    week: int | None = None
    date: dt.date | None = None
    quote: str | None = None
    quote_author: str | None = None
    source: str | None = None
    disclaimer: str | None = None
    tags: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)

    @property
    def order_key(self) -> tuple[int, str, str]:
        """Queue order: by week, else by date, then by id, so the order never depends on disk order."""
        if self.week is not None:
            return (self.week, "", self.id)
        if self.date is not None:
            return (0, self.date.isoformat(), self.id)
        return (10**9, "", self.id)


@dataclass(frozen=True, slots=True)
class Concept:
    """A glossary entry. ``key`` is stable (lessons and ``related`` refer to it); ``term`` is shown."""

    key: str
    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LessonState:
    """One lesson as /lesson list shows it: posted, booked by a one-off, or its place in the queue."""

    lesson: Lesson
    posted_at: dt.datetime | None = None
    scheduled_at: dt.datetime | None = None
    posting_now: bool = False
    queue_position: int | None = None
    weekly_at: dt.datetime | None = None
