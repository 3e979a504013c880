"""Showing a value a member typed back to them (or to anyone) without letting it speak.

An unknown lesson, tag, concept or time zone is named in the refusal, so the member sees what
was not understood. Echoed raw, that value is the member's own Markdown in the bot's voice (a
heading, a masked phishing link, ``@everyone``), and a long one pushes the message past
Discord's 2,000 characters, which makes Discord show "interaction failed". Every echo of user
input therefore goes through :func:`echo`: one line, cut to ``ECHO_MAX`` characters, invisible
control and direction characters removed, Markdown, mentions and links made inert, in quotes.

Pure: no discord.
"""

from __future__ import annotations

import re
import unicodedata

from bot.render.text import truncate_words

__all__ = ["ECHO_MAX", "echo", "escape_user_text"]

ECHO_MAX = 100  # characters of a typed value shown back, before escaping
_MARKDOWN_RE = re.compile(r"([\\*_~`|>#\[\]()<])")
# Control and format characters: bidirectional overrides can make the echo read backwards,
# zero-width ones hide text; none belongs in a name or a lesson id.
_INVISIBLE = frozenset(("Cc", "Cf", "Co", "Cs"))


def escape_user_text(text: str) -> str:
    """Text typed by a member made inert: one line, Markdown escaped, mentions neutralised.

    A zero-width space after ``@`` stops ``@everyone`` and user mentions from resolving, even if
    a message were sent without ``AllowedMentions.none()``; an escaped ``<`` stops channel, role
    and user mentions, custom emoji and timestamps; escaped brackets stop masked links.
    """
    text = " ".join(text.split())
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    return _MARKDOWN_RE.sub(r"\\\1", text).replace("@", "@\u200b")


def echo(value: str, limit: int = ECHO_MAX) -> str:
    """``value`` as it may appear inside one of the bot's sentences: “inert and short”.

    A web address is broken up (a zero-width space after ``://``) so that Discord does not make
    it a link in the bot's voice. The result is at most about three times ``limit`` characters
    (every character escaped), so a sentence with an echo in it always fits one message.
    """
    shown = escape_user_text(truncate_words(value, limit)).replace("://", ":\u200b//")
    return f"“{shown}”"
