"""Independent checks on rendered Markdown, simpler than the splitter they judge."""

from __future__ import annotations

import re

_LINK = re.compile(r"\[[^\[\]\n]*\]\([^()\s]*\)")


def unbalanced(chunk: str) -> list[str]:
    """What is left open in ``chunk``, for text built from well-formed pieces (see strategies)."""
    problems = []
    fences = chunk.count("```")
    if fences % 2:
        problems.append("```")
    outside = re.sub(r"```.*?```", "", chunk, flags=re.S) if fences % 2 == 0 else chunk
    links_removed = _LINK.sub("", outside)
    if "[" in links_removed or "](" in links_removed:
        problems.append("[link](url)")
    code_removed = re.sub(r"`[^`\n]+`", "", links_removed)
    if "`" in code_removed:
        problems.append("`")
    if code_removed.count("**") % 2:
        problems.append("**")
    if code_removed.replace("**", "").count("*") % 2:
        problems.append("*")
    return problems


def plain_words(text: str) -> list[str]:
    """The words of ``text`` with formatting markers removed, to compare content across cuts."""
    text = re.sub(r"```[a-z]*", " ", text)
    text = re.sub(r"[*`]", "", text)
    return text.split()
