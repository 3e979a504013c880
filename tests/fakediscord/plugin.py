"""pytest fixtures: a started FakeDiscord, and ``run_client`` to run any discord.py client on it.

Register with ``pytest_plugins = ["tests.fakediscord.plugin"]`` in tests/conftest.py.

    async def test_hello(fake):
        guild = fake.create_guild("Study")
        async with run_client(fake, MyBot(), wait_sync=True) as bot:
            result = await fake.slash(member, "hello")
"""

# The driver API takes `timeout=` by design (tests read `await fake.slash(..., timeout=5)`).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .driver import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)

#: discord.py waits this long after the last GUILD_CREATE before "ready" (its default is 2 s).
FAST_GUILD_READY_TIMEOUT = 0.02


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at the fake (restored afterwards)."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@contextlib.asynccontextmanager
async def run_client(
    fake: FakeDiscord,
    client: ClientT,
    token: str = "fake-token",
    *,
    wait_sync: bool = False,
    timeout: float = 5.0,
    guild_ready_timeout: float | None = FAST_GUILD_READY_TIMEOUT,
    raise_event_errors: bool = True,
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``fake``; yield once it is ready; close it and surface its errors.

    ``wait_sync`` also waits for a command sync (PUT .../commands) made at start-up.
    ``guild_ready_timeout`` overrides discord.py's 2 s wait after the last GUILD_CREATE (pass
    ``None`` to keep the client's own value). With ``raise_event_errors`` (and no ``on_error`` of
    the client's own), an exception escaping an event handler fails the test at exit instead of
    only being logged by discord.py.
    """
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    event_errors: list[tuple[str, BaseException]] = []
    if raise_event_errors and type(client).on_error is discord.Client.on_error:
        default_on_error = client.on_error

        async def on_error(event_method: str, /, *args: object, **kwargs: object) -> None:
            error = sys.exc_info()[1]
            if error is not None:
                event_errors.append((event_method, error))
            await default_on_error(event_method, *args, **kwargs)

        client.on_error = on_error  # type: ignore[method-assign]
    syncs_before = fake.command_syncs
    with pointed_at(fake):
        task = asyncio.create_task(client.start(token), name="fakediscord-client")
        try:
            await _until_ready(fake, client, task, timeout)
            if wait_sync:
                await fake.wait_until(
                    lambda: fake.command_syncs > syncs_before or task.done(), timeout=timeout
                )
                if task.done():
                    task.result()
            yield client
        finally:
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), timeout=timeout)
            await _finish_event_handlers(client, timeout)
            if event_errors:
                event, error = event_errors[0]
                raise RuntimeError(f"the client's {event} handler raised {error!r}") from error


def _event_handlers(client: discord.Client) -> list[asyncio.Task[object]]:
    """The client's event handlers not yet finished: discord.py runs each dispatched event in a
    task of its own (its coroutine ``Client._run_event``, bound to the client)."""
    found = []
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        if (
            not task.done()
            and getattr(coro, "__qualname__", "") == "Client._run_event"
            and frame is not None
            and frame.f_locals.get("self") is client
        ):
            found.append(task)
    return found


async def _finish_event_handlers(client: discord.Client, timeout: float) -> None:
    """Let the handlers of the events dispatched up to the close end before the test's event loop
    does (cancelled after ``timeout``). A handler's task still queued when the loop closes is
    never started, and Python warns "coroutine 'Client._run_event' was never awaited"."""
    deadline = asyncio.get_running_loop().time() + timeout
    while pending := _event_handlers(client):  # a handler may dispatch further events
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            return
        await asyncio.wait(pending, timeout=left)


async def _until_ready(
    fake: FakeDiscord, client: discord.Client, task: asyncio.Task[None], timeout: float
) -> None:
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready.cancel()
    if task in done:
        task.result()  # raises the start-up error (LoginFailure, PrivilegedIntentsRequired, ...)
        raise RuntimeError("the client stopped before it was ready")
    if not done:
        raise TimeoutError(f"client not ready within {timeout}s")
    # Every guild of the fake that this client's shard owns is in its cache.
    await fake.wait_until(
        lambda: task.done() or all(client.get_guild(g) is not None for g in _owned_guilds(fake, client)),
        timeout=timeout,
    )


def _owned_guilds(fake: FakeDiscord, client: discord.Client) -> list[int]:
    shard_ids = getattr(client, "shard_ids", None) or [client.shard_id or 0]
    count = client.shard_count or 1
    return [g for g in fake.guilds if (g >> 22) % count in shard_ids and g not in fake.departed]


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord, with discord.py pointed at it for the whole test."""
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(Route, "BASE", server.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    try:
        yield server
    finally:
        await server.stop()
