"""Lesson autocomplete, shared by every command that takes a lesson."""

from __future__ import annotations

from discord import app_commands

from bot.content.library import Library
from bot.features.options import LESSON_MAX, typed
from bot.limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME


def lesson_choices(library: Library, current: str) -> list[app_commands.Choice[str]]:
    wanted = typed(current, LESSON_MAX).casefold().strip()
    matches = [
        lesson
        for lesson in library.lessons
        if not wanted or wanted in lesson.title.casefold() or wanted in lesson.id.casefold()
    ]
    return [
        app_commands.Choice(name=lesson.title[:CHOICE_NAME], value=lesson.id)
        for lesson in matches[:AUTOCOMPLETE_CHOICES]
    ]
