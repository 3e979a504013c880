"""The ``lesson:`` option of every command: a lesson of this server, suggested and looked up.

"Of this server": the shared lessons and those added there, never another server's.

One discord.py ``Transformer`` does both halves, so a command declares ``lesson: LessonOption``
and receives a ``Lesson``; an unknown id never reaches the command body (the error handler
answers with ``UnknownLesson``'s sentence, privately, before anything is deferred or sent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands

from bot.content.models import Lesson
from bot.content.server_library import ServerLibrary
from bot.errors import UnknownLesson, UserFacingError
from bot.features.interaction import Interaction
from bot.features.moderation import may_suggest
from bot.features.options import LESSON_MAX, typed
from bot.limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME
from bot.render.echo import echo

if TYPE_CHECKING:
    from bot.app import StudyBot  # noqa: F401  (named in the base class below, as a string)


def find_lesson(library: ServerLibrary, lesson_id: str) -> Lesson:
    """The lesson this server is served under ``lesson_id``; ``UnknownLesson`` if none."""
    lesson = library.lesson(lesson_id)
    if lesson is None:
        raise UnknownLesson(lesson_id)
    return lesson


def lessons_matching(library: ServerLibrary, typed: str, *, own_only: bool = False) -> list[Lesson]:
    """Lessons whose title or id contains what was typed, in queue order (``own_only``: only
    those added in this server)."""
    wanted = typed.casefold().strip()
    lessons = library.own.lessons if own_only else library.lessons
    return [
        lesson
        for lesson in lessons
        if not wanted or wanted in lesson.title.casefold() or wanted in lesson.id.casefold()
    ]


class LessonTransformer(app_commands.Transformer["StudyBot"]):
    own_only = False  # AddedLessonTransformer: lessons added in this server only

    @property
    def min_value(self) -> int:
        return 1

    @property
    def max_value(self) -> int:  # a string option's max_length: Discord's client enforces it
        return LESSON_MAX

    async def transform(self, interaction: Interaction, value: str, /) -> Lesson:
        return find_lesson(await interaction.client.content.view(interaction.guild_id), value)

    async def autocomplete(
        self, interaction: Interaction, value: int | float | str, /
    ) -> list[app_commands.Choice[int | float | str]]:
        if not await may_suggest(interaction):
            return []
        view = await interaction.client.content.view(interaction.guild_id)
        matches = lessons_matching(view, typed(str(value), LESSON_MAX), own_only=self.own_only)
        return [
            app_commands.Choice(name=lesson.title[:CHOICE_NAME], value=lesson.id)
            for lesson in matches[:AUTOCOMPLETE_CHOICES]
        ]


class AddedLessonTransformer(LessonTransformer):
    """A lesson added in this server with /library: the shared ones are files, changed there."""

    own_only = True

    async def transform(self, interaction: Interaction, value: str, /) -> Lesson:
        view = await interaction.client.content.view(interaction.guild_id)
        lesson = find_lesson(view, value)
        if not view.is_own(lesson.id):
            raise NotAddedHere(lesson.title)
        return lesson


class NotAddedHere(UserFacingError):
    def __init__(self, title: str) -> None:
        super().__init__(
            f"{echo(title)} is a shared lesson, not one added in this server: shared lessons are files in"
            " lessons/, changed there. /library works on the lessons added here (see /lesson list)."
        )


LessonOption = app_commands.Transform[Lesson, LessonTransformer]
AddedLessonOption = app_commands.Transform[Lesson, AddedLessonTransformer]
