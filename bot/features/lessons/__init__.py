"""/lesson show, /lesson list, /post."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.lessons.cog import LessonsCog

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(LessonsCog(bot))
