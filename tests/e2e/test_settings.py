"""/settings as moderators use it, and members refused on every moderator command."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import FIRST_LESSON

MODERATOR_COMMANDS = [
    ("post", {"lesson": FIRST_LESSON}),
    ("schedule once", {"lesson": FIRST_LESSON, "when": "2026-12-01 09:00"}),
    ("schedule weekly", {"weekday": 0, "time": "09:00"}),
    ("schedule list", {}),
    ("schedule cancel", {"id": 1}),
    ("export", {}),
    ("settings show", {}),
    ("settings timezone", {"tz": "Europe/Berlin"}),
    ("settings channel", {"channel": None}),
    ("settings modrole", {"role": None}),
    ("settings pingrole", {"role": None}),
]


@pytest.mark.parametrize(("command", "options"), MODERATOR_COMMANDS, ids=[c for c, _ in MODERATOR_COMMANDS])
async def test_member_is_refused_on_every_moderator_command(harness, command, options):
    fake = harness.fake
    filled = {name: (fake.text if name == "channel" else value) for name, value in options.items()}
    if "role" in filled:
        filled["role"] = fake.create_role(fake.guild, "Helpers")
    result = await fake.slash(fake.member, command, **filled)
    assert result.ephemeral
    assert "Only" in result.content
    assert "moderator" in result.content.lower() or "Manage Server" in result.content
    shown = await fake.slash(fake.moderator, "settings show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Time zone"].startswith("UTC")
    assert fake.bot_messages(fake.text) == []


async def test_timezone_is_validated_and_stored(harness):
    fake = harness.fake
    bad = await fake.slash(fake.moderator, "settings timezone", tz="Mars/Olympus")
    assert bad.ephemeral and "Mars/Olympus" in bad.content
    good = await fake.slash(fake.moderator, "settings timezone", tz="europe/berlin")
    assert "Europe/Berlin" in good.content
    shown = await fake.slash(fake.moderator, "settings show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Time zone"] == "Europe/Berlin"


async def test_timezone_autocompletes(harness):
    fake = harness.fake
    choices = await fake.autocomplete(fake.moderator, "settings timezone", focused="tz", value="berl")
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in choices


async def test_modrole_makes_a_member_a_moderator(harness):
    fake = harness.fake
    helpers = fake.create_role(fake.guild, "Helpers")
    fake.set_member_roles(fake.member, [helpers])
    refused = await fake.slash(fake.member, "settings show")
    assert "Only moderators" in refused.content
    await fake.slash(fake.moderator, "settings modrole", role=helpers)
    allowed = await fake.slash(fake.member, "settings show")
    fields = {f["name"]: f["value"] for f in allowed.embeds[0]["fields"]}
    assert fields["Moderator role"] == f"<@&{helpers.id}>"


async def test_modrole_cannot_hand_out_moderator_rights(harness):
    fake = harness.fake
    helpers = fake.create_role(fake.guild, "Helpers")
    fake.set_member_roles(fake.member, [helpers])
    await fake.slash(fake.moderator, "settings modrole", role=helpers)
    other = fake.create_role(fake.guild, "Others")
    result = await fake.slash(fake.member, "settings modrole", role=other)
    assert "Manage Server" in result.content
