"""/schedule: one-off and weekly posts, and the dispatcher that sends them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    from bot.features.scheduling.cog import SchedulingCog

    await bot.add_cog(SchedulingCog(bot))
