"""The fake as its own process (``python -m tests.fakediscord``), driven over its control API,
with two bot processes on its two shards."""

# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from tests.fakediscord.processes import ROOT


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    """Ask another process until it says yes (its state cannot wake us)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError("the other process never got there")
        await asyncio.sleep(0.05)


async def python_module(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_fake_in_its_own_process_serves_two_shard_processes():
    fake = await python_module("tests.fakediscord", "--shards", "2", "--guilds", "2")
    bots: list[asyncio.subprocess.Process] = []
    try:
        assert fake.stdout is not None
        started = json.loads(await asyncio.wait_for(fake.stdout.readline(), 30))
        url, guilds = started["url"], started["guilds"]
        for shard in (0, 1):
            env = {"SHARD_ID": str(shard), "SHARD_COUNT": "2", "DISCORD_TOKEN": started["token"]}
            bots.append(
                await python_module(
                    "tests.fakediscord.launch", url, "tests.fakediscord_selftest.shardbot", env=env
                )
            )
        async with aiohttp.ClientSession(base_url=url) as http:

            async def get(path: str) -> Any:
                async with http.get(path) as response:
                    return await response.json()

            async def post(path: str, body: dict[str, Any]) -> Any:
                async with http.post(path, json=body) as response:
                    return await response.json()

            world = await get("/_control/world")
            await eventually(lambda: _equals(get("/_control/shards"), [[0, 2], [1, 2]]))
            answers = {}
            for guild in guilds:
                said = {"author": guild["member"], "content": "hi"}
                await post(f"/_control/channels/{guild['channel']}/messages", said)
                answers[guild["shard"]] = await eventually(lambda g=guild: _answered(post, g))
            replies = {
                guild["shard"]: await eventually(lambda g=guild: _reply(get, g["channel"]))
                for guild in guilds
            }
    finally:
        for process in [*bots, fake]:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
    assert [g["shard"] for g in world["guilds"]] == [0, 1]
    assert {shard: content.split()[:2] for shard, content in answers.items()} == {
        0: ["shard", "0"],
        1: ["shard", "1"],
    }
    assert replies == {0: "seen by shard 0", 1: "seen by shard 1"}
    assert fake.returncode == 0


async def _equals(value: Awaitable[Any], expected: Any) -> bool:
    return await value == expected


async def _answered(
    post: Callable[[str, dict[str, Any]], Awaitable[Any]], guild: dict[str, Any]
) -> str | None:
    """The slash command's answer, once the commands are synced (before that: an error)."""
    asked = {"guild": guild["id"], "member": guild["member"], "command": "where"}
    result = await post("/_control/slash", asked)
    return result.get("content") if result.get("responded") else None


async def _reply(get: Callable[[str], Awaitable[Any]], channel: str) -> str | None:
    messages = await get(f"/_control/channels/{channel}/messages")
    return next((m["content"] for m in messages if m["content"].startswith("seen by")), None)
