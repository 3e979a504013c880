"""An article given in a server (``/library add``) made into that server's lesson, and back out.

``draft_lesson`` decides, from the parsed article and what the server already sees, the lesson
exactly as it will be posted: its id, its date, and the concept it teaches. A term (or alias)
the server already knows, shared or its own, links the lesson to that concept and its definition
stays as it is; a new term becomes a concept of the server's own, defined by this lesson. The
lesson is kept as a lesson file (``document``), so what was previewed is what is posted, however
the article parser changes later.

``read_own_content`` turns the stored documents back into lessons; ``export_files`` writes a
lesson of the server's as the files a content maintainer moves into ``lessons/``.

Pure: plain values in and out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bot.content.article import Article, parse_article
from bot.content.glossary import normalise
from bot.content.lesson_file import glossary_entry_text, lesson_file_text, lesson_id
from bot.content.lessons import parse_lesson
from bot.content.library import Library
from bot.content.models import Concept, Lesson, Problem
from bot.content.server_library import OwnContent, ServerLibrary

__all__ = [
    "FILE_LIMIT",
    "FORM_LIMIT",
    "Draft",
    "ExportFiles",
    "article_file_problem",
    "decode_article_file",
    "draft_lesson",
    "export_files",
    "read_article",
    "read_own_content",
    "title_key",
]

FORM_LIMIT = 4000  # characters: Discord's limit for one text input, so one pasted article
FILE_LIMIT = 100 * 1024  # bytes of UTF-8 text in an uploaded article file

TITLE_TAKEN = (
    "this server already has a lesson titled {title} ({lesson_id}): "
    "change it with /library edit, or give this article another title."
)


def title_key(title: str) -> str:
    """A title's comparable form: two titles with the same key are the same lesson's."""
    return normalise(title)


@dataclass(frozen=True, slots=True)
class Draft:
    """A lesson ready to be added (or to replace one): what the preview shows and the store keeps.

    ``concept`` is the concept as it will be posted. ``defines`` is True when this lesson defines
    it (a term new to the server, or the lesson's own concept, edited); False when it links to
    a concept the server already knows (shared or another of its lessons').
    """

    lesson: Lesson
    concept: Concept
    defines: bool
    document: str


def draft_lesson(
    article: Article, view: ServerLibrary, *, day: dt.date, editing: Lesson | None = None
) -> Draft:
    """The article as a lesson of this server: a new one added on ``day``, or ``editing``'s new text
    (its id and date stay)."""
    defined_here = {key for key, definer in view.own.definers.items() if editing and definer == editing.id}
    known = view.glossary.find(article.concept.term)
    if known is not None and known.key not in defined_here:
        concept, defines = known, False
    else:
        key = known.key if known is not None else _free_key(article.concept.key, view, defined_here)
        concept, defines = replace(article.concept, key=key), True
    if editing is not None:
        lesson = replace(article.lesson, id=editing.id, date=editing.date, week=None, concept=concept.key)
    else:
        wanted = _free_id(lesson_id(day, article.lesson.title), view)
        lesson = replace(article.lesson, id=wanted, date=day, concept=concept.key)
    return Draft(lesson, concept, defines, lesson_file_text(lesson))


def read_article(
    text: str, view: ServerLibrary, *, day: dt.date, editing: Lesson | None = None
) -> tuple[Draft | None, list[str]]:
    """The article ``text`` as a lesson of this server, or None and one sentence per problem.

    Besides the parser's problems: a title that is already one of the server's own lessons
    (other than ``editing``) is refused, since two lessons of one queue must be told apart.
    """
    article, problems = parse_article(text)
    if article is None:
        return None, problems
    wanted = title_key(article.lesson.title)
    for lesson in view.own.lessons:
        if title_key(lesson.title) == wanted and (editing is None or lesson.id != editing.id):
            return None, [TITLE_TAKEN.format(title=f"“{lesson.title}”", lesson_id=lesson.id)]
    return draft_lesson(article, view, day=day, editing=editing), []


def _free_id(wanted: str, view: ServerLibrary) -> str:
    """``wanted``, or ``wanted-2``, ...: an id no lesson the server sees has (the store also skips
    the ids of lessons the server removed)."""
    candidate, number = wanted, 1
    while view.lesson(candidate) is not None:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def _free_key(wanted: str, view: ServerLibrary, defined_here: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``, ...: a key no other concept the server sees has."""
    candidate, number = wanted, 1
    while view.glossary.get(candidate) is not None and candidate not in defined_here:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def read_own_content(
    documents: Iterable[tuple[str, str]],
    concepts: Iterable[Concept],
    definers: Mapping[str, str],
) -> tuple[OwnContent, list[Problem]]:
    """A server's own content from its stored lessons (``(lesson id, document)``, in the order
    added) and concepts; a document that no longer reads as a lesson is left out and named."""
    lessons: list[Lesson] = []
    problems: list[Problem] = []
    for stored_id, document in documents:
        lesson, found = parse_lesson(Path(f"{stored_id}.md"), document)
        if lesson is None:
            problems.extend(found)
        else:
            lessons.append(replace(lesson, path=None))
    return OwnContent.of(lessons, concepts, definers), problems


@dataclass(frozen=True, slots=True)
class ExportFiles:
    """A server's lesson as content files: ``lessons/<lesson_name>`` and, when its concept is the
    server's own, the entry to append to ``lessons/glossary.yaml``."""

    lesson_name: str
    lesson_text: str
    glossary_entry: str | None


def export_files(
    lesson: Lesson, concept: Concept | None, *, shared: Library, own_concept: bool
) -> ExportFiles:
    """The lesson as a file for the shared ``lessons/``: placed after the shared lessons (the
    next free ``week``), with its concept's glossary entry when the shared glossary lacks it."""
    weeks = [known.week for known in shared.lessons if known.week is not None]
    placed = replace(lesson, date=None, week=max(weeks, default=0) + 1)
    entry = glossary_entry_text(concept) if own_concept and concept is not None else None
    return ExportFiles(f"{lesson.id}.md", lesson_file_text(placed), entry)


ARTICLE_SUFFIXES = (".txt", ".md")


def article_file_problem(name: str, size: int, content_type: str | None) -> str | None:
    """Why a file cannot be an article, judged before it is downloaded; None if it may be one."""
    suffix = Path(name).suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        return "only .txt and .md files can be added as an article; save the article as text, or paste it."
    if size > FILE_LIMIT:
        return f"the file is {_kb(size)}; an article file holds at most {_kb(FILE_LIMIT)} of text."
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind and not kind.startswith("text/") and kind != "application/octet-stream":
        return f"the file is {kind}, not text; save the article as a .txt or .md file."
    return None


def decode_article_file(data: bytes) -> tuple[str | None, str | None]:
    """The text of a downloaded article file, or None and why it is not one (UTF-8 text only)."""
    if len(data) > FILE_LIMIT:
        return None, f"the file is {_kb(len(data))}; an article file holds at most {_kb(FILE_LIMIT)} of text."
    if b"\x00" in data:
        return None, "the file holds binary data, not text; save the article as a .txt or .md file."
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, (
            f"the file is not UTF-8 text (byte {error.start + 1} cannot be read); "
            "save it as UTF-8, which every editor offers."
        )
    if not text.strip():
        return None, "the file is empty."
    return text, None


def _kb(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
