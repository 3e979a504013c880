"""/concept and /concepts: the glossary, looked up and browsed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.glossary.cog import GlossaryCog
from bot.features.glossary.views import ConceptButton, ConceptsPageButton, LessonButton

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(ConceptButton, LessonButton, ConceptsPageButton)
    await bot.add_cog(GlossaryCog(bot))
