"""Per-server settings: unset fields read as None, each setter changes only its own field."""

from __future__ import annotations

from bot.store import settings


async def test_a_server_without_settings_reads_as_all_none(db):
    got = await settings.get(db, 123)
    assert got == settings.GuildSettings(guild_id=123, timezone=None, channel_id=None, modrole_id=None)


async def test_setters_change_only_their_field(db):
    await settings.set_timezone(db, 1, "Europe/Paris")
    await settings.set_channel(db, 1, 555)
    result = await settings.set_modrole(db, 1, 777)
    assert result == settings.GuildSettings(1, "Europe/Paris", 555, 777)
    result = await settings.set_timezone(db, 1, "Asia/Tokyo")
    assert result == settings.GuildSettings(1, "Asia/Tokyo", 555, 777)
    assert await settings.get(db, 1) == result


async def test_servers_are_independent(db):
    await settings.set_timezone(db, 1, "Europe/Paris")
    await settings.set_timezone(db, 2, "America/New_York")
    assert (await settings.get(db, 1)).timezone == "Europe/Paris"
    assert (await settings.get(db, 2)).timezone == "America/New_York"


async def test_none_resets_a_field(db):
    await settings.set_modrole(db, 1, 777)
    assert (await settings.set_modrole(db, 1, None)).modrole_id is None
