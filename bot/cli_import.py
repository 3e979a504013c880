"""``python -m bot import FILE... [--out DIR]``: articles as published -> lesson files in ``DIR``.

Each article becomes ``DIR/<year>-<month>-<title slug>.md`` with the next free week (after the
last one used), and its "AI concept to learn" is appended to ``DIR/glossary.yaml`` unless the
glossary already knows the term (as a term, alias or key): then the lesson links to that
concept and the glossary is left alone. An article that cannot be parsed or checked gets one
``FILE: problem`` line per problem on ``err`` and nothing is written for it; the others still are.
The path of each file written goes to ``out``; then the directory is checked as ``check`` does.

The year and month come from the article's file name when it holds one (``...-2026-11.txt``),
else from ``today``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from bot.content.article import Article, parse_article
from bot.content.frontmatter import decode_text, read_text
from bot.content.glossary import Glossary
from bot.content.glossary_file import GlossaryFile, normalise_name, parse_glossary
from bot.content.lesson_file import GlossaryAppendError, append_concept, lesson_file_text, lesson_id
from bot.content.lessons import read_lesson
from bot.content.models import Concept, Lesson
from bot.content.validate import GLOSSARY_FILE, check_directory, lesson_files

log = logging.getLogger(__name__)

STDIN = "-"
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)-(0[1-9]|1[0-2])(?!\d)")

__all__ = ["run_import"]


class _Refused(Exception):
    """An article that will not be written; the message is the sentence printed after ``FILE:``."""


@dataclass
class _Glossary:
    """``glossary.yaml`` as it is on disk (bytes kept, so an append leaves every byte before it)."""

    path: Path
    data: bytes | None  # None: there is no glossary file yet
    text: str | None  # decoded, "\n" line ends; None when missing or unreadable
    parsed: GlossaryFile
    unreadable: str | None = None  # why the existing file cannot be read, if it cannot
    changed: bool = False
    _search: Glossary | None = None

    @classmethod
    def load(cls, path: Path) -> _Glossary:
        if not path.exists():
            return cls(path, None, None, GlossaryFile((), (), frozenset()))
        text, problems = read_text(path)
        if text is None:
            reason = problems[0].message.rstrip(".")
            return cls(path, b"", None, GlossaryFile((), (), frozenset()), unreadable=reason)
        return cls(path, path.read_bytes(), text, parse_glossary(path, text))

    def find(self, term: str) -> Concept | None:
        """The concept one of whose names (term, alias or key) is ``term``, as look-ups compare names."""
        if self._search is None:
            self._search = Glossary(self.parsed.concepts)
        return self._search.find(term)

    def appended(self, concept: Concept) -> _Glossary:
        """The glossary with ``concept`` added at the end, not yet written."""
        if self.unreadable is not None:
            raise _Refused(f"cannot add the concept to {self.path}: {self.unreadable}.")
        try:
            text = append_concept(self.text, concept)
        except GlossaryAppendError as exc:
            raise _Refused(f"cannot add the concept to {self.path}: {exc}.") from None
        after = parse_glossary(self.path, text)
        new_problems = set(after.problems) - set(self.parsed.problems)
        if new_problems or concept not in after.concepts:
            first = min(new_problems, key=lambda p: p.line) if new_problems else None
            reason = first.message if first is not None else "the entry does not read back as written."
            raise _Refused(f"its concept cannot join {self.path}: {reason}")
        return _Glossary(self.path, self._bytes(text), text, after, changed=True)

    def _bytes(self, text: str) -> bytes:
        """``text`` in the file's own newline style and BOM; an append keeps the old bytes as they are."""
        old = self.data or b""
        newline = "\r\n" if b"\r\n" in old else "\n"
        if self.text is not None and text.startswith(self.text):
            return old + text[len(self.text) :].replace("\n", newline).encode("utf-8")
        bom = "\ufeff" if old.startswith(b"\xef\xbb\xbf") else ""
        return (bom + text.replace("\n", newline)).encode("utf-8")


@dataclass
class _Library:
    """What the target directory already holds that a new lesson must not collide with."""

    directory: Path
    glossary: _Glossary
    ids: set[str] = field(default_factory=set)
    titles: dict[str, str] = field(default_factory=dict)  # normalised title -> file name
    weeks: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, directory: Path) -> _Library:
        library = cls(directory, _Glossary.load(directory / GLOSSARY_FILE))
        for path in lesson_files(directory):
            library.ids.add(path.stem)
            text, _ = read_text(path)
            parsed = read_lesson(path, text)[0] if text is not None else None
            if parsed is not None:
                library.add(parsed.lesson, path.name)
        return library

    def add(self, lesson: Lesson, file_name: str) -> None:
        self.ids.add(lesson.id)
        self.titles.setdefault(normalise_name(lesson.title), file_name)
        if lesson.week is not None:
            self.weeks.add(lesson.week)


def run_import(
    sources: list[str],
    directory: Path,
    out: TextIO,
    err: TextIO,
    *,
    stdin: BinaryIO,
    today: dt.date,
) -> int:
    """Import each article of ``sources`` (paths, or ``-`` for ``stdin``) into ``directory``.

    Returns 0 when every article was written and the directory checks clean, else 1.
    """
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "no such directory"
        err.write(f"{directory}: {what}.\n")
        return 1
    try:
        return _run(sources, directory, out, err, stdin=stdin, today=today)
    except Exception as exc:  # A bug here must still not print a traceback at a content maintainer.
        log.debug("importing into %s failed", directory, exc_info=True)
        err.write(f"{directory}: the import failed unexpectedly: {exc.__class__.__name__}: {exc}\n")
        return 1


def _run(
    sources: list[str], directory: Path, out: TextIO, err: TextIO, *, stdin: BinaryIO, today: dt.date
) -> int:
    library = _Library.load(directory)
    failed = False
    written = False
    stdin_read = False
    for source in sources:
        label = "stdin" if source == STDIN else source
        if source == STDIN and stdin_read:
            err.write(f"{label}: standard input can be read only once; give '-' once.\n")
            failed = True
            continue
        stdin_read = stdin_read or source == STDIN
        try:
            text = _read(source, stdin)
            article, problems = parse_article(text)
            if article is None:
                for problem in problems:
                    err.write(f"{label}: {problem}\n")
                failed = True
                continue
            path, note = _write(article, _year_month(source, today), library)
        except _Refused as refusal:
            err.write(f"{label}: {refusal}\n")
            failed = True
            continue
        written = True
        if note:
            err.write(f"{label}: {note}\n")
        out.write(f"{path}\n")
    if library.glossary.changed:
        out.write(f"{library.glossary.path}\n")
    if not written:
        return 1 if failed else 0
    checked = check_directory(directory)
    for found in checked.problems:
        err.write(f"{found}\n")
    return 1 if failed or checked.problems else 0


def _read(source: str, stdin: BinaryIO) -> str:
    if source == STDIN:
        text, problems = decode_text(Path("stdin"), stdin.read())
    else:
        path = Path(source)
        if path.is_dir():
            raise _Refused("this is a directory; give the article's text file.")
        text, problems = read_text(path)
    if text is None:
        raise _Refused(problems[0].message)
    return text


def _year_month(source: str, today: dt.date) -> dt.date:
    """The month the lesson is named after: the one in the file's name, else today's."""
    found = _YEAR_MONTH.search(Path(source).name) if source != STDIN else None
    if found is None:
        return today
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def _write(article: Article, month: dt.date, library: _Library) -> tuple[Path, str | None]:
    """Write the lesson (and its new concept); the lesson's path and a note when the concept was known."""
    lesson = article.lesson
    taken_by = library.titles.get(normalise_name(lesson.title))
    if taken_by is not None:
        raise _Refused(f"a lesson titled “{lesson.title}” is already in {library.directory} ({taken_by}).")
    new_id = lesson_id(month, lesson.title)
    path = library.directory / f"{new_id}.md"
    if new_id in library.ids or path.exists():
        raise _Refused(f"{path} already exists; rename or remove it first.")

    glossary = library.glossary
    known = glossary.find(article.concept.term)
    note = None
    if known is not None:
        concept_key = known.key
        term = article.concept.term
        note = f"the concept “{term}” is already in the glossary as '{known.key}'; the lesson links to it."
        new_glossary = glossary
    else:
        concept = _fresh_key(article.concept, glossary.parsed.defined_keys)
        concept_key = concept.key
        new_glossary = glossary.appended(concept)

    week = max(library.weeks, default=0) + 1
    lesson = dataclasses.replace(lesson, id=new_id, week=week, concept=concept_key)
    text = lesson_file_text(lesson)
    parsed, problems = read_lesson(path, text)
    if parsed is None or parsed.lesson != lesson:
        reason = problems[0].message if problems else "it does not read back as the article."
        raise _Refused(f"the lesson file cannot be written: {reason}")

    if new_glossary is not glossary:
        assert new_glossary.data is not None
        _replace(glossary.path, new_glossary.data)
        try:
            _create(path, text)
        except _Refused:
            # Nothing is left for this article: the glossary goes back to what it was.
            if glossary.data is None:
                glossary.path.unlink(missing_ok=True)
            else:
                _replace(glossary.path, glossary.data)
            raise
        library.glossary = new_glossary
    else:
        _create(path, text)
    library.add(lesson, path.name)
    return path, note


def _fresh_key(concept: Concept, taken: frozenset[str]) -> Concept:
    """The concept under a key no entry uses (``-2``, ``-3``... after a clash)."""
    key, number = concept.key, 2
    while key in taken:
        key, number = f"{concept.key[:95]}-{number}", number + 1
    return dataclasses.replace(concept, key=key)


def _create(path: Path, text: str) -> None:
    """Write a new file; never overwrites one that appeared meanwhile."""
    try:
        with path.open("x", encoding="utf-8", newline="") as file:
            file.write(text)
    except OSError as exc:
        raise _Refused(f"cannot write {path}: {exc.strerror or exc.__class__.__name__}.") from None


def _replace(path: Path, data: bytes) -> None:
    """Replace a file's bytes in one step, so a crash leaves the old file or the new, never half."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise _Refused(f"cannot write {path}: {exc.strerror or exc.__class__.__name__}.") from None
