"""The Bot subclass: wires the store, the content, the features and the command tree.

Resources (store, content, clock) are made by the caller and handed in, as in discord.py's
advanced start-up example, so tests can run the very same class against a fake Discord. The bot
knows no feature: each extension makes, starts and stops its own parts (``cog_load`` and
``cog_unload``; discord.py unloads every extension when the bot closes) and features hear of
each other through bot events (``lesson_posted``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Coroutine, Iterable, Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.config import Settings
from bot.content.library import Library, load_library
from bot.content.reload import merge_reload
from bot.errors import StartupError
from bot.features.error_handler import handle_app_command_error
from bot.services.clock import Clock, SystemClock
from bot.services.poster import RECORD_RETRY_DELAYS
from bot.services.server_content import ServerContents
from bot.sharding import ShardPlan, ranges
from bot.store.ports import Store
from bot.store.rows import ShardSet

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "bot.features.glossary",
    "bot.features.lessons",
    "bot.features.discussion",
    "bot.features.settings",
    "bot.features.scheduling",
    "bot.features.library",
    "bot.features.notify",
)
_COMMANDS_HASH_KEY = "global_commands_sha256"


def intents() -> discord.Intents:
    """Guilds and messages, plus the privileged Message Content intent that reply collection needs."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    return wanted


class StudyBot(commands.AutoShardedBot):
    """The bot, running this process's shards (``SHARD_COUNT``/``SHARD_IDS``; unset: every shard
    Discord recommends); see ``bot.sharding`` for what that makes its own."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        library: Library,
        clock: Clock | None = None,
        extensions: Iterable[str] = EXTENSIONS,
        record_retry_delays: Sequence[float] = RECORD_RETRY_DELAYS,
    ) -> None:
        plan = ShardPlan.from_settings(settings)
        super().__init__(
            command_prefix=commands.when_mentioned,
            shard_count=plan.count,
            # None (every shard) is discord.py's documented default; its options TypedDict omits it.
            shard_ids=list(plan.ids) if plan.ids is not None else None,  # type: ignore[arg-type]  # see above
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            # Past 30 s of rate-limit wait, raise instead of sleeping, so one slow channel never
            # holds up other work: commands say "try again", scheduled posts go to their retry queue.
            max_ratelimit_timeout=30.0,
        )
        self.settings = settings
        self.shard_plan = plan
        self.store = store
        self.content = ServerContents(store, library)
        self.clock: Clock = clock or SystemClock()
        # Waits between attempts at recording a post Discord accepted (bot.services.poster).
        self.record_retry_delays = tuple(record_retry_delays)
        self._extensions = tuple(extensions)
        self._background: set[asyncio.Task[object]] = set()

    @property
    def library(self) -> Library:
        """The shared content (``LESSONS_DIR``); what a server sees is ``await content.view(id)``."""
        return self.content.shared

    @library.setter
    def library(self, library: Library) -> None:
        self.content.shared = library

    @property
    def own_servers(self) -> ShardSet | None:
        """The servers whose schedules and threads are this process's (None: every server)."""
        return self.shard_plan.servers

    async def setup_hook(self) -> None:
        self.tree.error(handle_app_command_error)
        for extension in self._extensions:
            await self.load_extension(extension)
        await self._sync_commands()

    async def _sync_commands(self) -> None:
        """Sync to the dev server at once when set; globally only when the command set changed.
        Only the process running shard 0 syncs: the others serve the same command set."""
        if not self.shard_plan.syncs_commands:
            log.info("Commands are synced by the process running shard 0; not syncing here.")
            return
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                await self.tree.sync(guild=guild)
            except (discord.Forbidden, discord.NotFound):
                raise StartupError(
                    f"DEV_GUILD_ID {self.settings.dev_guild_id}: Discord refused to sync commands there; "
                    "invite the bot to that server with the applications.commands scope,"
                    " or unset DEV_GUILD_ID."
                ) from None
            log.info("Commands synced to the dev server %s.", self.settings.dev_guild_id)
            return
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        if await self.store.bot_state.get(_COMMANDS_HASH_KEY) == digest:
            log.info("Commands unchanged since the last sync; not syncing.")
            return
        await self.tree.sync()
        await self.store.bot_state.put(_COMMANDS_HASH_KEY, digest)
        log.info("Commands synced globally (%d top-level commands).", len(payload))

    async def on_ready(self) -> None:
        shards = sorted(self.shards)
        log.info(
            "Connected as %s in %d servers (shard%s %s of %d).",
            self.user,
            len(self.guilds),
            "" if len(shards) == 1 else "s",
            ranges(shards),
            self.shard_count or 1,
        )

    def spawn(self, coroutine: Coroutine[Any, Any, object], *, name: str) -> asyncio.Task[object]:
        """Run a background job whose failure is logged, never lost, and which is cancelled at close."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _background_done(self, task: asyncio.Task[object]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Background job %s failed.", task.get_name(), exc_info=task.exception())

    async def reload_content(self) -> bool:
        """Re-read ``LESSONS_DIR``; a file with problems keeps its last good version.

        Returns True if anything changed.
        """
        if not self.settings.lessons_dir.is_dir():
            # Every lesson would count as deleted and the bot would serve nothing (a folder swapped
            # during a deploy, an unmounted volume): keep serving the last good content.
            log.error("Content not reloaded: %s is not a directory.", self.settings.lessons_dir)
            return False
        fresh, problems = await asyncio.to_thread(load_library, self.settings.lessons_dir)
        for problem in problems:
            log.warning("Content problem: %s", problem)
        merged = merge_reload(self.library, fresh, problems)
        changed = merged != self.library
        self.library = merged
        log.info(
            "Content reloaded: %d lessons, %d concepts, %d problems.",
            len(merged.lessons),
            len(merged.glossary.concepts),
            len(problems),
        )
        return changed

    async def close(self) -> None:
        """Stop background jobs, then let discord.py unload the extensions (each feature stops and
        flushes its own parts in ``cog_unload``) before the connection goes."""
        for task in list(self._background):
            task.cancel()
        await super().close()
