"""Checking a whole content directory: every lesson, the glossary, and how they refer to each other.

Both ``python -m bot check`` and the bot's loader go through ``check_directory``, so what the
checker accepts is exactly what the bot serves: a lesson or glossary entry with any problem is
left out, everything else is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from bot.content.frontmatter import did_you_mean, read_text
from bot.content.glossary_file import GlossaryFile, normalise_name, parse_glossary
from bot.content.lessons import ParsedLesson, read_lesson
from bot.content.models import Concept, Lesson, Problem

log = logging.getLogger(__name__)

GLOSSARY_FILE = "glossary.yaml"
MAX_PROBLEMS_PER_FILE = 50
LESSON_SUFFIX = ".md"

__all__ = [
    "GLOSSARY_FILE",
    "MAX_PROBLEMS_PER_FILE",
    "ContentCheck",
    "cap_per_file",
    "check_directory",
    "is_skipped",
    "lesson_files",
]


@dataclass(frozen=True, slots=True)
class ContentCheck:
    """The outcome of checking a directory.

    ``lessons`` are the valid ones in queue order; ``problems`` are sorted by path, then line,
    the order an author fixes them in.
    """

    lessons: tuple[Lesson, ...]
    concepts: tuple[Concept, ...]
    problems: tuple[Problem, ...]
    lesson_files: int


def is_skipped(path: Path) -> bool:
    """Files whose name starts with "_" (templates, drafts) or "." (editor files) are not content."""
    return path.name.startswith(("_", "."))


def lesson_files(directory: Path) -> list[Path]:
    """The lesson files of ``directory``, sorted by name so that checks never depend on disk order."""
    return sorted(p for p in directory.glob(f"*{LESSON_SUFFIX}") if not is_skipped(p))


def check_directory(directory: Path) -> ContentCheck:
    """Read and check every content file under ``directory``; never raises for bad content."""
    if not directory.is_dir():
        problem = Problem(directory, 1, "the content directory does not exist.")
        return ContentCheck((), (), (problem,), 0)
    problems: list[Problem] = []

    glossary_path = directory / GLOSSARY_FILE
    glossary: GlossaryFile | None = None
    if glossary_path.is_file():
        text, read_problems = read_text(glossary_path)
        problems.extend(read_problems)
        if text is not None:
            glossary = parse_glossary(glossary_path, text)
            problems.extend(glossary.problems)
    else:
        problems.append(
            Problem(
                glossary_path,
                1,
                f"the glossary file is missing; lessons name their concept in {GLOSSARY_FILE}.",
            )
        )

    files = lesson_files(directory)
    parsed: list[ParsedLesson] = []
    for path in files:
        text, read_problems = read_text(path)
        problems.extend(read_problems)
        if text is None:
            continue
        lesson, lesson_problems = read_lesson(path, text)
        problems.extend(lesson_problems)
        if lesson is not None:
            parsed.append(lesson)

    keep = _check_across(parsed, glossary, problems)
    lessons = sorted((p.lesson for p in keep), key=lambda lesson: lesson.order_key)
    concepts = glossary.concepts if glossary is not None else ()
    problems.sort(key=lambda p: (str(p.path), p.line))
    return ContentCheck(tuple(lessons), concepts, tuple(cap_per_file(problems)), len(files))


def cap_per_file(problems: list[Problem], limit: int = MAX_PROBLEMS_PER_FILE) -> list[Problem]:
    """At most ``limit`` problems a file, then one line saying how many more there are.

    A generated or mangled file can hold thousands of problems; the author fixes the first ones
    and runs the check again, and the bot's log must not fill up with one file's mistakes.
    ``problems`` is sorted by path; the order is kept.
    """
    kept: list[Problem] = []
    for _path, group in groupby(problems, key=lambda p: p.path):
        found = list(group)
        kept.extend(found[:limit])
        if len(found) > limit:
            rest = len(found) - limit
            kept.append(
                Problem(found[limit].path, found[limit].line, f"… and {rest:,} more problems in this file.")
            )
    return kept


def _check_across(
    parsed: list[ParsedLesson], glossary: GlossaryFile | None, problems: list[Problem]
) -> list[ParsedLesson]:
    """Checks between files; returns the lessons that pass them (earlier file names win ties)."""
    known_keys = glossary.defined_keys if glossary is not None else None
    if glossary is not None and not glossary.defined_keys and glossary.problems:
        known_keys = None  # The glossary could not be read at all: one problem there is enough.
    titles: dict[str, Path] = {}
    weeks: dict[int, Path] = {}
    keep: list[ParsedLesson] = []
    for item in parsed:
        lesson, lines = item.lesson, item.lines
        path = lesson.path or Path(lesson.id)
        before = len(problems)
        if known_keys is not None and lesson.concept not in known_keys:
            hint = did_you_mean(lesson.concept, known_keys)
            problems.append(
                Problem(path, lines["concept"], f"concept '{lesson.concept}' is not in the glossary{hint}")
            )
        title = normalise_name(lesson.title)
        if title in titles:
            problems.append(
                Problem(
                    path,
                    lines["title"],
                    f"the title '{lesson.title}' is already used by {titles[title].name}.",
                )
            )
        else:
            titles[title] = path
        if lesson.week is not None:
            if lesson.week in weeks:
                problems.append(
                    Problem(
                        path,
                        lines["week"],
                        f"week {lesson.week} is already taken by {weeks[lesson.week].name}.",
                    )
                )
            else:
                weeks[lesson.week] = path
        if len(problems) == before:
            keep.append(item)
    return keep
