"""python -m bot migrate-data: a whole database moved to another backend, all or nothing.

The copies run between the contract suite's backends (tests/backends.py): SQLite to PostgreSQL,
PostgreSQL to SQLite, and SQLite to SQLite (which needs no server). The source is filled through
the ports (tests/store/copy_scene.py) and the target must read back equal through them.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli_migrate_data import migrate_data
from bot.store import open_store
from bot.store.rows import GuildSettings, NewOnce, NewPost
from tests.backends import BACKENDS
from tests.store.copy_scene import GUILDS, LEASE, MOD, T0, _text, populate, read_back

ROOT = Path(__file__).resolve().parent.parent
BY_NAME = {backend.name: backend for backend in BACKENDS}
DIRECTIONS = [("sqlite", "postgresql"), ("postgresql", "sqlite"), ("sqlite", "sqlite")]


def ids(direction: tuple[str, str]) -> str:
    return f"{direction[0]}-to-{direction[1]}"


async def migrate(source_url: str, target_url: str, *, batch: int = 1000) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = await migrate_data(source_url, target_url, out, err, batch_size=batch)
    return status, out.getvalue(), err.getvalue()


def folders(tmp_path: Path) -> tuple[Path, Path]:
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    target.mkdir()
    return source, target


async def fill(url: str) -> None:
    store = await open_store(url)
    try:
        await populate(store)
    finally:
        await store.close()


# --- a whole copy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "batch"),
    [pytest.param(d, b, id=f"{ids(d)}-batch-{b}") for d in DIRECTIONS for b in (2, 1000)],
)
async def test_every_row_is_copied_and_reads_back_equal_through_the_ports(direction, batch, tmp_path):
    source_backend, target_backend = BY_NAME[direction[0]], BY_NAME[direction[1]]
    source_dir, target_dir = folders(tmp_path)
    async with (
        source_backend.database(source_dir) as source_url,
        target_backend.database(target_dir) as target_url,
    ):
        source = await open_store(source_url)
        try:
            scene = await populate(source)
            expected = await read_back(source, source_backend, scene)
        finally:
            await source.close()

        status, out, err = await migrate(source_url, target_url, batch=batch)

        assert (status, err) == (0, "")
        assert (
            "Copied 38 rows (2 server settings, 2 notices told to moderators, 2 bot facts, 3 posts, "
            "9 schedules, 5 schedule runs and claims," in out
        ), out
        target = await open_store(target_url)
        try:
            assert await read_back(target, target_backend, scene) == expected
        finally:
            await target.close()
        source = await open_store(source_url)
        try:
            assert await read_back(source, source_backend, scene) == expected  # the source is untouched
        finally:
            await source.close()


@pytest.mark.parametrize("direction", DIRECTIONS, ids=ids)
async def test_the_copy_carries_on_where_the_source_left_off(direction, tmp_path):
    """New ids follow the copied ones, a removed lesson's id stays taken, and a claim in flight
    is still its holder's until its lease ends, then another process may take it over."""
    source_backend, target_backend = BY_NAME[direction[0]], BY_NAME[direction[1]]
    source_dir, target_dir = folders(tmp_path)
    async with (
        source_backend.database(source_dir) as source_url,
        target_backend.database(target_dir) as target_url,
    ):
        source = await open_store(source_url)
        try:
            scene = await populate(source)
            posts_before = await source.posts.with_threads()
        finally:
            await source.close()
        assert (await migrate(source_url, target_url))[0] == 0

        target = await open_store(target_url)
        try:
            g1 = GUILDS[0]
            schedule = await target.schedules.create_once(NewOnce(g1, 1, "lesson-z", T0, "UTC", MOD, T0))
            assert schedule.id > max(scene.schedule_ids)
            post = await target.posts.record(NewPost(g1, 1, 1, 77_777, "lesson-z", T0))
            assert post.id > max(p.id for p in posts_before)
            lesson = await target.lessons.add(
                g1, "2026-11-power", _text("Power again", "energy"), by=MOD, at=T0
            )
            assert lesson.lesson_id == "2026-11-power-2"  # the removed lesson's id is still taken
            served = (await target.lessons.content(g1)).lessons
            assert [lesson.lesson_id for lesson in served] == ["2026-11-chips", "2026-11-power-2"]

            claimed_at = T0 + timedelta(hours=1)
            early = await target.schedules.reclaim(holder="proc-c", lease=LEASE, now=claimed_at + LEASE / 2)
            assert early == []  # proc-b's lease was copied and has not ended
            late = await target.schedules.reclaim(holder="proc-c", lease=LEASE, now=claimed_at + LEASE * 2)
            assert [(c.schedule.id, c.nonce, c.holder) for c in late] == [(scene.in_flight, "f-1", "proc-c")]
        finally:
            await target.close()


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target_name", ["sqlite", "postgresql"])
async def test_a_target_that_holds_data_is_refused_and_left_alone(target_name, tmp_path):
    source_dir, target_dir = folders(tmp_path)
    async with (
        BY_NAME["sqlite"].database(source_dir) as source_url,
        BY_NAME[target_name].database(target_dir) as target_url,
    ):
        await fill(source_url)
        target = await open_store(target_url)
        await target.settings.set_timezone(5 << 22, "Asia/Tokyo")
        await target.close()

        status, out, err = await migrate(source_url, target_url)

        assert status == 2 and out == ""
        assert err.count("\n") == 1 and "already holds data (1 server settings)" in err
        assert "copies only into an empty database" in err
        target = await open_store(target_url)
        try:
            assert await target.settings.get(5 << 22) == GuildSettings(5 << 22, timezone="Asia/Tokyo")
            assert await target.settings.get(GUILDS[0]) == GuildSettings(GUILDS[0])
        finally:
            await target.close()


@pytest.mark.parametrize("target_name", ["sqlite", "postgresql"])
async def test_a_copy_that_fails_midway_writes_nothing_and_can_be_run_again(target_name, tmp_path):
    source_dir, target_dir = folders(tmp_path)
    async with (
        BY_NAME["sqlite"].database(source_dir) as source_url,
        BY_NAME[target_name].database(target_dir) as target_url,
    ):
        await fill(source_url)
        # A run of a schedule that does not exist (an older tool wrote it with foreign keys off):
        # the target refuses it, after settings, schedules and other runs were already written.
        path = source_dir / "studybot.sqlite3"
        with sqlite3.connect(path) as raw:
            raw.execute(
                "INSERT INTO schedule_runs (schedule_id, occurrence, state, nonce, claimed_at) "
                "VALUES (999, '2026-11-18T20:00:00+00:00', 'sent', 'n', '2026-11-18T20:00:00+00:00')"
            )
        raw.close()

        status, out, err = await migrate(source_url, target_url, batch=2)

        assert status == 1 and out == ""
        assert err.count("\n") == 1 and "schedule_runs" in err and "nothing was written to the target" in err
        target = await open_store(target_url)
        try:
            async with target.transfer.reading() as reader:
                assert set((await reader.counts()).values()) == {0}
            assert await target.settings.get(GUILDS[0]) == GuildSettings(GUILDS[0])
        finally:
            await target.close()

        with sqlite3.connect(path) as raw:
            raw.execute("DELETE FROM schedule_runs WHERE schedule_id = 999")
        raw.close()
        status, out, err = await migrate(source_url, target_url)
        assert (status, err) == (0, "") and "Copied 38 rows" in out


async def test_bad_urls_are_one_sentence_and_status_2(tmp_path):
    good = f"sqlite:///{tmp_path / 'good.sqlite3'}"
    await fill(good)
    cases = {
        ("nonsense", good): "--from 'nonsense' is not a URL",
        (good, "mysql://user@host/db"): "--to scheme 'mysql' is not supported",
        (f"sqlite:///{tmp_path / 'missing.sqlite3'}", good): "no SQLite database at",
        (good, f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite3'}"): "does not exist",
        (good, good): "--from and --to name the same database",
        (good, "postgresql://studybot@127.0.0.1:1/studybot"): "Cannot reach PostgreSQL at 127.0.0.1:1",
        (good, "postgresql://studybot@127.0.0.1:1/"): "--to names no PostgreSQL database",
    }
    for (source_url, target_url), expected in cases.items():
        status, out, err = await migrate(source_url, target_url)
        assert status == 2, (source_url, target_url, err)
        assert out == ""
        assert err.startswith("studybot: migrate-data: ") and err.count("\n") == 1, err
        assert expected in err, err
        assert "Traceback" not in err


def test_the_command_line_runs_it(tmp_path):
    source, target = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    with sqlite3.connect(source):
        pass  # an empty file: the bot makes the schema when it opens it
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    command = [sys.executable, "-m", "bot", "migrate-data", "--from", f"sqlite:///{source}"]
    done = subprocess.run(
        [*command, "--to", f"sqlite:///{target}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Copied 0 rows (nothing)" in done.stdout
    refused = subprocess.run(
        [*command, "--to", f"sqlite:///{target}", "--batch", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    assert refused.stderr == "studybot: migrate-data: --batch must be at least 1.\n"
