"""The content the bot serves: valid lessons in queue order and the searchable glossary.

``load_library`` is what the bot calls at start-up (and on reload). A bad file never stops the
bot: its problems are returned for logging and everything valid is still served.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.glossary import Glossary
from bot.content.models import Lesson, Problem
from bot.content.validate import check_directory

log = logging.getLogger(__name__)

__all__ = ["Library", "load_library"]


@dataclass(frozen=True)
class Library:
    """Read-only content. ``lessons`` are sorted by ``Lesson.order_key``, the posting queue."""

    lessons: tuple[Lesson, ...]
    glossary: Glossary
    _by_id: dict[str, Lesson] = field(init=False, repr=False, compare=False)
    _by_concept: dict[str, tuple[Lesson, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_concept: dict[str, list[Lesson]] = {}
        for lesson in self.lessons:
            by_concept.setdefault(lesson.concept, []).append(lesson)
        object.__setattr__(self, "_by_id", {lesson.id: lesson for lesson in self.lessons})
        object.__setattr__(self, "_by_concept", {k: tuple(v) for k, v in by_concept.items()})

    @classmethod
    def empty(cls) -> Library:
        """No content: what the bot serves before loading, or when the directory is missing."""
        return cls((), Glossary(()))

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson with this id (its file stem), if it is served."""
        return self._by_id.get(lesson_id)

    def lessons_teaching(self, concept_key: str) -> tuple[Lesson, ...]:
        """The lessons whose "AI concept to learn" is this concept, in queue order."""
        return self._by_concept.get(concept_key, ())


def load_library(directory: Path) -> tuple[Library, list[Problem]]:
    """Load ``directory``'s lessons and glossary; never raises for bad content.

    Lessons and glossary entries with problems are left out; the problems are returned (sorted
    by path and line) so the caller can log them.
    """
    checked = check_directory(directory)
    glossary = Glossary(checked.concepts)
    # The typo index too, here in the caller's worker thread, not on a first keystroke's turn
    # of the event loop.
    glossary.prepare()
    library = Library(checked.lessons, glossary)
    log.debug(
        "loaded %d lessons and %d concepts from %s with %d problems",
        len(library.lessons),
        len(checked.concepts),
        directory,
        len(checked.problems),
    )
    return library, list(checked.problems)
