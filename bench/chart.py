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
  the loop awaits ``asyncio.to_thread(render_participation_chart, rows)`` back to back for
  ``--stall-charts`` charts. Drawing holds the GIL in the worker thread; Python hands it back
  to the loop's thread after at most a switch interval (5 ms), plus however long the OS takes
  to run that thread again on a busy machine. Baselines, same run, same duration:
  - the ticker on an idle loop: this machine's own wake-up noise;
  - the ticker while a worker thread runs plain Python (no C calls at all): the floor of *any*
    worker-thread design here; a chart stall well above it would mean a C call keeping the GIL.
  For comparison (not the bot's design): the same charts drawn in a one-process pool.

Targets: chart p99 <= 300 ms; longest stall while drawing <= 10 ms.
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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.render.chart import CHART_HEIGHT, CHART_WIDTH, render_participation_chart
from bot.render.series import SeriesRow, short_date

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


async def stalls(rows: list[SeriesRow], charts: int) -> tuple[Stall, Stall, Stall, Stall]:
    """Charts in a worker thread, then the baselines over the same duration, then a process pool."""

    async def in_thread() -> None:
        for _ in range(charts):
            png = await asyncio.to_thread(render_participation_chart, rows)
            assert png.startswith(b"\x89PNG")

    drawing = await stall_while(in_thread())
    idle = await stall_while(None, drawing.seconds)
    each = drawing.seconds / charts

    async def busy() -> None:
        for _ in range(charts):
            await asyncio.to_thread(plain_python, each)

    python = await stall_while(busy())
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1) as pool:
        await loop.run_in_executor(pool, render_participation_chart, rows)  # the child's import

        async def in_process() -> None:
            for _ in range(charts):
                await loop.run_in_executor(pool, render_participation_chart, rows)

        process = await stall_while(in_process())
    return drawing, idle, python, process


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

    drawing, idle, python, process = asyncio.run(stalls(rows, args.stall_charts))

    c50, c99, cmax = percentiles([t * 1000 for t in chart_times])
    e50, e99, emax = percentiles([t * 1000 for t in empty_times])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    render_ok = c99 <= P99_TARGET_MS
    stall_ok = drawing.worst * 1000 <= STALL_TARGET_MS

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
    print(f"event-loop ticker (1 ms sleeps) while {args.stall_charts} charts are drawn one after another:")
    print(f"  charts in a worker thread (the bot)      {drawing.line()}")
    print(f"  baseline: idle loop                      {idle.line()}")
    print(f"  baseline: worker thread, plain Python    {python.line()}")
    print(f"  for comparison: charts in a process pool {process.line()}")
    print(
        f"longest stall while drawing in a worker thread, target <= {STALL_TARGET_MS:.0f} ms: "
        f"{'PASS' if stall_ok else 'FAIL'} ({drawing.worst * 1000:.2f} ms; the plain-Python floor: "
        f"{python.worst * 1000:.2f} ms)"
    )
    ok = render_ok and stall_ok
    print(f"overall: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
