"""Starting and stopping the bot as an operator does: bot.process.serve() against the fake Discord,
and ``python -m bot`` in a subprocess.

Every set-up mistake must end in one sentence saying what to do (StartupError, exit status 2),
never a traceback; SIGTERM must shut down gracefully with the pending reply writes flushed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import process
from bot.app import StudyBot
from bot.config import Settings
from bot.errors import StartupError
from bot.store import open_store
from tests.e2e.conftest import FIRST_LESSON, LESSONS, reply_writer
from tests.fakediscord import FakeDiscord
from tests.postgres_plugin import with_database
from tests.store_reads import all_replies

REPO = Path(__file__).resolve().parents[2]
WELL_SHAPED_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def settings_for(fake: FakeDiscord, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "token": fake.token,
        "database_url": f"sqlite:///{tmp_path / 'studybot.sqlite3'}",
        "lessons_dir": LESSONS,
        "dev_guild_id": fake.guild.id,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def made_bots(monkeypatch: pytest.MonkeyPatch) -> list[StudyBot]:
    """The StudyBot(s) serve() creates, with the fake's short wait for guilds before "ready"."""
    made: list[StudyBot] = []

    class CapturedStudyBot(StudyBot):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._connection.guild_ready_timeout = 0.02
            made.append(self)

    monkeypatch.setattr(process, "StudyBot", CapturedStudyBot)
    return made


async def serve_until_ready(
    fake: FakeDiscord, settings: Settings, made: list[StudyBot], stop: asyncio.Event | None = None
) -> tuple[asyncio.Task[None], StudyBot]:
    """Run serve() in a task until its bot is connected and ready."""
    task = asyncio.create_task(serve_task(settings, fake.token, stop))
    await fake.wait_until(lambda: task.done() or (made and made[-1].is_ready()), timeout=10)
    if task.done():
        task.result()
        raise AssertionError("serve() returned before the bot was ready")
    return task, made[-1]


async def serve_task(settings: Settings, token: str, stop: asyncio.Event | None) -> None:
    await process.serve(settings, token, stop=stop)


@pytest.fixture
def serve_signals() -> Iterator[None]:
    """Make sure no test leaves a signal handler of serve() behind (or SIGTERM would be lost)."""
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


def send_signal_to_serve(signum: signal.Signals) -> None:
    """Signal this process, but only while serve()'s handler is installed (never kill pytest)."""
    assert signal.getsignal(signum) not in (signal.SIG_DFL, signal.SIG_IGN, None), (
        f"serve() has no {signum.name} handler installed"
    )
    os.kill(os.getpid(), signum)


# ---------------------------------------------------------------------------------------- serve()
async def test_a_refused_token_names_the_developer_portal(fake, tmp_path):
    fake.setup_study_guild()
    settings = settings_for(fake, tmp_path)
    with pytest.raises(StartupError) as raised:
        await asyncio.wait_for(process.serve(settings, "not-the-right-token"), 10)
    message = str(raised.value)
    assert "Developer Portal" in message
    assert "token" in message.lower()
    assert "\n" not in message


async def test_discord_down_at_login_is_one_sentence(fake, tmp_path):
    fake.setup_study_guild()
    fake.inject("GET", r"/users/@me$", status=503, times=10)
    settings = settings_for(fake, tmp_path)
    with pytest.raises(StartupError) as raised:
        await asyncio.wait_for(process.serve(settings, fake.token), 10)
    message = str(raised.value)
    assert message.startswith("Could not reach Discord")
    assert "\n" not in message


async def test_a_dev_guild_the_bot_is_not_in_names_the_setting(fake, tmp_path):
    fake.setup_study_guild()
    settings = settings_for(fake, tmp_path, dev_guild_id=1234567890123)
    with pytest.raises(StartupError) as raised:
        await asyncio.wait_for(process.serve(settings, fake.token), 10)
    assert str(raised.value).startswith("DEV_GUILD_ID 1234567890123:")


async def test_a_refused_message_content_intent_says_so(fake, tmp_path):
    fake.setup_study_guild()
    fake.allow_message_content = False
    settings = settings_for(fake, tmp_path)
    with pytest.raises(StartupError) as raised:
        await asyncio.wait_for(process.serve(settings, fake.token), 10)
    message = str(raised.value)
    assert "Message Content" in message
    assert "Developer Portal" in message
    assert "\n" not in message


async def test_too_few_shards_for_discord_is_one_sentence_naming_shard_count(fake, tmp_path):
    fake.setup_study_guild()
    fake.create_guild("Second")
    fake.max_guilds_per_shard = 1  # Discord: 4011 Sharding required
    settings = settings_for(fake, tmp_path, shard_count=1)
    with pytest.raises(StartupError) as raised:
        await asyncio.wait_for(process.serve(settings, fake.token), 10)
    message = str(raised.value)
    assert message.startswith("Discord requires more shards for this bot (close code 4011")
    assert "SHARD_COUNT" in message
    assert "\n" not in message


async def test_a_close_that_cannot_be_resumed_is_one_sentence(fake, tmp_path):
    fake.setup_study_guild()
    serving = asyncio.create_task(process.serve(settings_for(fake, tmp_path), fake.token))
    await fake.wait_until(lambda: fake.connected_shards() or serving.done(), timeout=10)
    await fake.drop_websocket(code=4004, wait_resumed=False)  # the token was reset meanwhile
    with pytest.raises(StartupError) as raised:
        await asyncio.wait_for(serving, 10)
    assert str(raised.value).startswith("Discord closed the connection for good (close code 4004)")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://x", "not supported"),
        ("sqlite:///{tmp}/missing/dir/studybot.sqlite3", "does not exist"),
        ("sqlite:///{tmp}/not-a-database.sqlite3", "not a SQLite database"),
        ("not a url", "not a URL"),
    ],
)
async def test_an_unusable_database_url_is_a_startup_error(fake, tmp_path, url, expected):
    fake.setup_study_guild()
    (tmp_path / "not-a-database.sqlite3").write_bytes(b"this is a text file, not SQLite\n" * 100)
    settings = settings_for(fake, tmp_path, database_url=url.format(tmp=tmp_path))
    with pytest.raises(StartupError) as raised:
        await asyncio.wait_for(process.serve(settings, fake.token), 10)
    message = str(raised.value)
    assert "DATABASE_URL" in message
    assert expected in message
    assert "\n" not in message
    assert fake.requests == []  # it stopped before talking to Discord


async def test_sigterm_shuts_down_gracefully_and_flushes_pending_replies(
    fake, tmp_path, made_bots, serve_signals
):
    fake.setup_study_guild()
    settings = settings_for(fake, tmp_path)
    task, bot = await serve_until_ready(fake, settings, made_bots)
    # Replies stay queued until someone flushes: only a graceful shutdown can store them.
    writer = reply_writer(bot)
    writer.max_delay = 3600

    await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    (thread,) = fake.threads(fake.text)
    for i in range(3):
        await fake.say(fake.member, f"said just before shutdown {i}", thread=thread)
    await fake.wait_until(lambda: writer.pending == 3, timeout=5)

    send_signal_to_serve(signal.SIGTERM)
    await asyncio.wait_for(task, 10)  # serve() returns normally

    assert bot.is_closed()
    assert writer.pending == 0
    assert writer.lost == 0
    store = await open_store(settings.database_url)
    try:
        replies = await all_replies(store)
    finally:
        await store.close()
    assert [reply.content for reply in replies] == [f"said just before shutdown {i}" for i in range(3)]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers removed on the way out


async def test_the_stop_event_shuts_down_gracefully_too(fake, tmp_path, made_bots):
    fake.setup_study_guild()
    settings = settings_for(fake, tmp_path)
    stop = asyncio.Event()
    task, bot = await serve_until_ready(fake, settings, made_bots, stop)
    writer = reply_writer(bot)
    writer.max_delay = 3600  # queued until a flush
    await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    (thread,) = fake.threads(fake.text)
    await fake.say(fake.member, "the last word", thread=thread)
    await fake.wait_until(lambda: writer.pending == 1, timeout=5)

    stop.set()
    await asyncio.wait_for(task, 10)

    store = await open_store(settings.database_url)
    try:
        replies = await all_replies(store)
    finally:
        await store.close()
    assert [reply.content for reply in replies] == ["the last word"]


# ---------------------------------------------------------------------------------------- python -m bot
def run_bot(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` with an environment holding only what is given (and the import path)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={"PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_exit_2(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def test_no_token_exits_2_with_one_line(tmp_path):
    line = assert_one_line_exit_2(run_bot(cwd=tmp_path), "DISCORD_TOKEN")
    assert ".env" in line


def test_a_malformed_token_exits_2_with_one_line(tmp_path):
    assert_one_line_exit_2(
        run_bot("run", cwd=tmp_path, env={"DISCORD_TOKEN": "paste-your-token-here"}),
        "DISCORD_TOKEN",
        "does not look like a bot token",
    )


def test_the_env_file_in_the_working_directory_is_read(tmp_path):
    """Operators put .env where they run the bot (docs/settings.md); it must be found there."""
    (tmp_path / ".env").write_text('DISCORD_TOKEN="paste-your-token-here"\n')
    assert_one_line_exit_2(run_bot(cwd=tmp_path), "does not look like a bot token")


def test_an_unusable_database_url_exits_2_with_one_line(tmp_path):
    assert_one_line_exit_2(
        run_bot(cwd=tmp_path, env={"DISCORD_TOKEN": WELL_SHAPED_TOKEN, "DATABASE_URL": "mysql://x"}),
        "DATABASE_URL",
    )


def test_shard_ids_without_a_shard_count_exit_2_with_one_line(tmp_path):
    assert_one_line_exit_2(
        run_bot(cwd=tmp_path, env={"DISCORD_TOKEN": WELL_SHAPED_TOKEN, "SHARD_IDS": "0-3"}),
        "SHARD_IDS",
        "needs SHARD_COUNT",
    )


def test_a_missing_postgresql_database_exits_2_with_one_line(tmp_path, postgres_url):
    line = assert_one_line_exit_2(
        run_bot(
            cwd=tmp_path,
            env={
                "DISCORD_TOKEN": WELL_SHAPED_TOKEN,
                "DATABASE_URL": with_database(postgres_url, "studybot_never_created"),
            },
        ),
        "DATABASE_URL",
        "no database 'studybot_never_created'",
    )
    assert line.startswith("studybot: ")


def test_an_unreachable_postgresql_server_exits_2_with_one_line(tmp_path):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = assert_one_line_exit_2(
        run_bot(
            cwd=tmp_path,
            env={
                "DISCORD_TOKEN": WELL_SHAPED_TOKEN,
                "DATABASE_URL": f"postgresql://bot:hunter2@127.0.0.1:{port}/db",
            },
        ),
        f"Cannot reach PostgreSQL at 127.0.0.1:{port}",
    )
    assert "hunter2" not in line


def test_check_of_the_shipped_lessons_exits_0(tmp_path):
    done = run_bot("check", str(LESSONS), cwd=tmp_path)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    done = run_bot("check", "lessons", cwd=REPO)
    assert done.returncode == 0, (done.stdout, done.stderr)
