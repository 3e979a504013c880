"""FakeDiscord: the fake's server and the driver API tests use.

A test builds a world (guilds, channels, roles, members), connects the real discord.py client
(see ``plugin.run_client``), then acts as members do: runs slash commands, types in channels and
threads, clicks buttons. It reads back what the bot did: messages, threads, every REST request.

The driver is built up in layers, one module each: ``state`` (what the fake knows, waiting,
recorded requests), ``world`` (guilds, channels, roles, members, permissions), ``messages``
(messages and threads, gateway dispatch), ``member_actions`` (members write, edit, delete),
``commands`` (slash commands, autocomplete, buttons, modals) and this module (serving HTTP and
the gateway, injected faults). The REST routes live in ``rest/``, one module per resource.
"""

# The driver API takes `timeout=` by design (tests read `await fake.drop_websocket(timeout=5)`).
# ruff: noqa: ASYNC109

from __future__ import annotations

import re

from aiohttp import web

from .commands import Commands
from .faults import Fault
from .gateway import gateway_handler
from .interactions import InteractionResult
from .rest import build_app
from .state import RecordedRequest


class FakeDiscord(Commands):
    """A Discord stand-in on 127.0.0.1 that the unmodified discord.py client talks to."""

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> FakeDiscord:
        app = build_app(self)
        app.router.add_get("/gateway", gateway_handler)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001, "fake stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ faults
    def inject(
        self,
        method: str,
        path_regex: str,
        status: int | None = 429,
        times: int = 1,
        delay: float = 0.0,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Fault:
        """The next ``times`` matching requests answer ``status`` (429/500/503...) after ``delay``.

        ``status=None`` with a delay makes a slow but successful route. The path regex is searched
        in the path after /api/v10 (e.g. ``r"/channels/\\d+/messages$"``).
        """
        fault = Fault(
            method=method.upper(),
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            delay=delay,
            retry_after=retry_after,
            is_global=is_global,
        )
        self.faults.append(fault)
        return fault

    async def drop_websocket(
        self, code: int = 4000, *, wait_resumed: bool = True, timeout: float = 5.0
    ) -> None:
        """Close the bot's gateway connection(s); discord.py reconnects and RESUMEs."""
        before = self.resumes
        for conn in list(self.connections):
            await conn.close(code, "dropped by test")
        if wait_resumed:
            await self.wait_until(lambda: self.resumes > before, timeout=timeout)

    def invalidate_sessions(self) -> None:
        """Forget sessions, so the next RESUME gets INVALID_SESSION and the bot re-IDENTIFYs."""
        for session in self.sessions.values():
            session.closed = True


__all__ = ["FakeDiscord", "InteractionResult", "RecordedRequest"]
