"""Reply collection, /export and /stats."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    from bot.features.discussion.cog import DiscussionCog

    await bot.add_cog(DiscussionCog(bot))
