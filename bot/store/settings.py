"""Per-server settings (time zone, default channel, moderator role), one row per server.

A server that never ran ``/settings`` has no row; ``get`` still answers, with None fields, so
callers apply their defaults (DEFAULT_TIMEZONE, the command's channel, Manage Server only).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.database import Database, Row


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    timezone: str | None = None
    channel_id: int | None = None
    modrole_id: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> GuildSettings:
        return cls(
            guild_id=row["guild_id"],
            timezone=row["timezone"],
            channel_id=row["channel_id"],
            modrole_id=row["modrole_id"],
        )


async def get(db: Database, guild_id: int) -> GuildSettings:
    """The server's settings; fields never set are None."""
    row = await db.fetch_one(
        "SELECT guild_id, timezone, channel_id, modrole_id FROM guild_settings WHERE guild_id = ?",
        (guild_id,),
    )
    return GuildSettings.from_row(row) if row is not None else GuildSettings(guild_id=guild_id)


async def set_timezone(db: Database, guild_id: int, timezone: str | None) -> GuildSettings:
    """Store the server's IANA zone name (validated by the caller); None resets to the default."""
    await db.execute(
        "INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone",
        (guild_id, timezone),
    )
    return await get(db, guild_id)


async def set_channel(db: Database, guild_id: int, channel_id: int | None) -> GuildSettings:
    """Store the default channel for posts; None means "the channel of the command"."""
    await db.execute(
        "INSERT INTO guild_settings (guild_id, channel_id) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id",
        (guild_id, channel_id),
    )
    return await get(db, guild_id)


async def set_modrole(db: Database, guild_id: int, role_id: int | None) -> GuildSettings:
    """Store the extra moderator role; None leaves moderation to Manage Server alone."""
    await db.execute(
        "INSERT INTO guild_settings (guild_id, modrole_id) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET modrole_id = excluded.modrole_id",
        (guild_id, role_id),
    )
    return await get(db, guild_id)
