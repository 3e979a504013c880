"""/library add, edit, remove, export: a server's own lessons, from the article as published.

The story of an addition: a moderator pastes the article into the form (or attaches it as a
file), sees it privately exactly as it will be posted, and presses Add (or Edit to correct it,
or Cancel). What the text becomes is decided in ``content.adding``; what is said, in
``render.library``; the store keeps it for this server only. Every moderator command here carries
``default_permissions(manage_guild)`` (on the group) and the run-time ``@is_moderator()`` check;
the preview's buttons check again who presses them.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.content.adding import (
    FORM_LIMIT,
    Draft,
    article_file_problem,
    decode_article_file,
    export_files,
    read_article,
    title_key,
)
from bot.content.models import Lesson
from bot.embeds import NO_MENTIONS, to_embeds
from bot.errors import UnknownLesson, UserFacingError
from bot.features.interaction import Interaction
from bot.features.lesson_option import AddedLessonOption
from bot.features.library.previews import Preview, Previews
from bot.features.library.views import Action, ArticleForm, PreviewButton, preview_buttons
from bot.features.moderation import _moderator, is_moderator, require_guild
from bot.render import library as say
from bot.render.echo import echo
from bot.scheduling.queue import booked_lessons, lesson_queue
from bot.scheduling.recurrence import UnknownTimezone, resolve_timezone
from bot.store.rows import LessonText, NewConcept, Refused

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

ADD_TITLE = "Add the week's article"
EDIT_TITLE = "Correct the lesson's article"


class LibraryCog(commands.Cog):
    library = app_commands.Group(
        name="library",
        description="This server's own lessons: add the week's article, correct, remove, export.",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        self.previews = Previews(bot.clock)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PreviewButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PreviewButton)

    # -- the commands -------------------------------------------------------------------------

    @library.command(name="add", description="Add the week's article to this server's lessons (moderators).")
    @app_commands.describe(file="The article as a .txt or .md file (default: paste it into a form)")
    @is_moderator()
    async def add(self, interaction: Interaction, file: discord.Attachment | None = None) -> None:
        if file is None:
            await interaction.response.send_modal(ArticleForm(self, title=ADD_TITLE))
            return
        problem = article_file_problem(file.filename, file.size, file.content_type)
        if problem is not None:
            raise UserFacingError(f"{echo(file.filename)}: {problem}")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException as error:
            log.warning("Could not download an article file: %s", error)
            raise UserFacingError(f"I could not download {echo(file.filename)}; try again.") from None
        text, problem = decode_article_file(data)
        if text is None:
            raise UserFacingError(f"{echo(file.filename)}: {problem}")
        await self._show_preview(interaction, text, editing=None)

    @library.command(name="edit", description="Correct a lesson added here: the form opens with its text.")
    @app_commands.describe(lesson="A lesson added in this server (start typing for suggestions)")
    @is_moderator()
    async def edit(self, interaction: Interaction, lesson: AddedLessonOption) -> None:
        text = await self.bot.store.lessons.article(require_guild(interaction), lesson.id)
        if text is None:
            raise UnknownLesson(lesson.id)
        if len(text) > FORM_LIMIT:
            raise UserFacingError(
                f"{echo(lesson.title)} was added from a file of {len(text):,} characters, more than the form "
                f"holds ({FORM_LIMIT:,}). Export it with /library export, correct the file, remove the "
                "lesson with /library remove and add the file again with /library add file:."
            )
        form = ArticleForm(self, title=EDIT_TITLE, text=text, editing=lesson.id)
        await interaction.response.send_modal(form)

    @library.command(name="remove", description="Remove a lesson added here (its discussions are kept).")
    @app_commands.describe(lesson="A lesson added in this server (start typing for suggestions)")
    @is_moderator()
    async def remove(self, interaction: Interaction, lesson: AddedLessonOption) -> None:
        guild_id = require_guild(interaction)
        result = await self.bot.store.lessons.remove(
            guild_id, lesson.id, by=interaction.user.id, at=self.bot.clock.now()
        )
        if isinstance(result, Refused):
            if result.reason == "booked" and result.schedule_id is not None:
                booking = await self.bot.store.schedules.get(result.schedule_id)
                when = booking.next_run if booking else None
                channel = booking.channel_id if booking else None
                raise UserFacingError(say.booked(lesson, result.schedule_id, when, channel))
            raise UnknownLesson(lesson.id)
        await self.bot.content.refresh(guild_id)
        log.info("Lesson %s removed in server %s by %s.", lesson.id, guild_id, interaction.user.id)
        await interaction.response.send_message(
            say.removed(lesson), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @library.command(
        name="export", description="A lesson added here as a lesson file, for the shared lessons."
    )
    @app_commands.describe(lesson="A lesson added in this server (start typing for suggestions)")
    @is_moderator()
    async def export(self, interaction: Interaction, lesson: AddedLessonOption) -> None:
        view = await self.bot.content.view(require_guild(interaction))
        own_concept = view.own.glossary.get(lesson.concept) is not None
        files = export_files(lesson, view.concept_of(lesson), shared=view.shared, own_concept=own_concept)
        attachments = [
            discord.File(io.BytesIO(files.lesson_text.encode("utf-8")), filename=files.lesson_name)
        ]
        glossary_name = None
        if files.glossary_entry is not None:
            glossary_name = f"glossary-entry-{lesson.concept}.yaml"
            entry = io.BytesIO(files.glossary_entry.encode("utf-8"))
            attachments.append(discord.File(entry, filename=glossary_name))
        await interaction.response.send_message(
            say.export_note(files, glossary_name),
            files=attachments,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # -- the form and the preview's buttons -----------------------------------------------------

    async def article_submitted(
        self, interaction: discord.Interaction[Any], text: str, *, editing: str | None, replaces: str | None
    ) -> None:
        """The form was sent: show the preview (replacing the one whose Edit opened the form)."""
        guild_id = require_guild(interaction)
        lesson = None
        if editing is not None:
            lesson = (await self.bot.content.view(guild_id)).lesson(editing)
            if lesson is None:
                raise UnknownLesson(editing)
        if replaces is not None:
            self.previews.close(replaces)
        if interaction.message is not None:  # opened from a preview's Edit: retire that preview
            await interaction.response.edit_message(
                content="Replaced by the preview below.", view=None, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
        await self._show_preview(interaction, text, editing=lesson)

    async def preview_pressed(
        self, interaction: discord.Interaction[Any], action: Action, preview_id: str
    ) -> None:
        preview = self.previews.get(preview_id)
        if preview is None:
            await self._tell(interaction, say.STALE)
            return
        if interaction.user.id != preview.user_id:
            await self._tell(interaction, say.not_yours())
            return
        try:
            await _moderator(interaction)  # the permission may have gone since the preview opened
        except app_commands.CheckFailure as refusal:
            await self._tell(interaction, str(refusal))
            return
        if action == "cancel":
            self.previews.close(preview.id)
            await interaction.response.edit_message(
                content=say.cancelled(), view=None, allowed_mentions=NO_MENTIONS
            )
        elif action == "edit":
            await self._reopen_form(interaction, preview)
        else:
            await self._commit(interaction, preview)

    async def _reopen_form(self, interaction: discord.Interaction[Any], preview: Preview) -> None:
        if len(preview.text) > FORM_LIMIT:
            await self._tell(
                interaction,
                f"This article is {len(preview.text):,} characters long, more than the form holds "
                f"({FORM_LIMIT:,}): correct the file and attach it again with /library add file:.",
            )
            return
        editing = preview.editing.id if preview.editing else None
        title = EDIT_TITLE if editing else ADD_TITLE
        form = ArticleForm(self, title=title, text=preview.text, editing=editing, replaces=preview.id)
        await interaction.response.send_modal(form)

    async def _commit(self, interaction: discord.Interaction[Any], preview: Preview) -> None:
        """Add (or save) the previewed lesson, if the server's lessons still give the same one."""
        if preview.draft is None:
            await self._tell(
                interaction, "This article has problems, so there is nothing to add: press Edit."
            )
            return
        guild_id = preview.guild_id
        view = await self.bot.content.view(guild_id)
        day = preview.draft.lesson.date or self.bot.clock.now().date()
        draft, _problems = read_article(preview.text, view, day=day, editing=preview.editing)
        if draft != preview.draft:
            await self._tell(
                interaction,
                "This server's lessons changed since this preview was made, so nothing was added: "
                "press Edit and send the form again to see the lesson as it would be now.",
            )
            return
        await interaction.response.defer()  # the message stays as it is until the outcome
        text = _lesson_text(draft, preview.text)
        by, at = interaction.user.id, self.bot.clock.now()
        if preview.editing is not None:
            result = await self.bot.store.lessons.replace(guild_id, preview.editing.id, text, by=by, at=at)
        else:
            shared_ids = {lesson.id for lesson in view.shared.lessons}
            result = await self.bot.store.lessons.add(
                guild_id, draft.lesson.id, text, by=by, at=at, reserved=shared_ids
            )
        if isinstance(result, Refused):
            await self._tell(interaction, _refusal(result, draft.lesson))
            return
        self.previews.close(preview.id)
        view = await self.bot.content.refresh(guild_id)
        stored = view.lesson(result.lesson_id) or draft.lesson
        if preview.editing is not None:
            outcome = say.saved(stored)
            log.info("Lesson %s edited in server %s by %s.", stored.id, guild_id, by)
        else:
            outcome = say.added(stored, await self._queue_place(guild_id, stored.id))
            log.info("Lesson %s added in server %s by %s.", stored.id, guild_id, by)
        await interaction.edit_original_response(content=outcome, view=None, allowed_mentions=NO_MENTIONS)

    # -- helpers -------------------------------------------------------------------------------

    async def _show_preview(
        self, interaction: discord.Interaction[Any], text: str, *, editing: Lesson | None
    ) -> None:
        """The private preview, after the interaction was answered (deferred or updated)."""
        guild_id = require_guild(interaction)
        view = await self.bot.content.view(guild_id)
        day = editing.date if editing is not None and editing.date else await self._today(guild_id)
        draft, problems = read_article(text, view, day=day, editing=editing)
        preview = self.previews.open(
            guild_id=guild_id, user_id=interaction.user.id, text=text, draft=draft, editing=editing
        )
        buttons = preview_buttons(preview)
        if draft is None:
            await interaction.followup.send(
                say.article_problems(problems), view=buttons, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        messages = say.preview_messages(draft, editing=editing is not None)
        for index, message in enumerate(messages):
            extra: dict[str, Any] = {"view": buttons} if index == len(messages) - 1 else {}
            if message.content is not None:
                extra["content"] = message.content
            await interaction.followup.send(
                embeds=to_embeds(message.embeds),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
                **extra,
            )

    async def _today(self, guild_id: int) -> dt.date:
        """Today in the server's time zone: the date a new lesson is added on."""
        stored = await self.bot.store.settings.get(guild_id)
        zone: dt.tzinfo
        try:
            zone = resolve_timezone(stored.timezone or self.bot.settings.default_timezone)
        except UnknownTimezone:
            zone = dt.UTC
        return self.bot.clock.now().astimezone(zone).date()

    async def _queue_place(self, guild_id: int, lesson_id: str) -> int | None:
        view = await self.bot.content.view(guild_id)
        posted = await self.bot.store.posts.posted_lesson_ids(guild_id)
        booked = booked_lessons(await self.bot.store.schedules.pending(guild_id))
        queue = [lesson.id for lesson in lesson_queue(view.lessons, posted, booked)]
        return queue.index(lesson_id) + 1 if lesson_id in queue else None

    @staticmethod
    async def _tell(interaction: discord.Interaction[Any], sentence: str) -> None:
        """A private answer that leaves the preview as it is."""
        if interaction.response.is_done():
            await interaction.followup.send(sentence, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(sentence, ephemeral=True, allowed_mentions=NO_MENTIONS)


def _lesson_text(draft: Draft, article: str) -> LessonText:
    concept = draft.concept
    return LessonText(
        title=draft.lesson.title,
        title_key=title_key(draft.lesson.title),
        article=article,
        document=draft.document,
        concept_key=concept.key,
        concept=NewConcept(concept.key, concept.term, concept.definition) if draft.defines else None,
    )


def _refusal(refused: Refused, lesson: Lesson) -> str:
    if refused.reason == "title_taken":
        return (
            f"This server already has a lesson titled {echo(lesson.title)} (`{refused.lesson_id}`), "
            "added meanwhile, so nothing was added: change it with /library edit, or give this article "
            "another title."
        )
    return "That lesson is no longer one of this server's (removed meanwhile), so nothing was saved."


__all__ = ["LibraryCog"]
