"""/library: a server's own lessons, added from the article as published (moderators)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    from bot.features.library.cog import LibraryCog

    await bot.add_cog(LibraryCog(bot))
