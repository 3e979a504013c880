"""The previews moderators have open: what each would add, and who may press its buttons.

A preview lives in this process's memory for as long as the interaction that showed it (15
minutes), by the bot's clock; it does not outlive a restart. Its buttons carry only its id, so a
press on an expired or forgotten preview finds nothing, says so, and changes nothing.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content.adding import Draft
from bot.content.models import Lesson
from bot.services.clock import Clock

LIFETIME = timedelta(minutes=15)  # an interaction's token lives this long on Discord
MAX_OPEN = 500  # the oldest is forgotten beyond this (a preview holds up to 100 KB of text)


@dataclass(frozen=True)
class Preview:
    """One preview: ``draft`` is the lesson it would add (None when the article has problems);
    ``editing`` the lesson whose text it would replace (/library edit)."""

    id: str
    guild_id: int
    user_id: int
    text: str
    draft: Draft | None
    editing: Lesson | None
    opened_at: datetime


class Previews:
    """The open previews, by id; at most ``MAX_OPEN``, each for ``LIFETIME``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._open: OrderedDict[str, Preview] = OrderedDict()

    def open(
        self, *, guild_id: int, user_id: int, text: str, draft: Draft | None, editing: Lesson | None
    ) -> Preview:
        preview = Preview(secrets.token_hex(8), guild_id, user_id, text, draft, editing, self._clock.now())
        self._open[preview.id] = preview
        while len(self._open) > MAX_OPEN:
            self._open.popitem(last=False)
        return preview

    def get(self, preview_id: str) -> Preview | None:
        """The preview, if it is still open (not expired, not closed, not forgotten)."""
        preview = self._open.get(preview_id)
        if preview is None:
            return None
        if self._clock.now() - preview.opened_at >= LIFETIME:
            del self._open[preview_id]
            return None
        return preview

    def close(self, preview_id: str) -> None:
        self._open.pop(preview_id, None)
