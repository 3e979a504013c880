"""Drawing the /stats chart away from the event loop: in a worker process, else a thread.

Drawing a chart is about 100 ms of CPU in matplotlib, most of it holding the GIL. In a worker
*thread* the event loop gets the GIL back only every switch interval (5 ms) plus however long
the OS takes to run it again, so on a loaded machine the loop stalled 19-48 ms while drawing
(bench/chart.py). In a worker *process* the loop only waits for a pipe: the same bench measured
its stall at the idle loop's own noise. So the chart is drawn in a one-process pool:

* made on the first chart (the bot pays nothing for it until someone asks for /stats), with
  the ``spawn`` start method: the child imports only ``bot.render.chart`` and matplotlib, never
  the parent's threads, sockets or database connection (``fork`` would copy them mid-use);
* one process: charts are rare, and one is drawn at a time anyway (matplotlib's drawing lock);
* at a lower CPU priority (``nice`` 10): on a machine with more work than cores, the bot's event
  loop gets the CPU before its own chart does;
* stopped after ``idle_after`` seconds without a chart (10 minutes by default): a server asks
  for /stats now and then, and the process holds about 80 MB of matplotlib meanwhile; the next
  chart starts a new one, paying the import again (/stats defers, so Discord waits for it);
* shut down when the discussion feature unloads (``close``), cancelling a chart not started.

If the process cannot be started (a platform without it, a sandbox), or dies (killed for
memory), the chart is drawn in a thread instead and that is logged: a chart late by a stall is
better than no chart. The first chart in a fresh process also imports matplotlib there (about
a second, more on a cold font cache): /stats defers its answer, so Discord waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.render.chart import render_participation_chart
from bot.render.series import SeriesRow

log = logging.getLogger(__name__)


WORKER_NICENESS = 10  # the worker yields the CPU to the bot's own event loop when both want it
IDLE_AFTER = 600.0  # seconds without a chart before the worker process is stopped


def _lower_priority(niceness: int) -> None:
    """In the worker: a lower CPU priority, so on a busy machine the loop runs first."""
    with contextlib.suppress(OSError, AttributeError):  # a platform without nice(): same priority
        os.nice(niceness)


class ChartDrawer:
    """``await drawer.draw(rows)`` gives the chart's PNG bytes; ``await drawer.close()`` at unload."""

    def __init__(
        self, *, processes: bool = True, niceness: int = WORKER_NICENESS, idle_after: float = IDLE_AFTER
    ) -> None:
        self._use_processes = processes
        self._niceness = niceness
        self._idle_after = idle_after
        self._pool: ProcessPoolExecutor | None = None
        self._drawing = 0  # charts under way
        self._idle_timer: asyncio.TimerHandle | None = None

    @property
    def in_process(self) -> bool:
        """Whether the next chart will be drawn in a worker process (else a thread)."""
        return self._use_processes

    async def draw(self, rows: Sequence[SeriesRow]) -> bytes:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._drawing += 1
        try:
            return await self._draw(list(rows))
        finally:
            self._drawing -= 1
            if self._drawing == 0 and self._pool is not None:
                self._idle_timer = asyncio.get_running_loop().call_later(self._idle_after, self._stop_idle)

    def _stop_idle(self) -> None:
        """No chart for ``idle_after`` seconds: let the worker process go (it exits on its own,
        nothing here waits for it)."""
        self._idle_timer = None  # set only while no chart is under way (draw cancels it)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
            log.info("Stopped the chart process after %.0f s without a chart.", self._idle_after)

    async def _draw(self, rows: list[SeriesRow]) -> bytes:
        if self._use_processes:
            try:
                pool = self._pool or self._start()
                return await asyncio.get_running_loop().run_in_executor(
                    pool, render_participation_chart, rows
                )
            except BrokenProcessPool:
                log.warning("The chart process died; drawing in a thread, and a new process next time.")
                self._pool = None
            except OSError as error:
                log.warning("Cannot start a chart process (%s); charts are drawn in a thread.", error)
                self._use_processes = False
                self._pool = None
        return await asyncio.to_thread(render_participation_chart, rows)

    def _start(self) -> ProcessPoolExecutor:
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority,
            initargs=(self._niceness,),
        )
        log.info("Started the chart process.")
        return self._pool

    async def close(self) -> None:
        """Stop the worker process (waiting for it off the loop); safe to call twice."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
