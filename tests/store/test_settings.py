"""The ServerSettings and BotState contracts: unset reads as None, each setter its own field."""

from __future__ import annotations

from bot.store.rows import GuildSettings


async def test_a_server_without_settings_reads_as_all_none(store):
    assert await store.settings.get(123) == GuildSettings(guild_id=123)


async def test_setters_change_only_their_field(store):
    await store.settings.set_timezone(1, "Europe/Paris")
    await store.settings.set_channel(1, 555)
    result = await store.settings.set_modrole(1, 777)
    assert result == GuildSettings(1, "Europe/Paris", 555, 777)
    result = await store.settings.set_timezone(1, "Asia/Tokyo")
    assert result == GuildSettings(1, "Asia/Tokyo", 555, 777)
    assert await store.settings.get(1) == result


async def test_servers_are_independent(store):
    await store.settings.set_timezone(1, "Europe/Paris")
    await store.settings.set_timezone(2, "America/New_York")
    assert (await store.settings.get(1)).timezone == "Europe/Paris"
    assert (await store.settings.get(2)).timezone == "America/New_York"


async def test_none_resets_a_field(store):
    await store.settings.set_modrole(1, 777)
    assert (await store.settings.set_modrole(1, None)).modrole_id is None
    assert await store.settings.get(1) == GuildSettings(guild_id=1)


async def test_snowflake_sized_ids_and_user_text_are_kept_exactly(store):
    big = (1 << 63) - 1
    evil = "Europe/Paris'); DROP TABLE guild_settings; --"
    await store.settings.set_channel(big, big)
    assert (await store.settings.set_timezone(big, evil)) == GuildSettings(big, evil, big, None)


async def test_bot_state_keeps_the_last_value_of_each_key(store):
    assert await store.bot_state.get("global_commands_sha256") is None
    await store.bot_state.put("global_commands_sha256", "abc")
    await store.bot_state.put("global_commands_sha256", "def")
    await store.bot_state.put("other", "ünïcode ✓")
    assert await store.bot_state.get("global_commands_sha256") == "def"
    assert await store.bot_state.get("other") == "ünïcode ✓"
