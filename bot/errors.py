"""Errors that carry the one sentence a user or operator reads.

The app-command error handler sends ``str(error)`` of a ``UserFacingError`` as an ephemeral
reply; anything else is logged with its traceback and the user gets a generic apology.
"""

from __future__ import annotations

from bot.render.echo import echo


class UserFacingError(Exception):
    """An expected refusal: its message is a complete, plain sentence for the user."""


class UnknownLesson(UserFacingError):
    def __init__(self, lesson_id: str) -> None:
        super().__init__(f"There is no lesson called {echo(lesson_id)}. Try /lesson list.")
        self.lesson_id = lesson_id


class MissingBotPermissions(UserFacingError):
    """The bot lacks permissions in a channel; raised before anything is sent."""

    def __init__(self, channel_mention: str, missing: list[str]) -> None:
        names = ", ".join(missing)
        super().__init__(
            f"I can't post in {channel_mention}: I am missing the {names} permission"
            f"{'s' if len(missing) > 1 else ''} there. Ask a server admin to grant "
            f"{'them' if len(missing) > 1 else 'it'}, then try again."
        )
        self.missing = missing


class StartupError(Exception):
    """The bot cannot start; the message tells the operator what to do (exit status 2)."""
