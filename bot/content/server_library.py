"""What one server sees: the shared library plus the lessons and concepts added there.

Every command that reads content asks for its server's view, so a lesson or concept added in
one server is never seen in another. The view is cheap to keep (one per server, rebuilt when
either part changes) and answers like a ``Library``: ``lessons`` (the server's queue order: its
own lessons in the order added, then the shared ones in theirs), ``lesson``,
``lessons_teaching`` and ``glossary``, whose searches span both glossaries at the speed of one.

Pure: no discord, no store. Names: a key of the server's own glossary wins ``get`` (its own
lessons refer to it); the shared glossary wins a look-up by name (``find``), so a shared
definition is never hidden by a server's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.content.glossary import Glossary, complete_in, suggest_in
from bot.content.library import Library
from bot.content.models import Concept, Lesson

__all__ = ["OwnContent", "ServerGlossary", "ServerLibrary"]


class ServerGlossary:
    """The shared glossary and a server's own, searched as one."""

    def __init__(self, shared: Glossary, own: Glossary) -> None:
        self.shared = shared
        self.own = own
        self._layers = (shared, own) if len(own) else (shared,)
        self._concepts: tuple[Concept, ...] | None = None

    def __len__(self) -> int:
        return len(self.concepts)

    @property
    def concepts(self) -> tuple[Concept, ...]:
        """Every concept, in term order (a shared key the server's own hides is left out)."""
        if self._concepts is None:
            if not len(self.own):
                self._concepts = self.shared.concepts
            else:
                own_keys = {c.key for c in self.own.concepts}
                merged = [c for c in self.shared.concepts if c.key not in own_keys]
                merged += self.own.concepts
                self._concepts = tuple(sorted(merged, key=lambda c: (c.term.casefold(), c.key)))
        return self._concepts

    def get(self, key: str) -> Concept | None:
        """The concept with exactly this key: the server's own first."""
        return self.own.get(key) or self.shared.get(key)

    def find(self, query: str) -> Concept | None:
        """The concept one of whose names is ``query``: the shared glossary first."""
        return self.shared.find(query) or self.own.find(query)

    def complete(self, query: str, limit: int = 25) -> list[Concept]:
        return complete_in(self._layers, query, limit)

    def suggest(self, query: str, limit: int = 5) -> list[Concept]:
        return suggest_in(self._layers, query, limit)

    def tags(self) -> list[str]:
        """Every tag in use, once, alphabetically (case-insensitive)."""
        seen: dict[str, str] = {}
        for layer in self._layers:
            for tag in layer.tags():
                seen.setdefault(tag.casefold(), tag)
        return [seen[k] for k in sorted(seen)]

    def with_tag(self, tag: str) -> tuple[Concept, ...]:
        """The concepts carrying ``tag`` (any case), in term order."""
        wanted = tag.strip().casefold()
        return tuple(c for c in self.concepts if any(t.casefold() == wanted for t in c.tags))


@dataclass(frozen=True)
class OwnContent:
    """A server's own lessons (in the order added) and concepts, and which of its lessons defines
    each of its concepts (editing that lesson may change the concept)."""

    lessons: tuple[Lesson, ...] = ()
    glossary: Glossary = field(default_factory=lambda: Glossary(()))
    definers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(
        cls, lessons: Iterable[Lesson], concepts: Iterable[Concept], definers: Mapping[str, str]
    ) -> OwnContent:
        """Built from plain values; the glossary's typo index is built here too, so call it where a
        little work may be done (the loading worker thread), not on a keystroke."""
        glossary = Glossary(concepts)
        glossary.prepare()
        return cls(tuple(lessons), glossary, MappingProxyType(dict(definers)))


class ServerLibrary:
    """One server's content: the shared library and its own, as one ``Library``-like view."""

    def __init__(self, shared: Library, own: OwnContent | None = None) -> None:
        self.shared = shared
        self.own = own if own is not None else OwnContent()
        self.glossary = ServerGlossary(shared.glossary, self.own.glossary)
        self._own_by_id = {lesson.id: lesson for lesson in self.own.lessons}
        # A shared lesson whose id a lesson of the server's took is hidden here: the server's
        # posts and schedules under that id are its own lesson's.
        shared_lessons = [lesson for lesson in shared.lessons if lesson.id not in self._own_by_id]
        self.lessons: tuple[Lesson, ...] = (*self.own.lessons, *shared_lessons)

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson served under ``lesson_id`` here: the server's own first."""
        return self._own_by_id.get(lesson_id) or self.shared.lesson(lesson_id)

    def is_own(self, lesson_id: str) -> bool:
        """Whether ``lesson_id`` is a lesson added in this server (editable with /library)."""
        return lesson_id in self._own_by_id

    def lessons_teaching(self, concept_key: str) -> tuple[Lesson, ...]:
        """The lessons teaching this concept, in queue order (the server's own first)."""
        own = tuple(lesson for lesson in self.own.lessons if lesson.concept == concept_key)
        shared = tuple(
            lesson for lesson in self.shared.lessons_teaching(concept_key) if lesson.id not in self._own_by_id
        )
        return own + shared

    def concept_of(self, lesson: Lesson) -> Concept | None:
        """The concept a lesson teaches, as this server knows it."""
        return self.glossary.get(lesson.concept)
