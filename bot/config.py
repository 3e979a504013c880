"""Settings from the environment (and ``.env``), validated once at start-up.

Every problem is reported as one sentence naming the variable, so an operator can fix the
``.env`` file without reading code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.errors import StartupError
from bot.scheduling.recurrence import InvalidDuration, UnknownTimezone, parse_duration, resolve_timezone

# Three dot-separated base64url parts: the shape of every bot token Discord issues.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(StartupError):
    """A setting is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = field(repr=False)  # never in a log line, not even via repr(settings)
    database_url: str = "sqlite:///studybot.sqlite3"
    lessons_dir: Path = Path("lessons")
    dev_guild_id: int | None = None
    default_timezone: str = "UTC"
    missed_post_grace: timedelta = timedelta(hours=6)
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the settings; raise SettingsError with one sentence on the first problem."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        dev_guild = get("DEV_GUILD_ID")
        if dev_guild is not None and not dev_guild.isdigit():
            raise SettingsError(f"DEV_GUILD_ID must be a server id (digits only), got {dev_guild!r}.")

        timezone = get("DEFAULT_TIMEZONE") or "UTC"
        try:
            resolve_timezone(timezone)
        except UnknownTimezone as error:
            raise SettingsError(f"DEFAULT_TIMEZONE: {error}") from None

        grace_text = get("MISSED_POST_GRACE") or "6h"
        try:
            grace = parse_duration(grace_text)
        except InvalidDuration as error:
            raise SettingsError(f"MISSED_POST_GRACE: {error}") from None

        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in _LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {level!r}.")

        return cls(
            token=get("DISCORD_TOKEN"),
            database_url=get("DATABASE_URL") or "sqlite:///studybot.sqlite3",
            lessons_dir=Path(get("LESSONS_DIR") or "lessons"),
            dev_guild_id=int(dev_guild) if dev_guild else None,
            default_timezone=timezone,
            missed_post_grace=grace,
            log_level=level,
        )

    def require_token(self) -> str:
        """The token, or a sentence telling the operator where to put a valid one."""
        if self.token is None:
            raise SettingsError(
                "DISCORD_TOKEN is not set: copy .env.example to .env and paste your bot's token "
                "(Discord Developer Portal > your application > Bot > Reset Token)."
            )
        if not _TOKEN_SHAPE.match(self.token):
            raise SettingsError(
                "DISCORD_TOKEN does not look like a bot token (three dot-separated parts): "
                "copy it again from the Developer Portal's Bot page, without quotes or spaces."
            )
        return self.token
