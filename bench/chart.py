"""Benchmark: the /stats chart's render time, and how much drawing it holds up the event loop.

Run: .venv/bin/python bench/chart.py [--runs 100] [--stall-charts 40]

The chart is the bot's own, ``render_participation_chart`` over 12 lessons of made-up figures
(seeded), as the bot draws it: from matplotlib import to PNG bytes.

- **Render time**: the first chart (matplotlib's import, plus its font cache on a fresh machine)
  is reported on its own; then ``--runs`` charts, timed one by one: p50, p99, max.
  Baseline, measured in the same run, interleaved: matplotlib's bare minimum for a PNG of the
  same size, an empty ``Figure`` on an Agg canvas saved to PNG. The difference is the chart's
  own cost; the baseline tells how fast this (shared) machine is right now.
- **Event-loop stall**: a ticker task sleeps 1 ms at a time and keeps its worst lateness, while
  the loop awaits ``--stall-charts`` charts back to back, drawn as the bot draws them:
  ``ChartDrawer.draw`` (bot/services/charts.py), in a one-process pool started on the first
  chart (that first chart, the process's start and matplotlib's import in it, is timed on its
  own and left out of the stall). The loop only waits on a pipe. Baselines, same run, same
  duration:
  - the ticker on an idle loop: this machine's own wake-up noise;
  - the same charts in a worker process at the loop's own priority (nice 0), which shows what
    the bot's lower priority buys on a busy machine;
  - the same charts drawn in a worker thread (``asyncio.to_thread``, the bot's earlier design):
    drawing holds the GIL there, and Python hands it back to the loop's thread only after a
    switch interval (5 ms) plus however long the OS takes to run that thread again;
  - the ticker while a worker thread runs plain Python (no C calls at all): the floor of *any*
    worker-thread design on this machine right now.

Targets: chart p99 <= 300 ms; longest stall while drawing <= 10 ms. On a shared, loaded machine
the idle loop's own worst wake-up can pass 10 ms: compare the bot's line with the idle line.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.render.chart import CHART_HEIGHT, CHART_WIDTH, render_participation_chart
from bot.render.series import SeriesRow, short_date
from bot.services.charts import WORKER_NICENESS, ChartDrawer

LESSONS = 12
P99_TARGET_MS = 300.0
STALL_TARGET_MS = 10.0


def sample_rows(seed: int = 20261102) -> list[SeriesRow]:
    rng = random.Random(seed)
    start = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
    rows = []
    for i in range(LESSONS):
        posted = start + timedelta(weeks=i)
        participants = rng.randint(2, 40)
        rows.append(
            SeriesRow(
                short_date(posted, UTC),
                f"Lesson {i + 1}",
                posted,
                participants + rng.randint(0, 80),
                participants,
            )
        )
    return rows


def empty_png() -> bytes:
    """The baseline: the least matplotlib does for a PNG of the chart's size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(CHART_WIDTH / 120, CHART_HEIGHT / 120), dpi=120)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    return buffer.getvalue()


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, ordered[-1]


@dataclass
class Stall:
    """A ticker's wake-ups while something ran: how late each was, in seconds."""

    lateness: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        late = sorted(self.lateness) or [0.0]
        p99 = late[min(len(late) - 1, round(0.99 * (len(late) - 1)))]
        over = sum(1 for x in late if x > STALL_TARGET_MS / 1000)
        return (
            f"worst {late[-1] * 1000:6.2f} ms   p99 {p99 * 1000:5.2f} ms   "
            f"{over:3d} of {len(self.lateness):4d} ticks over {STALL_TARGET_MS:.0f} ms "
            f"({self.seconds:.1f} s)"
        )

    @property
    def worst(self) -> float:
        return max(self.lateness, default=0.0)


async def stall_while(work: Awaitable[object] | None, seconds: float = 0.0) -> Stall:
    """The ticker's lateness while ``work`` runs (or, with None, for ``seconds`` of idleness).

    The ticker sleeps 1 ms at a time, as in bench/ingest.py: lateness is how long the loop was held.
    """
    stall = Stall()
    running = True

    async def tick() -> None:
        while running:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            stall.lateness.append(time.perf_counter() - before - 0.001)

    ticker = asyncio.get_running_loop().create_task(tick())
    await asyncio.sleep(0.01)  # let the ticker settle
    stall.lateness.clear()
    started = time.perf_counter()
    if work is None:
        await asyncio.sleep(seconds)
    else:
        await work
    stall.seconds = time.perf_counter() - started
    running = False
    await ticker
    return stall


def plain_python(seconds: float) -> int:
    """A worker's busy loop with no C call of any length: the GIL is handed back on time."""
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


@dataclass
class Stalls:
    process: Stall  # the bot: ChartDrawer, a worker process at a lower priority
    same_priority: Stall  # a worker process at the loop's own priority
    idle: Stall
    thread: Stall
    python: Stall
    first_in_process: float  # seconds: the process's start, matplotlib's import there, one chart
    drawer_times: list[float]  # seconds each chart took through the drawer, as /stats waits for it


async def stalls(rows: list[SeriesRow], charts: int) -> Stalls:
    """Charts as the bot draws them (a worker process), then the baselines over the same duration."""
    drawer = ChartDrawer()
    drawer_times: list[float] = []
    try:
        start = time.perf_counter()
        assert (await drawer.draw(rows)).startswith(b"\x89PNG")
        first = time.perf_counter() - start
        assert drawer.in_process, "the chart process could not be started here"

        async def in_process() -> None:
            for _ in range(charts):
                began = time.perf_counter()
                assert (await drawer.draw(rows)).startswith(b"\x89PNG")
                drawer_times.append(time.perf_counter() - began)

        process = await stall_while(in_process())
    finally:
        await drawer.close()
    idle = await stall_while(None, process.seconds)
    plain = ChartDrawer(niceness=0)
    try:
        await plain.draw(rows)  # its process's start and import, left out

        async def at_same_priority() -> None:
            for _ in range(charts):
                await plain.draw(rows)

        same_priority = await stall_while(at_same_priority())
    finally:
        await plain.close()

    async def in_thread() -> None:
        for _ in range(charts):
            await asyncio.to_thread(render_participation_chart, rows)

    thread = await stall_while(in_thread())
    each = thread.seconds / charts

    async def busy() -> None:
        for _ in range(charts):
            await asyncio.to_thread(plain_python, each)

    python = await stall_while(busy())
    return Stalls(process, same_priority, idle, thread, python, first, drawer_times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--stall-charts", type=int, default=40)
    args = parser.parse_args()
    rows = sample_rows()

    start = time.perf_counter()
    first = render_participation_chart(rows)
    cold = time.perf_counter() - start
    empty_png()  # the baseline's own first call (no import left to do)

    chart_times: list[float] = []
    empty_times: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        render_participation_chart(rows)
        chart_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        empty_png()
        empty_times.append(time.perf_counter() - start)

    measured = asyncio.run(stalls(rows, args.stall_charts))

    c50, c99, cmax = percentiles([t * 1000 for t in chart_times])
    e50, e99, emax = percentiles([t * 1000 for t in empty_times])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    render_ok = c99 <= P99_TARGET_MS
    stall_ok = measured.process.worst * 1000 <= STALL_TARGET_MS

    import matplotlib

    print(
        f"matplotlib {matplotlib.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {load:.2f}; switch interval {sys.getswitchinterval() * 1000:.0f} ms"
    )
    print(
        f"chart: {LESSONS} lessons, {CHART_WIDTH}x{CHART_HEIGHT} px, {len(first):,} bytes; "
        f"first chart (import + first draw) {cold * 1000:.0f} ms"
    )
    print(
        f"chart render        p50 {c50:6.1f} ms   p99 {c99:6.1f} ms   max {cmax:6.1f} ms   ({args.runs} runs)"
    )
    print(
        f"baseline empty PNG  p50 {e50:6.1f} ms   p99 {e99:6.1f} ms   max {emax:6.1f} ms   "
        "(same runs, interleaved)"
    )
    print(f"chart p99 target <= {P99_TARGET_MS:.0f} ms: {'PASS' if render_ok else 'FAIL'}")
    d50, d99, dmax = percentiles([t * 1000 for t in measured.drawer_times])
    print(
        f"through the bot's drawer p50 {d50:6.1f} ms   p99 {d99:6.1f} ms   max {dmax:6.1f} ms   "
        f"({len(measured.drawer_times)} in the worker process, nice {WORKER_NICENESS}: what /stats waits)"
    )
    print(
        f"first chart in the worker process (its start, matplotlib's import there, one chart): "
        f"{measured.first_in_process * 1000:.0f} ms"
    )
    print(f"event-loop ticker (1 ms sleeps) while {args.stall_charts} charts are drawn one after another:")
    print(f"  charts in a worker process (the bot)     {measured.process.line()}")
    print(f"  baseline: idle loop                      {measured.idle.line()}")
    print(f"  baseline: worker process at nice 0       {measured.same_priority.line()}")
    print(f"  baseline: charts in a worker thread      {measured.thread.line()}")
    print(f"  baseline: worker thread, plain Python    {measured.python.line()}")
    print(
        f"longest stall while the bot draws, target <= {STALL_TARGET_MS:.0f} ms: "
        f"{'PASS' if stall_ok else 'FAIL'} ({measured.process.worst * 1000:.2f} ms; the idle loop's own: "
        f"{measured.idle.worst * 1000:.2f} ms; in a thread: {measured.thread.worst * 1000:.2f} ms)"
    )
    ok = render_ok and stall_ok
    print(f"overall: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
