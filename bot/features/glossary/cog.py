"""/concept and /concepts: the shared glossary plus this server's own concepts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from bot.embeds import NO_MENTIONS
from bot.features.glossary.views import concept_message, concepts_page
from bot.features.interaction import Interaction
from bot.features.options import TAG_MAX, TERM_MAX, TagOption, TermOption, typed
from bot.limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME
from bot.render.concept import render_unknown_concept
from bot.render.echo import echo

if TYPE_CHECKING:
    from bot.app import StudyBot


class GlossaryCog(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @app_commands.command(name="concept", description="Explain a concept from the study group's glossary.")
    @app_commands.describe(term="The concept to look up (start typing for suggestions)")
    async def concept(self, interaction: Interaction, term: TermOption) -> None:
        view = await self.bot.content.view(interaction.guild_id)
        glossary = view.glossary
        entry = glossary.get(term) or glossary.find(term)
        if entry is None:
            await interaction.response.send_message(
                render_unknown_concept(term, glossary.suggest(term)),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        embed, buttons = concept_message(view, entry)
        await interaction.response.send_message(embed=embed, view=buttons, allowed_mentions=NO_MENTIONS)

    @concept.autocomplete("term")
    async def concept_autocomplete(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        view = await self.bot.content.view(interaction.guild_id)
        matches = view.glossary.complete(typed(current, TERM_MAX), limit=AUTOCOMPLETE_CHOICES)
        return [app_commands.Choice(name=c.term[:CHOICE_NAME], value=c.key) for c in matches]

    @app_commands.command(name="concepts", description="Browse the glossary, page by page.")
    @app_commands.describe(tag="Only concepts with this tag")
    async def concepts(self, interaction: Interaction, tag: TagOption | None = None) -> None:
        view = await self.bot.content.view(interaction.guild_id)
        glossary = view.glossary
        if tag is not None and not glossary.with_tag(tag):
            known = ", ".join(glossary.tags()[:15])
            await interaction.response.send_message(
                f"No concept has the tag {echo(tag)}. Tags: {known}.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        embed, buttons = concepts_page(view, 1, tag)
        await interaction.response.send_message(embed=embed, view=buttons, allowed_mentions=NO_MENTIONS)

    @concepts.autocomplete("tag")
    async def tag_autocomplete(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = typed(current, TAG_MAX).casefold()
        view = await self.bot.content.view(interaction.guild_id)
        tags = [tag for tag in view.glossary.tags() if wanted in tag.casefold()]
        return [app_commands.Choice(name=tag, value=tag) for tag in tags[:AUTOCOMPLETE_CHOICES]]
