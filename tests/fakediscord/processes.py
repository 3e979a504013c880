"""Real bot processes against an in-process fake: start, SIGKILL, stop, read their log.

The fake runs in the test's event loop (the test drives it as usual); each bot is a subprocess
started through ``launch.py`` so that it talks to the fake. Its output goes to a log file, which
the test can read when something goes wrong.
"""

# The helpers take `timeout=` by design (tests read `await proc.stop(timeout=10)`).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .driver import FakeDiscord

#: The repository root: subprocesses run there so ``bot`` and ``tests`` are importable.
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class BotProcess:
    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def kill(self) -> int:
        """SIGKILL: no clean shutdown, no websocket close frame (its session stays resumable)."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)
        return await self.process.wait()

    async def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout``."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                return await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                return await self.kill()
        return await self.process.wait()


async def start_bot_process(
    fake: FakeDiscord,
    module: str,
    args: Sequence[str] = (),
    *,
    name: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
) -> BotProcess:
    """Start ``python -m <module> <args>`` pointed at ``fake``, with ``DISCORD_TOKEN`` set to the
    fake's token and ``env`` on top of this process's environment. Output is appended to
    ``log_dir/<name>.log`` (a restart under the same name continues the same log)."""
    log_path = log_dir / f"{name}.log"
    full_env = {**os.environ, "DISCORD_TOKEN": fake.token, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fakediscord.launch",
            fake.base_url,
            module,
            *args,
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    return BotProcess(name=name, process=process, log_path=log_path)
