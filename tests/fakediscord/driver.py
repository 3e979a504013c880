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
from .control import add_control_routes
from .faults import Fault
from .gateway import Session, gateway_handler
from .interactions import InteractionResult
from .rest import build_app
from .state import RecordedRequest


class FakeDiscord(Commands):
    """A Discord stand-in on 127.0.0.1 that the unmodified discord.py client talks to."""

    # ------------------------------------------------------------------ lifecycle
    async def start(self, *, port: int = 0, control: bool = False) -> FakeDiscord:
        """Serve on 127.0.0.1 (``port=0``: a free port, read back from ``fake.port``). ``control``
        adds the small HTTP API of control.py, for driving a fake that runs as its own process."""
        app = build_app(self)
        app.router.add_get("/gateway", gateway_handler)
        if control:
            add_control_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
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
        self, code: int = 4000, *, wait_resumed: bool = True, timeout: float = 5.0, shard: int | None = None
    ) -> None:
        """Close the bot's gateway connection(s) (only shard ``shard``'s if given); discord.py
        reconnects and RESUMEs."""
        before = self.resumes
        for conn in list(self.connections):
            if shard is not None and (conn.session is None or conn.session.shard[0] != shard):
                continue
            await conn.close(code, "dropped by test")
        if wait_resumed:
            await self.wait_until(lambda: self.resumes > before, timeout=timeout)

    def invalidate_sessions(self) -> None:
        """Forget sessions, so the next RESUME gets INVALID_SESSION and the bot re-IDENTIFYs."""
        for session in self.sessions.values():
            session.closed = True

    async def wait_for_shards(self, *shard_ids: int, count: int, timeout: float = 10.0) -> None:
        """Wait until a session of each shard ``(shard_id, count)`` is connected and has been sent
        the GUILD_CREATE of every guild it owns (guilds in an outage aside)."""

        def ready() -> bool:
            for shard_id in shard_ids:
                sessions = [
                    s for s in self.live_sessions() if s.shard == (shard_id, count) and s.conn is not None
                ]
                if not any(self._sent_every_guild(s) for s in sessions):
                    return False
            return True

        await self.wait_until(ready, timeout=timeout)

    def _sent_every_guild(self, session: Session) -> bool:
        owned = {
            str(g)
            for g in self.guilds
            if session.owns_guild(g) and g not in self.outages and g not in self.departed
        }
        sent = {f["d"]["id"] for f in session.sent if f["t"] == "GUILD_CREATE"}
        return owned <= sent


__all__ = ["FakeDiscord", "InteractionResult", "RecordedRequest"]
