"""Cutting Markdown into pieces that fit Discord's limits without breaking words or formatting.

A lesson body can be any length, but an embed description holds 4,096 characters and a field
1,024. Cutting blindly would split words, leave a ``**`` open so that the rest of the post turns
bold, or break a link or a code block in half. :func:`split_markdown` instead:

- cuts at the strongest boundary that fits: a blank line (paragraph), else a line break, else
  the end of a sentence, else a space; a single word longer than the limit is the only thing
  ever cut in the middle;
- never cuts inside a link ``[text](url)`` or an inline code span;
- closes emphasis (``**``, ``*``, ``_``, ``__``, ``~~``, ``||``) and code fences that are open at
  a cut, and reopens them at the start of the next piece, so that every piece renders the same
  as its part of the whole.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["markdown_is_balanced", "split_markdown", "truncate", "truncate_words"]

# Room kept in every piece for closing and reopening what is open at a cut: all six emphasis
# markers both ways (2 * 10) plus a fence opener "```" + info (at most 20) + "\n" and closer "\n```".
_MAX_INFO = 20
_RESERVE = 2 * 10 + 3 + _MAX_INFO + 1 + 4
MIN_LIMIT = 64
# A link or code span is kept whole if it leaves this much room for emphasis around it.
_SPAN_SLACK = 16

_CODE = r"``[^\n]+?``|`[^`\n]+`"
_LINK = r"\[[^\[\]\n]*\]\([^()\s]*\)"
_SKIP_RE = re.compile(rf"{_CODE}|{_LINK}|\\.")  # spans where emphasis markers mean nothing
_ATOM_RE = re.compile(rf"(?:{_CODE}|{_LINK}|\\.|\S)+")  # a word; links and code spans stay whole
_CODE_RE = re.compile(_CODE)
_LINK_RE = re.compile(r"\[([^\[\]\n]*)\]\(([^()\s]*)\)")
_MARK_RE = re.compile(r"\*+|_+|~~|\|\|")
_FENCE_RE = re.compile(r"[ \t]{0,3}```")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]*_~|]*$")
_MARK_CHARS = frozenset("*_~|`")

# Break strengths, strongest first; 0 is "inside a word" (only for words longer than a piece).
_PARAGRAPH, _LINE, _SENTENCE, _WORD, _HARD = 4, 3, 2, 1, 0
_END = 99


@dataclass(slots=True)
class _Atom:
    """An unbreakable run of the text, and how good a place the gap before it is for a cut."""

    start: int
    end: int
    strength: int
    fence: str  # the fence opener ("```py") in force after this atom, or "" outside code blocks


def split_markdown(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters (see the module docstring).

    Whitespace at the cuts is dropped; nothing else is lost. An empty or blank text gives [].
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"split_markdown needs a limit of at least {MIN_LIMIT}, got {limit}")
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    budget = limit - _RESERVE
    text = _shorten_spans(text, limit - _SPAN_SLACK)
    atoms, skips, events = _scan(text)
    atoms = _cut_long_atoms(text, atoms, skips, events, limit, budget)
    return _pack(text, atoms, events, limit)


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` if it fits, else its first piece (cut as :func:`split_markdown` would) and ``ellipsis``."""
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit - len(ellipsis) < MIN_LIMIT:
        return truncate_words(_plain(text), limit, ellipsis)
    return split_markdown(text, limit - len(ellipsis))[0] + ellipsis


def truncate_words(text: str, limit: int, ellipsis: str = "…") -> str:
    """Plain text on one line, cut after a whole word with ``ellipsis`` if it is longer than ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(1, limit - len(ellipsis))
    cut = text.rfind(" ", 0, room + 1)
    head = text[:cut] if cut > 0 else text[:room]  # one word longer than the limit: the only hard cut
    return head.rstrip() + ellipsis


def markdown_is_balanced(text: str) -> bool:
    """Whether every emphasis marker and code fence in ``text`` is closed again within it."""
    _atoms, _skips, events = _scan(text, pair=False)
    open_marks: set[str] = set()
    for _pos, mark in events:
        open_marks ^= {mark}
    fences = sum(1 for line in text.split("\n") if _FENCE_RE.match(line))
    return not open_marks and fences % 2 == 0


# -- scanning --------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Text with its Markdown markers removed, for places that cannot show formatting."""
    text = _LINK_RE.sub(r"\1", text)
    return re.sub(r"[*_~|`]+", "", text)


def _shorten_spans(text: str, budget: int) -> str:
    """Rewrite the rare link or code span longer than a whole piece so that it can be cut.

    A link becomes "text (url)"; a code span becomes several code spans, one per run of words.
    """

    def link(match: re.Match[str]) -> str:
        if len(match[0]) <= budget:
            return match[0]
        return f"{match[1]} ({match[2]})"

    def code(match: re.Match[str]) -> str:
        span = match[0]
        if len(span) <= budget:
            return span
        ticks = "``" if span.startswith("``") else "`"
        inner = span[len(ticks) : -len(ticks)].strip()
        room = budget - 2 * len(ticks) - 2
        parts = []
        for word in inner.split():
            while len(word) > room:
                parts.append(word[:room])
                word = word[room:]
            if parts and len(parts[-1]) + 1 + len(word) <= room:
                parts[-1] += " " + word
            elif word:
                parts.append(word)
        return " ".join(f"{ticks}{p}{ticks}" if ticks == "`" else f"{ticks} {p} {ticks}" for p in parts)

    if len(text) <= budget:
        return text
    out = []
    for line, in_fence in _lines_with_fences(text):
        if not in_fence:
            line = _CODE_RE.sub(code, _LINK_RE.sub(link, line))
        out.append(line)
    return "\n".join(out)


def _lines_with_fences(text: str) -> list[tuple[str, bool]]:
    """Each line, and whether it belongs to a code block (its fences included).

    A fence never closed is not a fence: Discord shows it as text, and so do we.
    """
    lines = text.split("\n")
    fence_lines = [i for i, line in enumerate(lines) if _FENCE_RE.match(line)]
    if len(fence_lines) % 2:
        fence_lines.pop()
    inside = [False] * len(lines)
    for a, b in zip(fence_lines[::2], fence_lines[1::2], strict=True):
        for i in range(a, b + 1):
            inside[i] = True
    return list(zip(lines, inside, strict=True))


_Spans = list[tuple[int, int]]
_Events = list[tuple[int, str]]


def _scan(text: str, *, pair: bool = True) -> tuple[list[_Atom], _Spans, _Events]:
    """The atoms, the spans to keep whole (links, code), and the emphasis toggles of ``text``.

    Emphasis never reaches into or across a code block; a marker left unpaired in its stretch
    of text is a literal character (Discord shows it as such), so it is dropped from the toggles.
    """
    atoms: list[_Atom] = []
    skips: list[tuple[int, int]] = []
    events: list[tuple[int, str]] = []
    region: list[tuple[int, str]] = []
    pos = 0
    prev_end = 0
    fence = ""
    for line, in_fence in _lines_with_fences(text):
        line_start = pos
        pos += len(line) + 1
        if in_fence:
            if region:
                events.extend(_paired(region) if pair else region)
                region = []
            if not line.strip():
                continue
            if _FENCE_RE.match(line):
                fence = "" if fence else _fence_opener(line)
            newlines = text.count("\n", prev_end, line_start)
            atoms.append(_Atom(line_start, line_start + len(line.rstrip()), _break(newlines), fence))
            prev_end = atoms[-1].end
            continue
        line_skips = [(line_start + m.start(), line_start + m.end()) for m in _SKIP_RE.finditer(line)]
        skips.extend(line_skips)
        region.extend(_marks(text, line_start, line, line_skips))
        for m in _ATOM_RE.finditer(line):
            start, end = line_start + m.start(), line_start + m.end()
            newlines = text.count("\n", prev_end, start) if atoms else 0
            if newlines:
                strength = _break(newlines)
            elif atoms and _SENTENCE_END.search(text, atoms[-1].start, atoms[-1].end):
                strength = _SENTENCE
            else:
                strength = _WORD
            atoms.append(_Atom(start, end, strength, ""))
            prev_end = end
    if region:
        events.extend(_paired(region) if pair else region)
    return atoms, skips, events


def _break(newlines: int) -> int:
    return _PARAGRAPH if newlines >= 2 else _LINE


def _fence_opener(line: str) -> str:
    info = line.strip()[3:].strip()
    return "```" + info if len(info) <= _MAX_INFO and "`" not in info else "```"


def _marks(text: str, line_start: int, line: str, skips: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """Emphasis toggles on one line, outside links and code spans, by Discord's rules of thumb."""
    found: list[tuple[int, str]] = []
    starts = [s for s, _e in skips]
    for m in _MARK_RE.finditer(line):
        pos = line_start + m.start()
        k = bisect_right(starts, pos) - 1
        if k >= 0 and skips[k][0] <= pos < skips[k][1]:
            continue
        run = m[0]
        before = text[pos - 1] if pos > 0 else " "
        after_pos = pos + len(run)
        after = text[after_pos] if after_pos < len(text) else " "
        if before.isspace() and after.isspace():
            continue  # a bullet or a lone symbol, not emphasis
        char = run[0]
        if char == "_" and before.isalnum() and after.isalnum():
            continue  # snake_case
        if char in "*_" and len(run) == 3:
            marks = [char * 2, char]  # bold and italic at once
        elif len(run) <= 2:
            marks = [run]
        else:
            continue
        for offset, mark in enumerate(marks):
            found.append((pos + offset, mark))
    return found


def _paired(events: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The toggles minus, for each marker left open at the end, its last (unmatched) opening."""
    last: dict[str, int] = {}
    count: dict[str, int] = {}
    for i, (_pos, mark) in enumerate(events):
        last[mark] = i
        count[mark] = count.get(mark, 0) + 1
    drop = {last[m] for m, c in count.items() if c % 2}
    return [e for i, e in enumerate(events) if i not in drop] if drop else events


# -- cutting ---------------------------------------------------------------------------------


def _cut_long_atoms(
    text: str,
    atoms: list[_Atom],
    skips: list[tuple[int, int]],
    events: list[tuple[int, str]],
    limit: int,
    budget: int,
) -> list[_Atom]:
    """Atoms too long for a piece of their own split into hard-cut parts of at most ``budget``."""
    if all(a.end - a.start <= budget for a in atoms):
        return atoms
    starts = [s for s, _e in skips]
    out: list[_Atom] = []
    fence_before = ""
    for atom in atoms:
        size = atom.end - atom.start
        wrap = 0 if size <= budget else _wrap_size(events, atom.start, atom.end, fence_before, atom.fence)
        if size + wrap <= limit:
            out.append(atom)
            fence_before = atom.fence
            continue
        inner_fence = atom.fence if atom.fence and fence_before else ""
        piece_start = atom.start
        strength = atom.strength
        while atom.end - piece_start > budget:
            cut = piece_start + budget
            while cut > piece_start + 1 and text[cut - 1] in _MARK_CHARS and text[cut] in _MARK_CHARS:
                cut -= 1
            k = bisect_right(starts, cut - 1) - 1
            if k >= 0 and skips[k][0] < cut < skips[k][1]:
                cut = skips[k][0] if skips[k][0] > piece_start else skips[k][1]
            out.append(_Atom(piece_start, cut, strength, inner_fence))
            piece_start = cut
            strength = _HARD
        out.append(_Atom(piece_start, atom.end, strength, atom.fence))
        fence_before = atom.fence
    return out


def _wrap_size(events: _Events, start: int, end: int, fence_before: str, fence_after: str) -> int:
    """How many characters reopening before ``start`` and closing after ``end`` may add."""
    state_before = _state_at(events, start)
    state_after = _state_at(events, end)
    return (
        sum(map(len, state_before))
        + sum(map(len, state_after))
        + (len(fence_before) + 1 if fence_before else 0)
        + (4 if fence_after else 0)
    )


def _state_at(events: list[tuple[int, str]], pos: int) -> tuple[str, ...]:
    stack: list[str] = []
    for at, mark in events:
        if at >= pos:
            break
        if mark in stack:
            stack.remove(mark)
        else:
            stack.append(mark)
    return tuple(stack)


def _pack(text: str, atoms: list[_Atom], events: list[tuple[int, str]], limit: int) -> list[str]:
    """Greedy packing: each piece ends at the strongest break that fits, the latest of those."""
    # The emphasis open after each atom, by one walk over the (sorted) toggles.
    states: list[tuple[str, ...]] = []
    stack: list[str] = []
    e = 0
    for atom in atoms:
        while e < len(events) and events[e][0] < atom.end:
            mark = events[e][1]
            if mark in stack:
                stack.remove(mark)
            else:
                stack.append(mark)
            e += 1
        states.append(tuple(stack))

    def opener(i: int) -> str:
        if i == 0:
            return ""
        fence = atoms[i - 1].fence
        return (fence + "\n" if fence else "") + "".join(states[i - 1])

    def closer(j: int) -> str:
        return "".join(reversed(states[j])) + ("\n```" if atoms[j].fence else "")

    pieces: list[str] = []
    i = 0
    n = len(atoms)
    while i < n:
        head = opener(i)
        base = atoms[i].start
        best, best_strength = i, -1
        j = i
        while j < n and len(head) + atoms[j].end - base <= limit:
            tail = closer(j)
            if len(head) + atoms[j].end - base + len(tail) <= limit:
                strength = atoms[j + 1].strength if j + 1 < n else _END
                if strength >= best_strength:
                    best, best_strength = j, strength
            j += 1
        piece = head + text[base : atoms[best].end] + closer(best)
        if len(piece) > limit:
            # Only a link or code span nested deep in emphasis gets here: the limit wins.
            pieces.extend(piece[k : k + limit] for k in range(0, len(piece), limit))
        else:
            pieces.append(piece)
        i = best + 1
    return pieces
