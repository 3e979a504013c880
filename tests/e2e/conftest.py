"""The project's own bot, running against the fake Discord, with a clock the test moves."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.app import StudyBot
from bot.config import Settings
from bot.content.library import load_library
from bot.store import open_store
from bot.store.ports import Store
from bot.store.reply_writer import ReplyWriter
from tests.clock import ManualClock
from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.plugin import run_client
from tests.postgres_plugin import require_server_url, scratch_database
from tests.seams import SeamStore

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
FIRST_LESSON = "2026-11-whither-russias-ai-ambition"
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Harness:
    """The running bot and everything a test needs to drive it."""

    fake: FakeDiscord
    tmp_path: Path
    lessons_dir: Path = LESSONS
    clock: ManualClock = field(default_factory=lambda: ManualClock(START))
    grace: timedelta = timedelta(hours=6)
    dev_guild_id: int | bool | None = True  # True: the fake's study guild
    bot: StudyBot | None = None
    store: Store | None = None  # the bot's store, as opened
    seams: SeamStore | None = None  # the same, as handed to the bot: a test can inject faults
    database: str | None = None  # DATABASE_URL; None: a SQLite file in tmp_path
    # The bot is invited with Pin Messages, as the README's invite URL asks (the fake's default
    # bot role lacks it), so that pinning each post tells nobody anything; False: as the fake has it.
    pin_messages: bool = True
    # Waits between attempts at recording a post (None: the bot's own, about a minute in all).
    record_retry_delays: tuple[float, ...] | None = None
    _stack: contextlib.AsyncExitStack | None = None
    _invited: bool = False

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.tmp_path / 'studybot.sqlite3'}"

    def settings(self) -> Settings:
        return Settings(
            token="fake-token",
            database_url=self.database_url,
            lessons_dir=self.lessons_dir,
            dev_guild_id=self.fake.guild.id if self.dev_guild_id is True else self.dev_guild_id or None,
            missed_post_grace=self.grace,
        )

    def _invite(self) -> None:
        """Grant what the invite URL grants beyond the fake's default bot role (first start only,
        so a test may take it away and restart)."""
        if self._invited:
            return
        self._invited = True
        if self.pin_messages:
            role = self.fake.bot_role(self.fake.guild)
            pin = discord.Permissions(pin_messages=True).value
            self.fake.set_role_permissions(role, role.permissions | pin)

    async def start(self) -> StudyBot:
        self._invite()
        self._stack = contextlib.AsyncExitStack()
        self.store = await open_store(self.database_url)
        self._stack.push_async_callback(self.store.close)
        self.seams = SeamStore(self.store)
        library, problems = load_library(self.lessons_dir)
        assert not problems or self.lessons_dir != LESSONS, problems
        delays = self.record_retry_delays
        options = {} if delays is None else {"record_retry_delays": delays}
        self.bot = StudyBot(self.settings(), store=self.seams, library=library, clock=self.clock, **options)
        syncs = self.dev_guild_id is not None
        await self._stack.enter_async_context(run_client(self.fake, self.bot, wait_sync=syncs))
        return self.bot

    async def stop(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    async def restart(self) -> StudyBot:
        """Stop the bot (gracefully) and start a new one on the same database and clock."""
        await self.stop()
        return await self.start()

    async def flush(self) -> None:
        assert self.bot is not None
        await reply_writer(self.bot).flush()


def reply_writer(bot: StudyBot) -> ReplyWriter:
    """The running discussion feature's reply writer (the feature owns it; the bot does not)."""
    cog = bot.get_cog("DiscussionCog")
    assert cog is not None, "the discussion feature is not loaded"
    writer: ReplyWriter = cog.writer  # type: ignore[attr-defined]
    return writer


BOTH_BACKENDS = "both_backends"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{BOTH_BACKENDS}: an end-to-end scene run on SQLite and again on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The scenes marked ``both_backends`` run once per backend; every other one on SQLite."""
    if metafunc.definition.get_closest_marker(BOTH_BACKENDS) and "bot_database" in metafunc.fixturenames:
        metafunc.parametrize("bot_database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def bot_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The bot's DATABASE_URL: a SQLite file in tmp_path, or for the PostgreSQL run of a scene
    marked ``both_backends`` a database of its own on TEST_POSTGRES_URL's server."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'studybot.sqlite3'}"
        return
    async with scratch_database(require_server_url()) as url:
        yield url


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path, bot_database: str) -> AsyncIterator[Harness]:
    fake.setup_study_guild()
    running = Harness(fake=fake, tmp_path=tmp_path, database=bot_database)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def studybot(harness: Harness) -> StudyBot:
    assert harness.bot is not None
    return harness.bot
