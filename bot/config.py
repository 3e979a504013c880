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
_SHARD_ITEM = re.compile(r"^([0-9]+)(?:\s*-\s*([0-9]+))?$")
# Far beyond any bot's needs (Discord asks for one shard per 1,000 servers at most); it keeps a
# typo such as SHARD_IDS=0-99999999999 from building a list of a hundred billion ids.
MAX_SHARD_COUNT = 1_000_000


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
    shard_count: int | None = None  # None: Discord's recommendation, every shard in this process
    shard_ids: tuple[int, ...] | None = None  # None: every shard of shard_count in this process
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

        shard_count, shard_ids = parse_shards(get("SHARD_COUNT"), get("SHARD_IDS"))

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
            shard_count=shard_count,
            shard_ids=shard_ids,
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


def parse_shards(count_text: str | None, ids_text: str | None) -> tuple[int | None, tuple[int, ...] | None]:
    """``SHARD_COUNT`` and ``SHARD_IDS`` as (count, sorted ids); raise SettingsError on the first problem.

    ``SHARD_IDS`` is a comma-separated list of ids and inclusive ranges (``0-3``, ``4,5``,
    ``0-1,6``). It needs ``SHARD_COUNT``: a process cannot know which servers are its own
    (``(guild_id >> 22) % shard_count``) without the total. A shard named twice is refused,
    since two connections on one shard would each receive, and answer, the same events.
    """
    count: int | None = None
    if count_text is not None:
        if re.fullmatch(r"[0-9]+", count_text) is None or not 1 <= int(count_text) <= MAX_SHARD_COUNT:
            raise SettingsError(
                f"SHARD_COUNT must be a whole number of shards from 1 to {MAX_SHARD_COUNT:,}, "
                f"got {count_text!r}."
            )
        count = int(count_text)
    if ids_text is None:
        return count, None
    if count is None:
        raise SettingsError(
            f"SHARD_IDS ({ids_text!r}) needs SHARD_COUNT, the total number of shards across all processes."
        )
    ids: set[int] = set()
    for item in ids_text.split(","):
        match = _SHARD_ITEM.match(item.strip())
        if match is None:
            raise SettingsError(
                f"SHARD_IDS must list shard ids and ranges such as 0-3 or 4,5, got {ids_text!r}."
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise SettingsError(f"SHARD_IDS range {item.strip()!r} is empty: write the lower id first.")
        if last >= count:
            raise SettingsError(
                f"SHARD_IDS names shard {last}, but SHARD_COUNT is {count}: ids run from 0 to {count - 1}."
            )
        for shard in range(first, last + 1):
            if shard in ids:
                raise SettingsError(f"SHARD_IDS names shard {shard} more than once.")
            ids.add(shard)
    return count, tuple(sorted(ids))
