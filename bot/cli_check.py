"""``python -m bot check [DIR]``: validate the content and report each problem as ``path:line: message``.

Authors and CI read this output, so it never shows a traceback: every failure, even a missing
directory or an unreadable file, is one line, and the exit status says whether anything is wrong.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TextIO

from bot.content.validate import check_directory

log = logging.getLogger(__name__)

__all__ = ["run_check"]


def run_check(directory: Path, out: TextIO) -> int:
    """Check ``directory`` and print the problems, or a one-line summary; returns 0 if clean, else 1."""
    try:
        if not directory.is_dir():
            what = "is not a directory" if directory.exists() else "no such directory"
            print(f"{directory}: {what}.", file=out)
            return 1
        checked = check_directory(directory)
    except Exception as exc:  # A bug in the checker must still not print a traceback at an author.
        log.debug("checking %s failed", directory, exc_info=True)
        print(f"{directory}: the check failed unexpectedly: {exc.__class__.__name__}: {exc}", file=out)
        return 1
    for problem in checked.problems:
        print(problem, file=out)
    if checked.problems:
        return 1
    lessons, concepts = len(checked.lessons), len(checked.concepts)
    lesson_word = "lesson" if lessons == 1 else "lessons"
    concept_word = "concept" if concepts == 1 else "concepts"
    print(f"ok: {lessons} {lesson_word}, {concepts} {concept_word}", file=out)
    return 0
