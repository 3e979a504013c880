"""The synced command surface is the one docs/commands.md describes: names, options, who may use them."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.features.moderation import _moderator

MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)

# command -> {subcommand or "": [option names, required first]}
EXPECTED = {
    "concept": {"": ["term"]},
    "concepts": {"": ["tag"]},
    "lesson": {"show": ["lesson"], "list": []},
    "post": {"": ["lesson", "channel"]},
    "schedule": {
        "once": ["lesson", "when", "channel"],
        "weekly": ["weekday", "time", "channel"],
        "list": [],
        "cancel": ["id"],
    },
    "export": {"": ["lesson", "format"]},
    "library": {"add": ["file"], "edit": ["lesson"], "remove": ["lesson"], "export": ["lesson"]},
    "stats": {"": ["lesson", "member"]},
    "settings": {
        "show": [],
        "timezone": ["tz"],
        "channel": ["channel"],
        "modrole": ["role"],
        "discussion": ["days", "reminder_hours"],
        "pingrole": ["role"],
    },
}
MODERATOR_COMMANDS = {"library", "post", "schedule", "export", "settings"}


def _shape(command):
    subcommands = [o for o in command.get("options", []) if o["type"] == 1]
    if not subcommands:
        return {"": [o["name"] for o in command.get("options", [])]}
    return {sub["name"]: [o["name"] for o in sub.get("options", [])] for sub in subcommands}


async def test_command_names_and_options_match_the_design(harness):
    fake = harness.fake
    synced = fake.guild_commands[fake.guild.id]
    assert {c["name"] for c in synced} == set(EXPECTED)
    for command in synced:
        assert _shape(command) == EXPECTED[command["name"]], command["name"]


async def test_moderator_commands_are_hidden_from_members_by_default(harness):
    fake = harness.fake
    for command in fake.guild_commands[fake.guild.id]:
        expected = MANAGE_GUILD if command["name"] in MODERATOR_COMMANDS else None
        assert command.get("default_member_permissions") == expected, command["name"]


def _leaves(command):
    if isinstance(command, app_commands.Group):
        for child in command.commands:
            yield from _leaves(child)
    else:
        yield command


# Moderator commands checked at run time by a stricter rule than @is_moderator() (Manage Server).
STRICTER = {"settings modrole"}


async def test_each_top_level_command_is_for_everyone_or_for_moderators_never_both(studybot):
    """Discord hides commands per top-level command, so a top-level command hidden from members
    holds only moderator commands (each checked at run time too), and one shown to them none."""
    for command in studybot.tree.get_commands():
        hidden = command.default_permissions is not None
        assert hidden == (command.name in MODERATOR_COMMANDS), command.name
        for leaf in _leaves(command):
            checked = _moderator in leaf.checks or leaf.qualified_name in STRICTER
            assert checked == hidden, leaf.qualified_name


async def test_autocompleted_options(harness):
    fake = harness.fake
    autocompleted = set()
    for command in fake.guild_commands[fake.guild.id]:
        subs = [o for o in command.get("options", []) if o["type"] == 1] or [command]
        for sub in subs:
            for option in sub.get("options", []):
                if option.get("autocomplete"):
                    name = command["name"] if sub is command else f"{command['name']} {sub['name']}"
                    autocompleted.add(f"{name}:{option['name']}")
    assert {
        "concept:term",
        "concepts:tag",
        "lesson show:lesson",
        "post:lesson",
        "schedule once:lesson",
        "schedule cancel:id",
        "settings timezone:tz",
        "export:lesson",
        "stats:lesson",
        "library edit:lesson",
        "library remove:lesson",
        "library export:lesson",
    } <= autocompleted


async def test_global_sync_only_when_the_command_set_changed(harness):
    fake = harness.fake
    harness.dev_guild_id = None
    await harness.restart()
    first_syncs = fake.requests_matching("PUT", r"/applications/\d+/commands$")
    await harness.restart()
    second_syncs = fake.requests_matching("PUT", r"/applications/\d+/commands$")
    assert len(first_syncs) == 1
    assert len(second_syncs) == 1


def _string_options(command):
    subs = [o for o in command.get("options", []) if o["type"] == 1] or [command]
    for sub in subs:
        name = command["name"] if sub is command else f"{command['name']} {sub['name']}"
        for option in sub.get("options", []):
            if option["type"] == 3:
                yield f"{name}:{option['name']}", option


async def test_every_free_text_option_has_a_maximum_length(harness):
    """A string option without max_length takes 6,000 characters into every keystroke's search
    (issue 10, item 7); options with fixed choices are bounded by their choices."""
    fake = harness.fake
    free_text = {
        where: option
        for command in fake.guild_commands[fake.guild.id]
        for where, option in _string_options(command)
        if not option.get("choices")
    }
    assert {"concept:term", "schedule once:when", "settings timezone:tz"} <= set(free_text)
    unbounded = sorted(where for where, option in free_text.items() if "max_length" not in option)
    assert unbounded == []
    assert all(1 <= option["max_length"] <= 100 for option in free_text.values()), free_text
    assert free_text["concept:term"]["max_length"] == 100
    assert free_text["schedule once:when"]["max_length"] == 32
