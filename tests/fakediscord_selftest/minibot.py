"""A minimal discord.py bot the fake's self-tests drive: a few commands that touch every feature."""

from __future__ import annotations

import contextlib
import io

import discord
from discord import app_commands
from discord.ext import commands

TERMS = ["chain of thought", "chaining", "checkpoint", "attention", "alignment"]


class Lesson(app_commands.Group):
    """Lesson commands (group + subcommands, like the real bot's)."""

    def __init__(self, bot: MiniBot) -> None:
        super().__init__(
            name="lesson", description="Lessons", default_permissions=discord.Permissions(manage_guild=True)
        )
        self.bot = bot

    @app_commands.command(name="post", description="Post a lesson")
    async def post(
        self, interaction: discord.Interaction, lesson: str, channel: discord.TextChannel | None = None
    ) -> None:
        if not interaction.permissions.manage_guild:
            await interaction.response.send_message("You need Manage Server to post lessons.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = channel or interaction.channel
        embed = discord.Embed(title=f"Lesson: {lesson}", description="Food for thought: why?")
        try:
            msg = await target.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
            thread = await msg.create_thread(name=f"Discussion: {lesson}")
            await thread.send("What do you think?")
        except discord.Forbidden as exc:
            await interaction.followup.send(f"Missing permission: {exc.text}", ephemeral=True)
            return
        await interaction.followup.send(f"Posted in {target.mention}", ephemeral=True)

    @app_commands.command(name="forum", description="Post in a forum")
    async def forum(self, interaction: discord.Interaction, forum: discord.ForumChannel, title: str) -> None:
        thread, _message = await forum.create_thread(
            name=title, content="First message", embed=discord.Embed(title=title)
        )
        await interaction.response.send_message(f"Opened {thread.mention}")


class MiniBot(commands.Bot):
    def __init__(
        self,
        *,
        intents: discord.Intents | None = None,
        guild_id: int | None = None,
        shard: tuple[int, int] | None = None,
    ) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
        sharding = {"shard_id": shard[0], "shard_count": shard[1]} if shard else {}
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, **sharding)
        self.guild_id = guild_id
        self.seen: list[discord.Message] = []
        self.texts: list[str] = []  # content as received (cached Messages change on edit)
        self.edits: list[tuple[str, str]] = []
        self.deleted: list[int] = []
        self.held: list[discord.Interaction] = []
        self.last_error: Exception | None = None

    async def setup_hook(self) -> None:
        self.tree.add_command(Lesson(self))
        for command in (ping, concept, export, twice, too_long, hold, vote, feedback):
            self.tree.add_command(command)
        if self.guild_id:
            guild = discord.Object(self.guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)
        self.texts.append(message.content)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        self.edits.append((str(payload.message_id), payload.data.get("content", "")))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        self.deleted.append(payload.message_id)


@app_commands.command(name="ping", description="Ping")
async def ping(interaction: discord.Interaction, count: int = 1, loud: bool = False) -> None:
    await interaction.response.send_message("pong" * count, ephemeral=not loud)


@app_commands.command(name="concept", description="Look a concept up")
async def concept(interaction: discord.Interaction, term: str) -> None:
    await interaction.response.send_message(f"**{term}**: explained")


@concept.autocomplete("term")
async def concept_term(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=t, value=t) for t in TERMS if t.startswith(current.lower())][:25]


@app_commands.command(name="export", description="Export as a file")
async def export(interaction: discord.Interaction) -> None:
    await interaction.response.defer()
    data = io.BytesIO(b"author,text\nalice,hello\n")
    await interaction.followup.send("Here it is", file=discord.File(data, filename="export.csv"))


@app_commands.command(name="twice", description="Answers twice")
async def twice(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("first")
    with contextlib.suppress(discord.InteractionResponded):
        await interaction.response.send_message("second")
    # bypass discord.py's own guard to hit the API
    from discord.webhook.async_ import async_context, interaction_response_params

    adapter = async_context.get()
    try:
        await adapter.create_interaction_response(
            interaction.id,
            interaction.token,
            session=interaction._session,
            params=interaction_response_params(4, {"content": "again"}),
        )
    except discord.HTTPException as exc:
        await interaction.followup.send(f"refused {exc.status} {exc.code}")


@app_commands.command(name="long", description="Too long")
async def too_long(interaction: discord.Interaction) -> None:
    try:
        await interaction.response.send_message("x" * 2001)
    except discord.HTTPException as exc:
        interaction.client.last_error = exc  # type: ignore[attr-defined]
        await interaction.response.send_message(f"error {exc.code}")


@app_commands.command(name="hold", description="Defer and keep the interaction for the test")
async def hold(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    interaction.client.held.append(interaction)  # type: ignore[attr-defined]


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Up", custom_id="vote:up")
    async def up(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        await interaction.response.edit_message(content=f"voted by {interaction.user.name}", view=None)


@app_commands.command(name="vote", description="A message with a button")
async def vote(interaction: discord.Interaction, private: bool = False) -> None:
    await interaction.response.send_message("vote now", view=VoteView(), ephemeral=private)


class Feedback(discord.ui.Modal, title="Feedback"):
    answer: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Answer", custom_id="answer")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.answer.value}", ephemeral=True)


@app_commands.command(name="feedback", description="Opens a modal")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Feedback())
