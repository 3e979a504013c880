"""Running the bot as a process: settings, logging, resources, signals, and exit statuses.

Every way an operator can get the set-up wrong ends in one line saying what to do and exit
status 2. SIGINT/SIGTERM close the bot gracefully (pending reply writes are flushed, the
database is closed); SIGHUP reloads the content.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

import aiohttp
import discord
from dotenv import load_dotenv

from bot.app import StudyBot
from bot.config import Settings
from bot.content.library import load_library
from bot.errors import StartupError
from bot.log_filters import install_log_filters
from bot.services.clock import Clock
from bot.store import StoreOpenError, open_store

log = logging.getLogger(__name__)

_TOKEN_REFUSED = (
    "Discord refused the token (401 Unauthorized): reset it on the Developer Portal's Bot page "
    "and put the new one in DISCORD_TOKEN."
)
# Discord closes with 4011 a session holding more servers than one shard may (2,500): no
# reconnect cures it. (The other closes that cannot be resumed get the general sentence.)
_SHARDING_REQUIRED = (
    "Discord requires more shards for this bot (close code 4011, sharding required): raise "
    "SHARD_COUNT, or unset SHARD_COUNT and SHARD_IDS to use Discord's recommendation."
)
_INTENT_REFUSED = (
    "Discord refused the Message Content intent (close code 4014): enable it on the Developer "
    "Portal's Bot page under Privileged Gateway Intents > Message Content Intent, then restart."
)


def run_from_environment() -> int:
    # The .env of the directory the operator runs the bot in. (load_dotenv() without a path
    # searches upwards from this module's file, so an installed bot would never find it.)
    load_dotenv(Path.cwd() / ".env", override=False)
    try:
        settings = Settings.from_env()
        token = settings.require_token()
    except StartupError as error:
        print(f"studybot: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        asyncio.run(serve(settings, token))
    except StartupError as error:
        log.debug("Start-up failed.", exc_info=True)
        print(f"studybot: {error}", file=sys.stderr)
        return 2
    return 0


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    # No interaction token, member's text or body of a request at any level; no voice warnings.
    install_log_filters(logging.getLevelName(level))


async def serve(
    settings: Settings, token: str, *, clock: Clock | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run until ``stop`` is set (or a signal arrives); raise StartupError if the bot cannot start."""
    try:
        store = await open_store(settings.database_url)
    except StoreOpenError as error:
        raise StartupError(f"DATABASE_URL: {error}") from None
    try:
        library, problems = await asyncio.to_thread(load_library, settings.lessons_dir)
        for problem in problems:
            log.warning("Content problem (skipped): %s", problem)
        log.info(
            "Content loaded: %d lesson(s), %d concept(s).",
            len(library.lessons),
            len(library.glossary.concepts),
        )
        bot = StudyBot(settings, store=store, library=library, clock=clock)
        await _run_until_stopped(bot, token, stop or asyncio.Event())
    finally:
        await store.close()


async def _run_until_stopped(bot: StudyBot, token: str, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    installed = _install_signals(loop, stop, bot)
    try:
        async with bot:
            running = asyncio.create_task(bot.start(token), name="discord-client")
            stopping = asyncio.create_task(stop.wait(), name="stop-signal")
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not running.done():
                log.info("Shutting down: flushing replies and closing the connection.")
                await bot.close()
            try:
                await running
            except discord.LoginFailure:
                raise StartupError(_TOKEN_REFUSED) from None
            except discord.PrivilegedIntentsRequired:
                raise StartupError(_INTENT_REFUSED) from None
            except discord.ConnectionClosed as error:
                if error.code == 4011:
                    raise StartupError(_SHARDING_REQUIRED) from None
                raise StartupError(
                    f"Discord closed the connection for good (close code {error.code}): check the "
                    "bot's settings on the Developer Portal and SHARD_COUNT/SHARD_IDS, then start it again."
                ) from None
            except (discord.HTTPException, discord.GatewayNotFound, aiohttp.ClientError, OSError) as error:
                raise StartupError(
                    f"Could not reach Discord ({type(error).__name__}: {error}): check the network "
                    "and Discord's status page, then start the bot again."
                ) from None
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _install_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event, bot: StudyBot) -> list[int]:
    installed: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, lambda: bot.spawn(bot.reload_content(), name="reload"))
        installed.append(signal.SIGHUP)
    return installed
