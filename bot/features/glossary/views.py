"""Buttons under a concept and under a glossary page.

They are persistent (``DynamicItem``): their whole state lives in the ``custom_id``, so they keep
working after a restart and the bot holds no per-message state. What a button opens is looked up
in the content of the server it is clicked in. discord.py types an item's
interaction for any client (``Interaction[ClientT]``), so the overrides take ``Interaction[Any]``
and name the client's type where they read it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.content.glossary_file import TAG_LIMIT
from bot.content.models import Concept, Lesson
from bot.content.server_library import ServerLibrary
from bot.embeds import NO_MENTIONS, to_embeds
from bot.render.concept import render_concept, render_concepts_page
from bot.render.lesson import render_lesson

if TYPE_CHECKING:
    from bot.app import StudyBot

CONCEPTS_PER_PAGE = 10
_MAX_LINK_BUTTONS = 20  # four rows of five; the fifth row stays free


class ConceptButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"concept:(?P<key>[a-z0-9-]+)"):
    """Opens a related concept, privately, for whoever clicks."""

    def __init__(self, concept: Concept) -> None:
        super().__init__(
            discord.ui.Button(
                label=concept.term[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"concept:{concept.key}",
            )
        )
        self.key = concept.key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConceptButton:
        bot: StudyBot = interaction.client
        concept = (await bot.content.view(interaction.guild_id)).glossary.get(match["key"])
        button = cls(concept or Concept(key=match["key"], term=match["key"], definition=""))
        return button

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: StudyBot = interaction.client
        content = await bot.content.view(interaction.guild_id)
        concept = content.glossary.get(self.key)
        if concept is None:
            await interaction.response.send_message(
                "That concept is no longer in the glossary.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        embed, view = concept_message(content, concept)
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class LessonButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"lesson:(?P<id>[A-Za-z0-9_.-]+)"
):
    """Shows a lesson that teaches the concept, privately."""

    def __init__(self, lesson: Lesson) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Lesson: {lesson.title}"[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"lesson:{lesson.id}",
            )
        )
        self.lesson_id = lesson.id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> LessonButton:
        bot: StudyBot = interaction.client
        lesson = (await bot.content.view(interaction.guild_id)).lesson(match["id"])
        button = cls(lesson or Lesson(id=match["id"], title=match["id"], prompt="", concept="", opening=""))
        return button

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: StudyBot = interaction.client
        content = await bot.content.view(interaction.guild_id)
        lesson = content.lesson(self.lesson_id)
        if lesson is None:
            await interaction.response.send_message(
                "That lesson is no longer available.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        post = render_lesson(lesson, content.concept_of(lesson))
        first, *rest = post.messages
        await interaction.response.send_message(
            embeds=to_embeds(first), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        for embeds in rest:
            await interaction.followup.send(
                embeds=to_embeds(embeds), ephemeral=True, allowed_mentions=NO_MENTIONS
            )


class ConceptsPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"concepts:(?P<page>\d+):(?P<tag>[^:]{{0,{TAG_LIMIT}}}):(?P<dir>[pn])",
):
    """Previous/next on a /concepts page; edits the page in place."""

    def __init__(self, page: int, tag: str, direction: str, *, disabled: bool = False) -> None:
        label = "◀ Previous" if direction == "p" else "Next ▶"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"concepts:{page}:{tag}:{direction}",
                disabled=disabled,
            )
        )
        self.page = page
        self.tag = tag

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConceptsPageButton:
        return cls(int(match["page"]), match["tag"], match["dir"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: StudyBot = interaction.client
        content = await bot.content.view(interaction.guild_id)
        embed, view = concepts_page(content, self.page, self.tag or None)
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)


def concept_message(content: ServerLibrary, concept: Concept) -> tuple[discord.Embed, discord.ui.View]:
    """The concept's embed and its buttons: related concepts, then the lessons that teach it."""
    glossary = content.glossary
    related = [c for c in (glossary.get(key) for key in concept.related) if c is not None]
    lessons = content.lessons_teaching(concept.key)
    embed = discord.Embed.from_dict(render_concept(concept, related, lessons))
    view = discord.ui.View(timeout=None)
    for item in [*(LessonButton(lesson) for lesson in lessons), *(ConceptButton(c) for c in related)][
        :_MAX_LINK_BUTTONS
    ]:
        view.add_item(item)
    return embed, view


def concepts_page(
    content: ServerLibrary, page: int, tag: str | None
) -> tuple[discord.Embed, discord.ui.View]:
    glossary = content.glossary
    concepts = glossary.with_tag(tag) if tag else glossary.concepts
    pages = max(1, -(-len(concepts) // CONCEPTS_PER_PAGE))
    page = min(max(page, 1), pages)
    embed = discord.Embed.from_dict(render_concepts_page(concepts, page, CONCEPTS_PER_PAGE, tag))
    view = discord.ui.View(timeout=None)
    view.add_item(ConceptsPageButton(page - 1, tag or "", "p", disabled=page <= 1))
    view.add_item(ConceptsPageButton(page + 1, tag or "", "n", disabled=page >= pages))
    return embed, view
