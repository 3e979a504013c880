"""The chart drawer: the /stats chart drawn in a worker process, the same PNG as drawn in place,
and a thread when no process can be had."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from datetime import UTC, datetime, timedelta

import pytest

from bot.render.chart import render_participation_chart
from bot.render.series import SeriesRow
from bot.services.charts import ChartDrawer

ROWS = [
    SeriesRow(
        f"{7 * i + 1} Sep", f"Lesson {i}", datetime(2026, 9, 1, tzinfo=UTC) + timedelta(weeks=i), 3 * i, i
    )
    for i in range(5)
]


@pytest.fixture
async def drawer():
    made = ChartDrawer()
    yield made
    await made.close()


async def test_the_worker_process_draws_the_same_png_as_drawing_in_place(drawer):
    png = await drawer.draw(ROWS)
    assert drawer.in_process
    assert png == render_participation_chart(ROWS)
    workers = multiprocessing.active_children()
    assert len(workers) == 1  # one process, started by the first chart


async def test_closing_stops_the_worker_and_a_later_chart_starts_another(drawer):
    await drawer.draw(ROWS)
    [first] = multiprocessing.active_children()
    await drawer.close()
    await drawer.close()  # twice is harmless
    assert not first.is_alive()
    assert await drawer.draw(ROWS[:2]) == render_participation_chart(ROWS[:2])
    [second] = multiprocessing.active_children()
    assert second.pid != first.pid


async def test_a_worker_that_died_is_replaced_and_the_chart_still_comes(drawer):
    await drawer.draw(ROWS)
    [worker] = multiprocessing.active_children()
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(timeout=10)
    assert await drawer.draw(ROWS) == render_participation_chart(ROWS)  # drawn in a thread meanwhile
    assert await drawer.draw(ROWS) == render_participation_chart(ROWS)  # and in a new process
    assert drawer.in_process
    assert [p.pid for p in multiprocessing.active_children()] != [worker.pid]


async def test_an_idle_worker_is_stopped_and_the_next_chart_starts_another():
    """The worker holds matplotlib's memory only while charts are asked for."""
    drawer = ChartDrawer(idle_after=0.3)
    try:
        await drawer.draw(ROWS)
        [first] = multiprocessing.active_children()
        await drawer.draw(ROWS[:3])  # a chart within the idle time keeps the same worker
        assert multiprocessing.active_children() == [first]
        await asyncio.sleep(0.5)
        first.join(timeout=10)
        assert not first.is_alive()
        assert await drawer.draw(ROWS[:2]) == render_participation_chart(ROWS[:2])
        [second] = multiprocessing.active_children()
        assert second.pid != first.pid
    finally:
        await drawer.close()


async def test_without_processes_the_chart_is_drawn_in_a_thread():
    drawer = ChartDrawer(processes=False)
    assert await drawer.draw(ROWS) == render_participation_chart(ROWS)
    assert not drawer.in_process
    assert multiprocessing.active_children() == []
    await drawer.close()
