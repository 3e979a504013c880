"""Per-server settings, notices told to moderators, and the bot's own facts, in SQLite (tables
``guild_settings``, ``moderator_notices``, ``bot_state``)."""

from __future__ import annotations

from datetime import datetime

from bot.store.rows import GuildSettings
from bot.store.sqlite.codec import to_text
from bot.store.sqlite.connection import Connection, Sql

_SELECT = (
    "SELECT guild_id, timezone, channel_id, modrole_id, discussion_days, reminder_hours, pingrole_id "
    "FROM guild_settings WHERE guild_id = ?"
)
# Only these columns are set through _set; the name is never user text.
_COLUMNS = frozenset({"timezone", "channel_id", "modrole_id", "pingrole_id"})


def _get(sql: Sql, guild_id: int) -> GuildSettings:
    row = sql.one(_SELECT, (guild_id,))
    if row is None:
        return GuildSettings(guild_id=guild_id)
    return GuildSettings(
        guild_id=int(row["guild_id"]),
        timezone=row["timezone"],
        channel_id=row["channel_id"],
        modrole_id=row["modrole_id"],
        discussion_days=row["discussion_days"],
        reminder_hours=row["reminder_hours"],
        pingrole_id=row["pingrole_id"],
    )


def _set(sql: Sql, guild_id: int, column: str, value: object) -> GuildSettings:
    assert column in _COLUMNS
    with sql.transaction():
        sql.execute(
            f"INSERT INTO guild_settings (guild_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}",
            (guild_id, value),
        )
        return _get(sql, guild_id)


def _set_discussion(sql: Sql, guild_id: int, days: int | None, hours: int | None) -> GuildSettings:
    with sql.transaction():
        sql.execute(
            "INSERT INTO guild_settings (guild_id, discussion_days, reminder_hours) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET discussion_days = excluded.discussion_days, "
            "reminder_hours = excluded.reminder_hours",
            (guild_id, days, hours),
        )
        return _get(sql, guild_id)


class SqliteServerSettings:
    """``ports.ServerSettings`` over SQLite."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSettings:
        return await self._db.run(_get, guild_id)

    async def set_timezone(self, guild_id: int, timezone: str | None) -> GuildSettings:
        return await self._db.run(_set, guild_id, "timezone", timezone)

    async def set_channel(self, guild_id: int, channel_id: int | None) -> GuildSettings:
        return await self._db.run(_set, guild_id, "channel_id", channel_id)

    async def set_modrole(self, guild_id: int, role_id: int | None) -> GuildSettings:
        return await self._db.run(_set, guild_id, "modrole_id", role_id)

    async def set_discussion(
        self, guild_id: int, days: int | None, reminder_hours: int | None
    ) -> GuildSettings:
        return await self._db.run(_set_discussion, guild_id, days, reminder_hours)

    async def set_pingrole(self, guild_id: int, role_id: int | None) -> GuildSettings:
        return await self._db.run(_set, guild_id, "pingrole_id", role_id)


def _first_time(sql: Sql, guild_id: int, topic: str, about: str, at: str) -> bool:
    # The row is written only when the topic is new or its problem changed: one statement, so
    # two clicks at once tell the moderators once.
    changed = sql.execute(
        "INSERT INTO moderator_notices (guild_id, topic, about, told_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (guild_id, topic) DO UPDATE SET about = excluded.about, told_at = excluded.told_at "
        "WHERE moderator_notices.about <> excluded.about",
        (guild_id, topic, about, at),
    )
    return changed > 0


def _forget(sql: Sql, guild_id: int, topic: str) -> None:
    sql.execute("DELETE FROM moderator_notices WHERE guild_id = ? AND topic = ?", (guild_id, topic))


class SqliteModeratorNotices:
    """``ports.ModeratorNotices`` over SQLite."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def first_time(self, guild_id: int, topic: str, about: str, *, at: datetime) -> bool:
        return await self._db.run(_first_time, guild_id, topic, about, to_text(at))

    async def resolve(self, guild_id: int, topic: str) -> None:
        await self._db.run(_forget, guild_id, topic)


def _state_get(sql: Sql, key: str) -> str | None:
    row = sql.one("SELECT value FROM bot_state WHERE key = ?", (key,))
    return None if row is None else str(row["value"])


def _state_put(sql: Sql, key: str, value: str) -> None:
    sql.execute(
        "INSERT INTO bot_state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


class SqliteBotState:
    """``ports.BotState`` over SQLite."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        return await self._db.run(_state_get, key)

    async def put(self, key: str, value: str) -> None:
        await self._db.run(_state_put, key, value)
