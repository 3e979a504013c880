"""Every slash command the bot syncs, with each of its options, is described in docs/commands.md."""

from __future__ import annotations

import re
from pathlib import Path

COMMANDS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "commands.md"


def _synced_commands(synced: list[dict]) -> dict[str, list[str]]:
    """``{"lesson post": ["lesson", "channel"], "concept": ["term"], ...}`` from the synced payload."""
    found: dict[str, list[str]] = {}
    for command in synced:
        subcommands = [o for o in command.get("options", []) if o["type"] == 1]
        if not subcommands:
            found[command["name"]] = [o["name"] for o in command.get("options", [])]
        for sub in subcommands:
            found[f"{command['name']} {sub['name']}"] = [o["name"] for o in sub.get("options", [])]
    return found


async def test_every_synced_command_and_option_is_documented(harness):
    page = COMMANDS_PAGE.read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `/")]
    commands = _synced_commands(harness.fake.guild_commands[harness.fake.guild.id])
    assert commands
    problems = []
    for name, options in commands.items():
        row = next((r for r in rows if re.match(rf"\| `/{re.escape(name)}[ `]", r)), None)
        if row is None:
            problems.append(f"/{name} has no row")
            continue
        head = row.split("|")[1]
        problems += [f"/{name} lacks {option}:" for option in options if f"{option}:" not in head]
    assert not problems, problems
