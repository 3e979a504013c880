"""A small bot with forms for the fake's self-tests: modals with prefilled text, a preview with
buttons that reopen the form, private follow-ups and edits, and a file uploaded as an option."""

from __future__ import annotations

import hashlib

import discord
from discord import app_commands

from .minibot import MiniBot


class ArticleForm(discord.ui.Modal, title="Article"):
    """One paragraph field, as the real bot's /library add form: up to 4000 characters, prefilled."""

    def __init__(self, bot: FormBot, draft: str | None, *, required: bool = True) -> None:
        super().__init__()
        self.bot = bot
        self.text: discord.ui.TextInput[ArticleForm] = discord.ui.TextInput(
            label="Article",
            custom_id="text",
            style=discord.TextStyle.paragraph,
            max_length=4000,
            default=draft,
            required=required,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.bot.submitted.append(self.text.value)
        preview = f"preview: {len(self.text.value)} characters"
        view = Preview(self.bot, self.text.value)
        if interaction.message is not None:  # reopened from the preview's Edit button
            await interaction.response.edit_message(content=preview, view=view)
        else:
            await interaction.response.send_message(preview, view=view, ephemeral=True)


class Preview(discord.ui.View):
    def __init__(self, bot: FormBot, text: str) -> None:
        super().__init__(timeout=None)
        self.bot = bot
        self.text = text

    @discord.ui.button(label="Edit", custom_id="preview:edit")
    async def edit(self, interaction: discord.Interaction, button: discord.ui.Button[Preview]) -> None:
        await interaction.response.send_modal(ArticleForm(self.bot, self.text))

    @discord.ui.button(label="Add", custom_id="preview:add")
    async def add(self, interaction: discord.Interaction, button: discord.ui.Button[Preview]) -> None:
        await interaction.response.defer()  # DEFERRED_UPDATE_MESSAGE: no "thinking"
        await interaction.edit_original_response(content="added", view=None)
        await interaction.followup.send("only you see this", ephemeral=True)

    @discord.ui.button(label="Gone", custom_id="preview:gone", disabled=True)
    async def gone(self, interaction: discord.Interaction, button: discord.ui.Button[Preview]) -> None:
        await interaction.response.send_message("never")


class Nested(discord.ui.Modal, title="Nested"):
    answer: discord.ui.TextInput[Nested] = discord.ui.TextInput(label="Answer", custom_id="answer")

    def __init__(self, bot: FormBot) -> None:
        super().__init__()
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_modal(Nested(self.bot))
        except discord.HTTPException as exc:
            self.bot.refusals.append(exc)
            await interaction.response.send_message(f"refused {exc.status} {exc.code}", ephemeral=True)


class TooBig(discord.ui.Modal, title="A title far longer than the forty-five characters Discord allows"):
    answer: discord.ui.TextInput[TooBig] = discord.ui.TextInput(
        label="Answer", custom_id="answer", default="x" * 4001
    )


class FormBot(MiniBot):
    def __init__(self) -> None:
        super().__init__()
        self.draft: str | None = None
        self.required = True
        self.submitted: list[str] = []
        self.refusals: list[discord.HTTPException] = []
        self.uploads: list[tuple[discord.Attachment, bytes]] = []

    async def setup_hook(self) -> None:
        @self.tree.command(name="article", description="Paste an article")
        async def article(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(ArticleForm(self, self.draft, required=self.required))

        @self.tree.command(name="nested", description="A modal whose submit answers with a modal")
        async def nested(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Nested(self))

        @self.tree.command(name="toobig", description="A modal over Discord's limits")
        async def toobig(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_modal(TooBig())
            except discord.HTTPException as exc:
                self.refusals.append(exc)

        @self.tree.command(name="upload", description="Upload an article file")
        @app_commands.describe(file="a .txt or .md file")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            self.uploads.append((file, data))
            digest = hashlib.sha256(data).hexdigest()[:12]
            await interaction.response.send_message(f"{file.filename} {len(data)} {digest}", ephemeral=True)

        @self.tree.command(name="slow", description="Defers privately, then edits and follows up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.edit_original_response(content="done")
            await interaction.followup.send("and one more thing", ephemeral=True)

        await self.tree.sync()
