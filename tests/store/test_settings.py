"""The ServerSettings, ModeratorNotices and BotState contracts: unset reads as None, each setter
its own field; a notice is told once per problem."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from bot.store.rows import GuildSettings

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


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


async def test_the_ping_role_is_its_own_field_and_clears(store):
    await store.settings.set_modrole(1, 777)
    assert await store.settings.set_pingrole(1, 888) == GuildSettings(1, modrole_id=777, pingrole_id=888)
    assert (await store.settings.get(2)).pingrole_id is None
    assert await store.settings.set_pingrole(1, None) == GuildSettings(1, modrole_id=777)
    assert await store.settings.get(1) == GuildSettings(1, modrole_id=777)


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


async def test_a_notice_is_told_once_until_its_problem_changes(store):
    notices = store.notices
    assert await notices.first_time(1, "pingrole", "5:no_manage_roles", at=AT) is True
    assert await notices.first_time(1, "pingrole", "5:no_manage_roles", at=AT + timedelta(hours=1)) is False
    assert await notices.first_time(1, "pingrole", "5:role_too_high", at=AT) is True
    assert await notices.first_time(1, "pingrole", "5:role_too_high", at=AT) is False
    assert await notices.first_time(1, "pingrole", "5:no_manage_roles", at=AT) is True


async def test_topics_and_servers_are_told_apart(store):
    notices = store.notices
    assert await notices.first_time(1, "pingrole", "x", at=AT) is True
    assert await notices.first_time(1, "pin:10", "x", at=AT) is True
    assert await notices.first_time(2, "pingrole", "x", at=AT) is True
    assert await notices.first_time(1, "pin:11", "x", at=AT) is True
    assert await notices.first_time(1, "pin:10", "x", at=AT) is False


async def test_a_resolved_notice_is_told_again_and_resolving_nothing_is_harmless(store):
    notices = store.notices
    await notices.resolve(1, "pingrole")
    assert await notices.first_time(1, "pingrole", "x", at=AT) is True
    await notices.resolve(1, "pingrole")
    assert await notices.first_time(1, "pingrole", "x", at=AT) is True
    await notices.resolve(1, "pin:10")
    assert await notices.first_time(1, "pingrole", "x", at=AT) is False


async def test_of_callers_at_once_exactly_one_tells(store):
    told = await asyncio.gather(
        *(store.notices.first_time(1, "pingrole", "x", at=AT) for _ in range(8))
    )
    assert sorted(told) == [False] * 7 + [True]


async def test_notice_times_in_any_zone_and_user_text_in_topics(store):
    evil = "pin:'); DROP TABLE moderator_notices; --"
    east = datetime(2026, 11, 25, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert await store.notices.first_time((1 << 63) - 1, evil, "ünï ✓", at=east) is True
    assert await store.notices.first_time((1 << 63) - 1, evil, "ünï ✓", at=AT) is False
