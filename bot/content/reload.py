"""Which content to serve after a reload when some files have problems.

A moderator editing one lesson must not make the bot forget it (or the whole glossary) while the
file is broken: a lesson whose file now has problems keeps its last good version, and a broken
glossary file keeps the last good glossary. Everything valid in the new load is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.content.library import Library
from bot.content.models import Problem


def merge_reload(previous: Library, fresh: Library, problems: Sequence[Problem]) -> Library:
    broken_files = {_normal(problem.path) for problem in problems}
    fresh_ids = {lesson.id for lesson in fresh.lessons}
    kept = [
        lesson
        for lesson in previous.lessons
        if lesson.id not in fresh_ids and lesson.path is not None and _normal(lesson.path) in broken_files
    ]
    glossary = fresh.glossary
    if any(path.name == "glossary.yaml" for path in broken_files) and previous.glossary.concepts:
        glossary = previous.glossary
    if not kept and glossary is fresh.glossary:
        return fresh
    lessons = tuple(sorted((*fresh.lessons, *kept), key=lambda lesson: lesson.order_key))
    return replace(fresh, lessons=lessons, glossary=glossary)


def _normal(path: Path) -> Path:
    return Path(path).resolve()
