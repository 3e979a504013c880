"""An article as published (the weekly text moderators paste) read into a Lesson and its Concept.

The parts, in order: an optional lead quote (``“…” - Author``), the title, an opening paragraph,
sections (a short heading line, then its paragraphs), ``Summary``, ``Food for thought`` (the
question), ``AI concept to learn: <Term>`` with its explanation, and an optional bracketed
footer (source and disclaimer). Page debris after the footer is dropped.

What the parser cannot find it names, one sentence per missing part saying how to fix it; it
never fills a gap by guessing and never raises, whatever the text. A parsed article always
writes out (``lesson_file.py``) to files that read back as the same lesson and concept.

Section headings: when the article marks any heading (``## Heading``, ``**Heading**`` or an
underline), only marked lines are headings; otherwise a heading is a short line (at most 12
words) that does not end like a sentence and is followed by a line that does not start in
lowercase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from bot.content.article_lines import (
    Line,
    Part,
    clean_lines,
    fenced_lines,
    heading_words,
    is_debris,
    is_heading_candidate,
    is_list_item,
    is_marked_heading,
    is_separator,
    known_part,
    lead_quote,
    markdown_heading,
    opens_quote,
    quote_author_line,
    single_line,
    starts_lowercase,
)
from bot.content.glossary_file import DEFINITION_LIMIT, TERM_LIMIT
from bot.content.lesson_file import slug
from bot.content.lessons import HEADING_LIMIT, TEXT_LIMITS
from bot.content.models import Concept, Lesson, Section

__all__ = ["Article", "parse_article"]

EMPTY = "the article is empty: paste the whole article, from its title (or lead quote) down to its footer."
NO_TITLE = "no title found: put the article's title on its own line at the top, after the lead quote if any."
TITLE_IS_PARAGRAPH = (
    "no title found: the first line (line {line}) reads like a paragraph; "
    "put the article's title on its own line above it."
)
NO_OPENING = (
    "no opening paragraph found: add the paragraph that introduces the article "
    "between the title and the first section heading."
)
MISSING = {
    Part.SUMMARY: "no Summary found: add a line `Summary` followed by the summary paragraph.",
    Part.PROMPT: (
        "no Food for thought question found: add a line `Food for thought` followed by the question."
    ),
    Part.CONCEPT: (
        "no AI concept to learn found: add a line `AI concept to learn: <Term>` followed by its explanation."
    ),
}
EMPTY_PART = {
    Part.SUMMARY: "the Summary (line {line}) has no text: write the summary paragraph under it.",
    Part.PROMPT: (
        "the Food for thought (line {line}) has no question: write the question after it, "
        "on the same line or the next."
    ),
    Part.CONCEPT: (
        "the AI concept to learn “{term}” (line {line}) has no explanation: "
        "add a paragraph explaining it under that line."
    ),
}
NO_TERM = (
    "the AI concept to learn (line {line}) has no term: name it on the same line, "
    "as in `AI concept to learn: Supply Chain Dependence`."
)
PART_TWICE = "“{part}” appears twice (lines {first} and {second}): keep one."
EMPTY_SECTION = (
    "the section “{heading}” (line {line}) has no text: add its paragraphs under the heading, "
    "or end the line with a full stop if it is not a heading."
)
HEADING_TWICE = (
    "the heading “{heading}” is used twice (lines {first} and {second}): give each section its own."
)
LATE_HEADING = (
    "the heading “{heading}” (line {line}) comes after the {part}: "
    "move its section above the Summary, or remove the heading marks."
)
QUOTE_OPEN = (
    "the lead quote on line {line} is never closed: end it with a closing quote mark before the author."
)
FENCE_OPEN = "the code block opened on line {line} is never closed: end it with a line holding only {fence}."
FOOTER_OPEN = "the footer starting on line {line} is never closed: end it with `]`."
AFTER_FOOTER = (
    "line {line} comes after the footer but is not part of it (“{text}”): "
    "move it above the footer or delete it."
)
TOO_LONG = "the {what} is {length} characters long; Discord shows at most {limit}: shorten it."

_TERM_QUOTES = "“”\"'‘’*_ "
_LABEL = re.compile(r"(?P<label>sources?|via|credits?|courtesy|disclaimer)\s*:\s*(?P<text>.*)", re.IGNORECASE)
_DEBRIS_AFTER_FOOTER = 60  # a short line after the footer is page furniture, a long one is text
_TITLE_WORDS = 25
_TERM_WORDS = 8
_NAME_JOINERS = frozenset({"&", "and", "of", "for", "the", "to", "in", "on", "at", "de", "von", "van"})


@dataclass(frozen=True, slots=True)
class Article:
    """A parsed article: the lesson (its ``concept`` is the key made from the term) and its concept.

    ``lesson.id`` is the title's slug and ``lesson.week``/``date`` are unset: where the lesson
    goes and under which name is for the caller (import, or a server's own lessons) to decide.
    """

    lesson: Lesson
    concept: Concept


@dataclass(slots=True)
class _Reading:
    """The text's lines and what has been found so far."""

    lines: list[Line]
    problems: list[str] = field(default_factory=list)
    fenced: set[int] = field(default_factory=set)
    dense: bool = False  # no blank line between the title and the footer: each line is a paragraph

    def next_text_line(self, index: int) -> int | None:
        """The index of the first non-blank line after ``index``."""
        for later in range(index + 1, len(self.lines)):
            if not self.lines[later].blank:
                return later
        return None


def parse_article(text: str) -> tuple[Article | None, list[str]]:
    """The article in ``text``, or None and one sentence per part that is missing or wrong."""
    reading = _Reading(clean_lines(text))
    if all(line.blank for line in reading.lines):
        return None, [EMPTY]
    quote, author, title, body_start = _read_top(reading)

    fenced, unclosed = fenced_lines(reading.lines[body_start:])
    reading.fenced = {index + body_start for index in fenced}
    if unclosed is not None:
        # Reported, then read as if there were no fence: what follows it is still found.
        fence = unclosed.text.strip()[:3]
        reading.problems.append(FENCE_OPEN.format(line=unclosed.number, fence=fence))
        reading.fenced = {i for i in reading.fenced if reading.lines[i].number < unclosed.number}

    markers = _find_parts(reading, body_start)
    tail_start = max(index for index, _ in markers.values()) + 1 if markers else body_start
    footer_problems: list[str] = []
    footer, content_end = _read_footer(reading, tail_start, footer_problems)
    sections_end = min(index for index, _ in markers.values()) if markers else content_end
    text_lines = [i for i in range(body_start, content_end) if not reading.lines[i].blank]
    reading.dense = bool(text_lines) and not any(
        reading.lines[i].blank and i not in reading.fenced for i in range(text_lines[0], text_lines[-1])
    )

    opening, sections = _read_sections(reading, body_start, sections_end)
    if title is not None and not opening:
        reading.problems.append(NO_OPENING)
    parts = _read_parts(reading, markers, content_end)
    reading.problems.extend(footer_problems)
    source, disclaimer = _footer_fields(footer)

    lengths = [
        ("title", title, TEXT_LIMITS["title"][0]),
        ("lead quote", quote, TEXT_LIMITS["quote"][0]),
        ("quote's author", author, TEXT_LIMITS["quote_author"][0]),
        ("Food for thought question", parts.prompt, TEXT_LIMITS["prompt"][0]),
        ("concept's term", parts.term, TERM_LIMIT),
        ("concept's explanation", parts.explanation, DEFINITION_LIMIT),
        ("footer's source", source, TEXT_LIMITS["source"][0]),
        ("footer", disclaimer, TEXT_LIMITS["disclaimer"][0]),
    ]
    for what, value, limit in lengths:
        if value is not None and len(value) > limit:
            reading.problems.append(TOO_LONG.format(what=what, length=len(value), limit=limit))

    if (
        reading.problems
        or title is None
        or parts.summary is None
        or parts.prompt is None
        or parts.term is None
        or parts.explanation is None
    ):
        return None, reading.problems or [NO_TITLE]
    concept = Concept(key=slug(parts.term, fallback="concept"), term=parts.term, definition=parts.explanation)
    lesson = Lesson(
        id=slug(title, fallback="lesson"),
        title=title,
        prompt=parts.prompt,
        concept=concept.key,
        opening=opening,
        sections=tuple(sections),
        summary=parts.summary,
        quote=quote,
        quote_author=author,
        source=source,
        disclaimer=disclaimer,
    )
    return Article(lesson, concept), []


# -- the top: lead quote and title ---------------------------------------------------------------


def _read_top(reading: _Reading) -> tuple[str | None, str | None, str | None, int]:
    """The lead quote, its author, the title, and the index where the body starts."""
    lines = reading.lines
    order = [i for i, line in enumerate(lines) if not line.blank and not is_separator(line.text)]
    if not order:
        return None, None, None, len(lines)
    first = lines[order[0]]
    quote: tuple[str, str | None] | None = lead_quote(first.text)
    position = 0 if quote is None else 1  # in ``order``, the next line to read
    if quote is None and opens_quote(first.text):
        quote, last = _multiline_quote(lines, order)
        position = last + 1
        if quote is None:  # the broken quote line is skipped, so the title is still found
            reading.problems.append(QUOTE_OPEN.format(line=first.number))
    if quote is not None and quote[1] is None and position < len(order):
        author = quote_author_line(lines[order[position]].text)
        if author is not None:
            quote, position = (quote[0], author), position + 1
    if position >= len(order):
        reading.problems.append(NO_TITLE)
        return (*(quote or (None, None)), None, len(lines))

    title_index = order[position]
    body_start = title_index + 1
    if position == 0 and position + 1 < len(order):
        # The title above the quote: only a quote with its author counts, so that an opening
        # paragraph that starts by quoting someone is not taken for the lead quote.
        after = lead_quote(lines[order[position + 1]].text)
        if after is not None and after[1] is not None:
            quote, body_start = after, order[position + 1] + 1
    title = _title(reading, lines[title_index])
    if title is None:
        body_start = title_index
    return (*(quote or (None, None)), title, body_start)


def _multiline_quote(lines: list[Line], order: list[int]) -> tuple[tuple[str, str | None] | None, int]:
    """A quote over several consecutive lines; the position in ``order`` of its last line."""
    for last in range(1, min(8, len(order))):
        if order[last] - order[last - 1] > 1:  # a blank line ends the search
            break
        found = lead_quote(" ".join(lines[i].text.strip() for i in order[: last + 1]))
        if found is not None:
            return found, last
    return None, 0


def _title(reading: _Reading, line: Line) -> str | None:
    """The title on ``line``, or None (with the problem) when the line is not a title."""
    if known_part(line.text) is not None:
        reading.problems.append(NO_TITLE)
        return None
    words = heading_words(line.text)[0]
    if not words:
        reading.problems.append(NO_TITLE)
        return None
    count = len(words.split())
    if count > _TITLE_WORDS or (words.endswith(".") and count > 12):
        reading.problems.append(TITLE_IS_PARAGRAPH.format(line=line.number))
        return None
    return words


# -- the named parts: Summary, Food for thought, AI concept to learn ----------------------------


def _find_parts(reading: _Reading, start: int) -> dict[Part, tuple[int, str]]:
    """Where each named part's heading is (line index, text after the heading on that line)."""
    found: dict[Part, tuple[int, str]] = {}
    repeated: set[Part] = set()
    for index in range(start, len(reading.lines)):
        line = reading.lines[index]
        if line.blank or index in reading.fenced:
            continue
        named = known_part(line.text)
        if named is None:
            continue
        part, rest = named
        if part not in found:
            found[part] = (index, rest)
        elif part not in repeated:
            repeated.add(part)
            first = reading.lines[found[part][0]].number
            reading.problems.append(PART_TWICE.format(part=part.value, first=first, second=line.number))
    return found


@dataclass(slots=True)
class _Parts:
    """The named parts' texts, None while missing."""

    summary: str | None = None
    prompt: str | None = None
    term: str | None = None
    explanation: str | None = None

    def set(self, part: Part, text: str) -> None:
        if part is Part.SUMMARY:
            self.summary = text
        elif part is Part.PROMPT:
            self.prompt = text
        else:
            self.explanation = text


def _read_parts(reading: _Reading, markers: dict[Part, tuple[int, str]], content_end: int) -> _Parts:
    """Each named part's text, from its heading to the next one (or the footer); missing ones reported."""
    parts = _Parts()
    ordered = sorted(markers.items(), key=lambda item: item[1][0])
    for position, (part, (index, rest)) in enumerate(ordered):
        end = ordered[position + 1][1][0] if position + 1 < len(ordered) else content_end
        body = list(range(index + 1, max(end, index + 1)))
        for i in body:
            line = reading.lines[i]
            heading = markdown_heading(line.text) if i not in reading.fenced else None
            if heading is not None:
                message = LATE_HEADING.format(heading=heading, line=line.number, part=part.value)
                reading.problems.append(message)
        number = reading.lines[index].number
        if part is Part.CONCEPT:
            term, body = _term(reading, rest, body)
            parts.term = term or None
            if not term:
                reading.problems.append(NO_TERM.format(line=number))
                continue
            rest = ""
        text = _paragraphs(reading, body, lead=rest)
        if not text:
            reading.problems.append(EMPTY_PART[part].format(line=number, term=parts.term))
            continue
        parts.set(part, text)
    for part in Part:
        if part not in markers:
            reading.problems.append(MISSING[part])
    return parts


def _term(reading: _Reading, rest: str, body: list[int]) -> tuple[str, list[int]]:
    """The concept's term: after the heading on its line, else alone on the next line."""
    if rest:
        return _clean_term(rest), body
    lines = [i for i in body if not reading.lines[i].blank]
    if len(lines) < 2:
        return "", body
    candidate = _clean_term(heading_words(reading.lines[lines[0]].text)[0])
    words = candidate.split()
    if not candidate or len(candidate) > 100 or len(words) > _TERM_WORDS or candidate[-1] in ".!?,;…":
        return "", body
    return candidate, [i for i in body if i > lines[0]]


def _clean_term(text: str) -> str:
    return single_line(text).strip(_TERM_QUOTES).rstrip(".:").strip(_TERM_QUOTES)


# -- the sections --------------------------------------------------------------------------------


def _read_sections(reading: _Reading, start: int, end: int) -> tuple[str, list[Section]]:
    """The opening paragraph(s) and the headed sections between the title and the named parts."""
    lines = reading.lines
    region = [i for i in range(start, end) if i not in reading.fenced]
    underlined = {
        i
        for i in region
        if i + 1 < end
        and i + 1 not in reading.fenced
        and not lines[i].blank
        and set(lines[i + 1].text.strip()) in ({"="}, {"-"})
        and len(lines[i + 1].text.strip()) >= 3
        and is_heading_candidate(heading_words(lines[i].text)[0])
    }
    marked = underlined or any(is_marked_heading(lines[i].text) for i in region)
    headings: list[int] = []
    for i in region:
        if lines[i].blank or i - 1 in underlined:
            continue
        if marked:
            if i in underlined or is_marked_heading(lines[i].text):
                headings.append(i)
        elif is_heading_candidate(lines[i].text):
            after = reading.next_text_line(i)
            if after is not None and not starts_lowercase(lines[after].text):
                headings.append(i)

    bounds = [*headings, end]
    opening = _paragraphs(reading, list(range(start, bounds[0])))
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for heading_index, next_index in pairwise(bounds):
        heading_line = lines[heading_index]
        heading = heading_words(heading_line.text)[0]
        body = _paragraphs(reading, list(range(heading_index + 1, next_index)))
        if len(heading) > HEADING_LIMIT:
            what = f"heading on line {heading_line.number}"
            reading.problems.append(TOO_LONG.format(what=what, length=len(heading), limit=HEADING_LIMIT))
        folded = heading.casefold()
        if folded in seen:
            message = HEADING_TWICE.format(heading=heading, first=seen[folded], second=heading_line.number)
            reading.problems.append(message)
        seen.setdefault(folded, heading_line.number)
        if not body:
            reading.problems.append(EMPTY_SECTION.format(heading=heading, line=heading_line.number))
        sections.append(Section(heading, body))
    return opening, sections


def _paragraphs(reading: _Reading, indexes: list[int], *, lead: str = "") -> str:
    """The lines as Markdown paragraphs: blank-line separated blocks kept, runs of blank lines folded.

    In an article without blank lines (each paragraph one line, like the seed), every line is a
    paragraph, except that the items of a list stay together; otherwise the lines of a block
    keep their line breaks. Code fences are kept verbatim.
    Separator lines (``---``) and empty Markdown headings are dropped.
    """
    lines = reading.lines
    kept = [
        i
        for i in indexes
        if i in reading.fenced or not (is_separator(lines[i].text) or _empty_mark(lines[i].text))
    ]
    units: list[list[str]] = [[lead]] if lead else []
    current: list[str] | None = None
    in_code = False
    for i in kept:
        text = lines[i].text
        if i in reading.fenced:
            if not in_code:
                current = []
                units.append(current)
                in_code = True
            assert current is not None
            current.append(text)
            continue
        in_code = False
        if lines[i].blank:
            current = None
            continue
        if current is None or (reading.dense and not (is_list_item(text) and is_list_item(current[-1]))):
            current = []
            units.append(current)
        current.append(text)
    return "\n\n".join("\n".join(unit) for unit in units).strip()


def _empty_mark(text: str) -> bool:
    """A Markdown heading or bold marks with no words inside (``##``, ``****``)."""
    stripped = text.strip()
    return bool(stripped) and not heading_words(text)[0] and set(stripped) <= set("#*_ ")


# -- the footer ------------------------------------------------------------------------------------


def _read_footer(reading: _Reading, start: int, problems: list[str]) -> tuple[list[str], int]:
    """The footer's bracketed groups and where the article's text ends (before footer or debris)."""
    lines = reading.lines
    groups: list[str] = []
    index = start
    footer_start: int | None = None
    while index < len(lines):
        if index in reading.fenced or not lines[index].text.lstrip().startswith("["):
            index += 1
            continue
        end = _bracket_end(lines, index)
        if end is None:
            problems.append(FOOTER_OPEN.format(line=lines[index].number))
            return [], index
        if end < 0:
            index += 1
            continue
        footer_start = index
        break
    if footer_start is None:
        end_of_text = len(lines)
        while end_of_text > start and (
            lines[end_of_text - 1].blank
            or (end_of_text - 1 not in reading.fenced and is_debris(lines[end_of_text - 1].text))
        ):
            end_of_text -= 1
        return [], end_of_text

    index = footer_start
    while index < len(lines):
        line = lines[index]
        if line.blank:
            index += 1
            continue
        if line.text.lstrip().startswith("["):
            end = _bracket_end(lines, index)
            if end is not None and end >= 0:
                groups += _bracket_groups(" ".join(lines[i].text.strip() for i in range(index, end + 1)))
                index = end + 1
                continue
        if not is_debris(line.text) and len(single_line(line.text)) > _DEBRIS_AFTER_FOOTER:
            problems.append(AFTER_FOOTER.format(line=line.number, text=_shorten(single_line(line.text))))
        index += 1
    return groups, footer_start


def _bracket_end(lines: list[Line], start: int) -> int | None:
    """The index of the line closing the bracket opened at the start of ``start``.

    -1 when the brackets close in the middle of a line (a Markdown link, not a footer); None
    when they never close.
    """
    depth = 0
    for index in range(start, min(len(lines), start + 30)):
        text = lines[index].text
        for position, ch in enumerate(text):
            if ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
                if depth < 0:
                    return -1
                if depth == 0:
                    rest = text[position + 1 :].strip()
                    if rest in ("", "."):
                        return index
                    if not rest.startswith("["):
                        return -1
    return None


def _bracket_groups(text: str) -> list[str]:
    """The insides of the top-level ``[...]`` groups of a footer."""
    groups: list[str] = []
    depth = 0
    begin = 0
    for position, ch in enumerate(text):
        if ch == "[":
            if depth == 0:
                begin = position + 1
            depth += 1
        elif ch == "]" and depth > 0:
            depth -= 1
            if depth == 0:
                inner = single_line(text[begin:position])
                if inner:
                    groups.append(inner)
    return groups


def _footer_fields(groups: list[str]) -> tuple[str | None, str | None]:
    """The footer's source and disclaimer.

    A part labelled ``Source:`` is the source, one labelled ``Disclaimer:`` (or not labelled) is
    the disclaimer. Without a label, the source is the name the footer opens with, when it opens
    with one: two or more capitalised words followed by a lowercase one, as in "The Billion Hopes
    Research Team shares ...". The disclaimer keeps the whole text either way.
    """
    source: str | None = None
    rest: list[str] = []
    for group in groups:
        for segment in (part.strip() for part in group.split(" | ")):
            labelled = _LABEL.fullmatch(segment)
            if labelled is None:
                if segment:
                    rest.append(segment)
                continue
            text = labelled["text"].strip()
            if labelled["label"].casefold() == "disclaimer" or source is not None:
                if text:
                    rest.append(text)
                continue
            head, _, tail = text.partition(". ")
            source = head.strip().rstrip(".") or None
            if tail.strip():
                rest.append(tail.strip())
    disclaimer = " ".join(rest) or None
    if source is None and disclaimer is not None:
        source = _opening_name(disclaimer)
    return source, disclaimer


def _opening_name(text: str) -> str | None:
    """The name a footer opens with ("The Billion Hopes Research Team shares ..."), if any."""
    words = text.split()
    end = 0
    while end < len(words):
        word = words[end]
        capitalised = word[0].isupper()
        joining = word.casefold() in _NAME_JOINERS and end + 1 < len(words) and words[end + 1][0].isupper()
        if not (capitalised or joining) or (end and words[end - 1][-1] in ",.;:!?"):
            break
        end += 1
    name = words[:end]
    if sum(word[0].isupper() for word in name) < 2 or end == len(words) or not words[end][0].islower():
        return None
    if not name[-1][-1].isalnum():
        return None
    return " ".join(name)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
