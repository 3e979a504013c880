"""/settings show, timezone, channel, modrole, pingrole."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.settings.cog import SettingsCog

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(SettingsCog(bot))
