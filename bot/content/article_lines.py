"""The line-level reading of an article as published: cleaning, and what each line looks like.

Copies from web pages and editors bring invisible characters, odd line endings and Markdown
marks; this module folds all of that away so that ``article.py`` can reason about parts (quote,
title, headings, footer) without caring how the text was produced. Everything here is a pure
function of one line or of the whole text, and none of it raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Line",
    "Part",
    "clean_lines",
    "fenced_lines",
    "heading_words",
    "is_debris",
    "is_heading_candidate",
    "is_list_item",
    "is_marked_heading",
    "is_separator",
    "known_part",
    "lead_quote",
    "markdown_heading",
    "opens_quote",
    "quote_author_line",
    "single_line",
    "starts_lowercase",
]

# Line breaks other than \n: CRLF, CR, NEL, the Unicode line and paragraph separators, VT, FF.
_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029\x0b\x0c]")
# Spaces that look like one: no-break, thin, figure, ideographic...; a tab becomes a space too.
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters: zero-width space/non-joiner, word joiner, BOM, Mongolian vowel separator,
# soft hyphen; a zero-width joiner is kept only between two non-ASCII characters (emoji sequences).
_INVISIBLE = re.compile(
    "[\u200b\u200c\u2060\ufeff\u180e\u00ad]|(?<![^\x00-\x7f])\u200d|\u200d(?![^\x00-\x7f])"
)
# What no text file should hold and YAML cannot carry: control characters, lone surrogates and
# the two non-characters U+FFFE and U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_WHOLE_BOLD = re.compile(r"\s*(\*\*|__)(?P<words>.+?)\1\s*:?\s*")
_FENCE = re.compile(r" {0,3}(```|~~~)")
_SEPARATOR = re.compile(r"\s*(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|={3,})")
_LIST_ITEM = re.compile(r"(?:[-*+•·▪◦‣–—]\s|\d{1,3}[.)]\s)")
_SENTENCE_END = ".!?,;…"
_CLOSERS = "\"”’'»)]*_"

# The three named parts. Each heading may carry its content after a colon or a dash on the
# same line ("Food for thought: Can ...?"); without a separator, "Summary judgments are..." is
# a sentence, not a heading.
_SEP = r"(?:(?:\s*:|\s+-|\s*[–—])\s*(?P<rest>.*)|\s*[:.\-–—]?\s*)"
_PART_PATTERNS = (
    ("summary", re.compile(r"summary" + _SEP, re.IGNORECASE)),
    ("prompt", re.compile(r"food\s+for\s+thoughts?" + _SEP, re.IGNORECASE)),
    ("concept", re.compile(r"(?:the\s+)?ai\s+concepts?\s+to\s+learn" + _SEP, re.IGNORECASE)),
)

_OPENERS = "“\"‘'«„‚"
_CLOSING = "”\"’'»“‘"
_DASH = r"(?:--|[-–—―~])"
_QUOTE_WITH_AUTHOR = re.compile(
    rf"[{_OPENERS}](?P<quote>.+?)[{_CLOSING}]\s*{_DASH}\s*(?P<author>\S.*)", re.DOTALL
)
_QUOTE_ALONE = re.compile(rf"[{_OPENERS}](?P<quote>.+)[{_CLOSING}]", re.DOTALL)
_AUTHOR_LINE = re.compile(rf"\s*(?:>\s*)?{_DASH}+\s*(?P<author>\S.*)")

# Page furniture that a copy from a web page drags along after the article: comment counters,
# share and like buttons, "Loading...", social network names.
_DEBRIS = re.compile(
    r"(?:\d+\s+)?(?:comments?|responses?|replies|reply|likes?|shares?|reactions?)"
    r"|(?:leave|post|add|write|view|show|load)\s+(?:a\s+|all\s+|more\s+)?(?:comments?|replies|reply)"
    r"|(?:share|like|tweet|email|print)(?:\s+(?:this|it|the\s+article|this\s+article|this\s+post))?"
    r"(?:\s+(?:on|via|with)\s+\S+)?"
    r"|click\s+to\s+\S+.*|like\s+loading\.*|loading\.*|related(?:\s+(?:posts|articles|stories))?"
    r"|facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|threads|copy\s+link"
    r"|read\s+more|subscribe|follow\s+us.*|advertisement|posted\s+(?:on|in|by)\s+.*"
    r"|(?:tags|categories|filed\s+under)\s*:.*|[\W\d_]*",
    re.IGNORECASE,
)


class Part(Enum):
    """The parts of an article that are announced by a fixed heading."""

    SUMMARY = "Summary"
    PROMPT = "Food for thought"
    CONCEPT = "AI concept to learn"


@dataclass(frozen=True, slots=True)
class Line:
    """One cleaned line and its 1-based number in the text as given (for problems)."""

    number: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def clean_lines(text: str) -> list[Line]:
    """The text as lines: one kind of line break, plain spaces, no invisible or control characters.

    Trailing spaces go; leading spaces stay (they may indent code or a list).
    """
    text = _BREAKS.sub("\n", text)
    text = _UNPRINTABLE.sub("", _INVISIBLE.sub("", text))
    text = _SPACES.sub(" ", text)
    return [Line(number, line.rstrip()) for number, line in enumerate(text.split("\n"), start=1)]


def single_line(text: str) -> str:
    """Text meant for one line (a title, a heading, a term): spaces collapsed."""
    return " ".join(text.split())


def heading_words(text: str) -> tuple[str, bool]:
    """The words of a line without Markdown heading or bold marks, and whether it was so marked.

    ``## The human angle``, ``**The human angle**`` and ``The human angle:`` all give
    "The human angle"; the flag is True for the first two.
    """
    heading = _MD_HEADING.fullmatch(text)
    if heading is not None:
        words = (heading.group(2) or "").replace("**", "").replace("__", "")
        return _tidy_heading(words), True
    bold = _WHOLE_BOLD.fullmatch(text)
    if bold is not None and "**" not in bold["words"] and "__" not in bold["words"]:
        return _tidy_heading(bold["words"]), True
    return _tidy_heading(text), False


def _tidy_heading(words: str) -> str:
    return single_line(words).strip("*_ ").rstrip(":").rstrip()


def known_part(text: str) -> tuple[Part, str] | None:
    """Which named part's heading the line is, with any content after the heading on that line."""
    words = single_line(text.replace("**", "").replace("__", ""))
    heading = _MD_HEADING.fullmatch(words)
    if heading is not None:
        words = heading.group(2) or ""
    words = words.strip("*_ ")
    for name, pattern in _PART_PATTERNS:
        found = pattern.fullmatch(words)
        if found is not None:
            return Part[_PART_NAMES[name]], (found["rest"] or "").strip("*_ ")
    return None


_PART_NAMES = {"summary": "SUMMARY", "prompt": "PROMPT", "concept": "CONCEPT"}


def markdown_heading(text: str) -> str | None:
    """The words of a Markdown heading line (``## Looking ahead``), None for any other line."""
    heading = _MD_HEADING.fullmatch(text)
    if heading is None:
        return None
    return heading_words(text)[0] or None


def is_marked_heading(text: str) -> bool:
    """A Markdown heading (``## x``) or a whole line in bold that does not end like a sentence."""
    words, marked = heading_words(text)
    if not marked or not words:
        return False
    if _MD_HEADING.fullmatch(text) is not None:
        return True
    return words[-1] not in ".,;"


def is_heading_candidate(text: str) -> bool:
    """Could this unmarked line be a section heading? Short, capitalised, not ending like a sentence.

    Questions ("Why does it matter?") are left to Markdown or bold marks: unmarked, they are
    indistinguishable from a one-line paragraph.
    """
    words = text.strip()
    if not words or len(words) > 100 or len(words.split()) > 12:
        return False
    if _LIST_ITEM.match(words) or words[0] in ">|[(" or starts_lowercase(words):
        return False
    if not any(ch.isalpha() for ch in words):
        return False
    core = words.rstrip(_CLOSERS) or words
    return core[-1] not in _SENTENCE_END


def starts_lowercase(text: str) -> bool:
    """True when the first letter-or-digit of ``text`` is a lowercase letter (a sentence's middle)."""
    for ch in text:
        if ch.isalnum():
            return ch.islower()
    return False


def is_separator(text: str) -> bool:
    """A thematic break (``---``, ``***``, ``___``) or a setext underline (``===``)."""
    return bool(text.strip()) and _SEPARATOR.fullmatch(text) is not None


def is_list_item(text: str) -> bool:
    return _LIST_ITEM.match(text.strip()) is not None


def fenced_lines(lines: list[Line]) -> tuple[set[int], Line | None]:
    """Indexes of lines inside (or opening/closing) a code fence, and the opening of one never closed.

    The same rule as the lesson file reader: a fence opens with ``` or ~~~ and closes with the
    same marker, so a heading inside code is never taken for a heading.
    """
    inside: set[int] = set()
    fence: str | None = None
    opened: Line | None = None
    for index, line in enumerate(lines):
        found = _FENCE.match(line.text)
        if found is not None:
            inside.add(index)
            if fence is None:
                fence, opened = found.group(1), line
            elif found.group(1) == fence:
                fence, opened = None, None
        elif fence is not None:
            inside.add(index)
    return inside, opened


def _unquote_line(text: str) -> str:
    """A quote line without blockquote marks and emphasis around it."""
    text = text.strip()
    if text.startswith(">"):
        text = text[1:].strip()
    return text.replace("*", "").strip("_ ")


def lead_quote(text: str) -> tuple[str, str | None] | None:
    """A lead quote, ``“…” - Author`` (any quote marks, any dash), as (quote, author or None)."""
    text = _unquote_line(text)
    if not text or text[0] not in _OPENERS:
        return None
    found = _QUOTE_WITH_AUTHOR.fullmatch(text)
    if found is not None:
        quote, author = single_line(found["quote"]), single_line(found["author"]).strip("*_ ")
        return (quote, author or None) if quote else None
    found = _QUOTE_ALONE.fullmatch(text)
    if found is not None and single_line(found["quote"]):
        return single_line(found["quote"]), None
    return None


def opens_quote(text: str) -> bool:
    """The line starts with a quote mark that no closing mark follows: a quote left open."""
    text = _unquote_line(text)
    return bool(text) and text[0] in "“«„" and not any(ch in _CLOSING for ch in text[1:])


def quote_author_line(text: str) -> str | None:
    """``— Andrew Ng`` on the line under a quote: the author."""
    found = _AUTHOR_LINE.fullmatch(text)
    if found is None:
        return None
    return single_line(found["author"]).strip("*_ ") or None


def is_debris(text: str) -> bool:
    """Page furniture (share, like, comment counters...) rather than words of the article."""
    words = single_line(text.replace("**", "")).strip("*_[]() ").rstrip(":.!…")
    return _DEBRIS.fullmatch(words) is not None
