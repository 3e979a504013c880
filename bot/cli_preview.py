"""``python -m bot preview LESSON``: print a lesson as the bot would post it.

Content authors run this before a lesson goes out, so it must explain rather than crash: any
problem with the lesson or its glossary is one ``path:line: message`` line on ``err``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TextIO

from bot.content.frontmatter import read_text
from bot.content.glossary import Glossary
from bot.content.glossary_file import load_glossary
from bot.content.lessons import parse_lesson
from bot.content.models import Problem
from bot.render.lesson import render_lesson
from bot.render.preview import preview_text

log = logging.getLogger(__name__)

GLOSSARY_FILE = "glossary.yaml"

__all__ = ["run_preview"]


def run_preview(lesson_path: Path, out: TextIO, err: TextIO) -> int:
    """Print the post for ``lesson_path`` to ``out``; 0 if all is well, 1 if anything is wrong.

    A lesson that parses is previewed even when its glossary has problems (they are listed on
    ``err`` and the status is 1), since seeing the post helps fixing them.
    """
    if lesson_path.is_dir():
        err.write(f"{lesson_path}:1: this is a directory; give a lesson file, e.g. lessons/week-1.md\n")
        return 1
    text, problems = read_text(lesson_path)
    if text is None:
        _report(problems, err)
        return 1
    lesson, problems = parse_lesson(lesson_path, text)
    if lesson is None:
        _report(problems or [Problem(lesson_path, 1, "this is not a lesson file.")], err)
        return 1

    glossary_path = lesson_path.parent / GLOSSARY_FILE
    if glossary_path.is_file():
        concepts, glossary_problems = load_glossary(glossary_path)
        problems += glossary_problems
    else:
        concepts = []
        problems.append(
            Problem(glossary_path, 1, "the glossary file is missing, so the concept cannot be shown.")
        )
    concept = Glossary(concepts).get(lesson.concept)
    if concept is None and glossary_path.is_file():
        problems.append(
            Problem(
                lesson_path,
                _line_of_field(text, "concept"),
                f"concept '{lesson.concept}' is not in {glossary_path}.",
            )
        )

    out.write(preview_text(render_lesson(lesson, concept)))
    _report(problems, err)
    return 1 if problems else 0


def _report(problems: list[Problem], err: TextIO) -> None:
    for problem in problems:
        err.write(f"{problem}\n")


def _line_of_field(text: str, name: str) -> int:
    """The line of a front matter field, for a problem about it (1 if it cannot be found)."""
    for number, line in enumerate(text.split("\n")[:200], start=1):
        if line.startswith(f"{name}:"):
            return number
    return 1
