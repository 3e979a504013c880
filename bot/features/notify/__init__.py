"""The Notify me button under each lesson post: members opt in and out of the ping role.

The button itself is ``bot.services.notify_me`` (the poster puts it on each post); this feature
registers it, so clicks on every post ever made reach it, after restarts too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.notify_me import NotifyMeButton

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(NotifyMeButton)
