"""The form an article is pasted into, and the buttons under a preview.

The buttons are ``DynamicItem``s: their ``custom_id`` names the action and the preview, so a
press is always answered, even after a restart has forgotten the preview (it then says the
preview expired). The form and the buttons only collect the press; the cog decides.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Literal, Protocol

import discord

from bot.content.adding import FORM_LIMIT
from bot.errors import UserFacingError
from bot.features.error_handler import reply_ephemeral

if TYPE_CHECKING:
    from bot.features.library.previews import Preview

log = logging.getLogger(__name__)

Action = Literal["add", "edit", "cancel"]
_APOLOGY = "Something went wrong on my side; the moderators can find the details in the bot's log."


class LibraryHandler(Protocol):
    """What the form and the buttons hand their input to (the library cog)."""

    async def article_submitted(
        self, interaction: discord.Interaction[Any], text: str, *, editing: str | None, replaces: str | None
    ) -> None: ...

    async def preview_pressed(
        self, interaction: discord.Interaction[Any], action: Action, preview_id: str
    ) -> None: ...


async def _answer_failure(interaction: discord.Interaction[Any], error: Exception, what: str) -> None:
    """A refusal gets its sentence; anything else is logged and gets an apology."""
    if isinstance(error, UserFacingError):
        await reply_ephemeral(interaction, str(error))
        return
    log.error("%s failed.", what, exc_info=error)
    await reply_ephemeral(interaction, _APOLOGY)


class ArticleForm(discord.ui.Modal):
    """One paragraph field for the whole article (Discord holds at most 4,000 characters in it)."""

    def __init__(
        self,
        handler: LibraryHandler,
        *,
        title: str,
        text: str | None = None,
        editing: str | None = None,
        replaces: str | None = None,
    ) -> None:
        super().__init__(title=title, timeout=15 * 60)
        self.handler = handler
        self.editing = editing
        self.replaces = replaces
        self.article: discord.ui.TextInput[ArticleForm] = discord.ui.TextInput(
            label="The article, as published",
            custom_id="article",
            style=discord.TextStyle.paragraph,
            placeholder="Lead quote, title, opening, sections, Summary, Food for thought, AI concept…",
            default=text,
            max_length=FORM_LIMIT,
            required=True,
        )
        self.add_item(self.article)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.handler.article_submitted(
            interaction, self.article.value, editing=self.editing, replaces=self.replaces
        )

    # Modal.on_error is discord.py's own override of BaseView.on_error without its item argument.
    async def on_error(  # type: ignore[override]  # Modal's signature, see above
        self, interaction: discord.Interaction[Any], error: Exception
    ) -> None:
        await _answer_failure(interaction, error, "The article form")


_LABELS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "add": ("Add", discord.ButtonStyle.success),
    "save": ("Save", discord.ButtonStyle.success),
    "edit": ("Edit", discord.ButtonStyle.primary),
    "cancel": ("Cancel", discord.ButtonStyle.secondary),
}


class PreviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"library:(?P<action>add|edit|cancel):(?P<preview>[0-9a-f]{16})",
):
    """Add (Save, when editing), Edit or Cancel under a preview."""

    def __init__(self, action: Action, preview_id: str, *, label: str | None = None) -> None:
        text, style = _LABELS[label or action]
        super().__init__(
            discord.ui.Button(label=text, style=style, custom_id=f"library:{action}:{preview_id}")
        )
        self.action: Action = action
        self.preview_id = preview_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PreviewButton:
        action: Action = match["action"]  # type: ignore[assignment]  # the template allows only these
        return cls(action, match["preview"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = interaction.client.get_cog("LibraryCog")
        try:
            if handler is None:
                raise UserFacingError("Adding lessons is not available right now; try again later.")
            await handler.preview_pressed(interaction, self.action, self.preview_id)
        except Exception as error:  # a button has no app-command error handler: answer here
            await _answer_failure(interaction, error, f"The preview's {self.action} button")


def preview_buttons(preview: Preview) -> discord.ui.View:
    """Add (or Save) when the article reads as a lesson; Edit and Cancel always."""
    view = discord.ui.View(timeout=None)
    if preview.draft is not None:
        view.add_item(PreviewButton("add", preview.id, label="save" if preview.editing else "add"))
    view.add_item(PreviewButton("edit", preview.id))
    view.add_item(PreviewButton("cancel", preview.id))
    return view
