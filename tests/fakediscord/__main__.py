"""Run the fake Discord as its own process, with a ready-made world and the control API.

    python -m tests.fakediscord [--port 0] [--shards 1] [--guilds 1] [--token fake-token]

Prints one JSON line when it is serving: its ``url`` (give it to ``tests.fakediscord.launch``),
and the world (guilds, their shard, #weekly, a moderator and a member in each). Serves until
SIGINT or SIGTERM. Drive it through ``/_control`` (see control.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from .driver import FakeDiscord


def build_world(fake: FakeDiscord, guilds: int) -> list[dict[str, object]]:
    """``guilds`` guilds spread over the shards in turn, each with #weekly, "mod" and "member"."""
    out: list[dict[str, object]] = []
    for index in range(guilds):
        guild = fake.create_guild(f"Study {index}", shard=index % fake.shard_count)
        channel = fake.create_text_channel(guild, "weekly")
        moderator = fake.create_member(guild, f"mod{index}", manage_guild=True)
        member = fake.create_member(guild, f"member{index}")
        out.append(
            {
                "id": str(guild.id),
                "shard": fake.shard_of(guild.id),
                "channel": str(channel.id),
                "moderator": str(moderator.id),
                "member": str(member.id),
            }
        )
    return out


async def serve(args: argparse.Namespace) -> None:
    fake = FakeDiscord(token=args.token, shard_count=args.shards)
    world = build_world(fake, args.guilds)
    await fake.start(port=args.port, control=True)
    print(json.dumps({"url": fake.base_url, "token": fake.token, "guilds": world}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakediscord", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--shards", type=int, default=1, help="the shard count /gateway/bot recommends")
    parser.add_argument("--guilds", type=int, default=1, help="guilds to create, spread over the shards")
    parser.add_argument("--token", default="fake-token", help="the bot token the fake accepts")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main(sys.argv[1:])
