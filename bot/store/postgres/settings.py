"""Per-server settings, notices told to moderators, and the bot's own facts, in PostgreSQL (tables
``guild_settings``, ``moderator_notices``, ``bot_state``)."""

from __future__ import annotations

from datetime import datetime

from bot.store.postgres.connection import Connection, Record, utc
from bot.store.rows import GuildSettings

_COLUMNS = "guild_id, timezone, channel_id, modrole_id, discussion_days, reminder_hours, pingrole_id"
# One statement per setter, so each is one transaction; the column name is never user text.
_SET = {
    column: (
        f"INSERT INTO guild_settings (guild_id, {column}) VALUES ($1, $2) "
        f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column} RETURNING {_COLUMNS}"
    )
    for column in ("timezone", "channel_id", "modrole_id", "pingrole_id")
}


def _settings(row: Record) -> GuildSettings:
    return GuildSettings(
        guild_id=row["guild_id"],
        timezone=row["timezone"],
        channel_id=row["channel_id"],
        modrole_id=row["modrole_id"],
        discussion_days=row["discussion_days"],
        reminder_hours=row["reminder_hours"],
        pingrole_id=row["pingrole_id"],
    )


class PostgresServerSettings:
    """``ports.ServerSettings`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSettings:
        row = await self._db.fetchrow(f"SELECT {_COLUMNS} FROM guild_settings WHERE guild_id = $1", guild_id)
        return GuildSettings(guild_id=guild_id) if row is None else _settings(row)

    async def _set(self, column: str, guild_id: int, value: object) -> GuildSettings:
        row = await self._db.fetchrow(_SET[column], guild_id, value)
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _settings(row)

    async def set_timezone(self, guild_id: int, timezone: str | None) -> GuildSettings:
        return await self._set("timezone", guild_id, timezone)

    async def set_channel(self, guild_id: int, channel_id: int | None) -> GuildSettings:
        return await self._set("channel_id", guild_id, channel_id)

    async def set_modrole(self, guild_id: int, role_id: int | None) -> GuildSettings:
        return await self._set("modrole_id", guild_id, role_id)

    async def set_discussion(
        self, guild_id: int, days: int | None, reminder_hours: int | None
    ) -> GuildSettings:
        row = await self._db.fetchrow(
            "INSERT INTO guild_settings (guild_id, discussion_days, reminder_hours) VALUES ($1, $2, $3) "
            "ON CONFLICT (guild_id) DO UPDATE SET discussion_days = excluded.discussion_days, "
            f"reminder_hours = excluded.reminder_hours RETURNING {_COLUMNS}",
            guild_id,
            days,
            reminder_hours,
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _settings(row)

    async def set_pingrole(self, guild_id: int, role_id: int | None) -> GuildSettings:
        return await self._set("pingrole_id", guild_id, role_id)


class PostgresModeratorNotices:
    """``ports.ModeratorNotices`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def first_time(self, guild_id: int, topic: str, about: str, *, at: datetime) -> bool:
        # Written only when the topic is new or its problem changed; the row lock of ON CONFLICT
        # makes two clicks at once tell the moderators once.
        changed = await self._db.execute(
            "INSERT INTO moderator_notices (guild_id, topic, about, told_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (guild_id, topic) DO UPDATE SET about = excluded.about, told_at = excluded.told_at "
            "WHERE moderator_notices.about <> excluded.about",
            guild_id,
            topic,
            about,
            utc(at),
        )
        return changed > 0

    async def resolve(self, guild_id: int, topic: str) -> None:
        await self._db.execute(
            "DELETE FROM moderator_notices WHERE guild_id = $1 AND topic = $2", guild_id, topic
        )


class PostgresBotState:
    """``ports.BotState`` over PostgreSQL."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        return await self._db.fetchval("SELECT value FROM bot_state WHERE key = $1", key)

    async def put(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO bot_state (key, value) VALUES ($1, $2) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key,
            value,
        )
