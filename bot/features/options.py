"""The longest text each slash-command option accepts, as discord.py option types.

A string option without a maximum takes up to 6,000 characters, and every keystroke in an
autocompleted one is a search on the event loop: a pasted page made each keystroke of
``/concept term:`` cost 80-170 ms. Each option therefore carries a ``max_length`` (Discord's
client enforces it) sized to what the option can mean, and each autocomplete callback cuts the
text it is given to the same length before searching (:func:`typed`), whatever a client sends.
"""

from __future__ import annotations

from discord import app_commands

from bot.content.glossary_file import TAG_LIMIT
from bot.content.lessons import ID_LIMIT

# A concept is looked up by a term, alias or key; 100 characters hold any name worth typing
# (longer terms are still found by their first 100 characters).
TERM_MAX = 100
TAG_MAX = TAG_LIMIT
LESSON_MAX = ID_LIMIT  # lesson ids (file names) are at most this long (the lesson option: lesson_option.py)
WHEN_MAX = 32  # "YYYY-MM-DD HH:MM" with room for stray spaces
TIME_MAX = 16  # "HH:MM"
TIMEZONE_MAX = 64  # the longest IANA name is 32 characters

TermOption = app_commands.Range[str, 1, TERM_MAX]
TagOption = app_commands.Range[str, 1, TAG_MAX]
WhenOption = app_commands.Range[str, 1, WHEN_MAX]
TimeOption = app_commands.Range[str, 1, TIME_MAX]
TimezoneOption = app_commands.Range[str, 1, TIMEZONE_MAX]


def typed(current: str, limit: int) -> str:
    """What an autocomplete callback searches for: the typed text, cut to the option's maximum."""
    return current[:limit]
