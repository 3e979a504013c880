"""Run a discord.py program in its own process, pointed at a fake Discord.

    python -m tests.fakediscord.launch http://127.0.0.1:PORT bot run

patches discord.py's REST base and default gateway to the fake at that address (what
``plugin.pointed_at`` does in-process), shortens its wait after the last GUILD_CREATE, drops the
5 s it waits before every IDENTIFY but a process's first (Discord's identify rate, which the fake
does not enforce), then runs the module (here ``bot``, with argv ``run``) as ``__main__``. The
program itself is unmodified: this is how a test runs real bot processes (shards, restarts,
SIGKILL) against one fake.
"""

from __future__ import annotations

import runpy
import sys
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .plugin import FAST_GUILD_READY_TIMEOUT

USAGE = "usage: python -m tests.fakediscord.launch http://127.0.0.1:PORT MODULE [ARGS...]"


def point_discord_at(base_url: str) -> None:
    """Send discord.py's REST and gateway traffic to the fake serving at ``base_url``."""
    base = base_url.rstrip("/")
    Route.BASE = f"{base}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(base.replace("http://", "ws://", 1) + "/gateway")
    original_init = discord.Client.__init__

    def init(self: discord.Client, *args: Any, **options: Any) -> None:
        options.setdefault("guild_ready_timeout", FAST_GUILD_READY_TIMEOUT)
        original_init(self, *args, **options)

    discord.Client.__init__ = init  # type: ignore[method-assign]

    async def identify_at_once(self: discord.Client, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    discord.Client.before_identify_hook = identify_at_once  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    if len(argv) < 2 or not argv[0].startswith("http://"):
        raise SystemExit(USAGE)
    base_url, module, *args = argv
    point_discord_at(base_url)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
