"""The /stats chart: replies and participants per lesson, as a PNG, drawn with matplotlib.

Not imported by anything at start-up: matplotlib (about half a second to import, more the first
time it builds its font cache) is imported on the first chart. Drawing is CPU work of tens of
milliseconds, so the bot calls it off the event loop::

    png = await asyncio.to_thread(render_participation_chart, rows)

Only matplotlib's object API is used (a ``Figure`` on an Agg canvas, never ``pyplot``), and every
style is passed to the artist that uses it, so no global matplotlib state is read or changed.
matplotlib does not promise that two figures may be drawn at once from two threads, so drawing
is serialised by one lock.

The garbage collector is paused while a chart is drawn. A figure is thousands of objects in
reference cycles; left to the automatic collector, they are promoted to the old generation
while the figure is alive, and every few charts a full collection (tens of milliseconds over
the whole process, holding the GIL, so holding up the event loop too) has to find them. Paused,
they all stay in the youngest generation, and one young collection right after the PNG is
written frees them in a millisecond or two. The collector is switched back on only if it was on.

Readable in Discord's dark and light themes: the image brings its own opaque background, a
neutral mid-dark grey that stands apart from both (#313338 dark, #ffffff light); on it, the
text is near-white (contrast above 7:1) and the two series are a light blue and an amber
(above 3:1, the WCAG figure for graphics, and told apart by people with the common colour
vision deficiencies). Every bar carries its number, and the figures are also given as text
beside the image (:mod:`bot.render.stats`).
"""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.render.series import SeriesRow

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "BACKGROUND",
    "CHART_HEIGHT",
    "CHART_WIDTH",
    "NO_LESSONS",
    "PARTICIPANTS_COLOR",
    "REPLIES_COLOR",
    "TEXT_COLOR",
    "TITLE",
    "draw_participation_chart",
    "render_participation_chart",
]

CHART_WIDTH, CHART_HEIGHT = 960, 540  # pixels; Discord shows it about 520 px wide, text stays legible
_DPI = 120
BACKGROUND = "#45484f"
TEXT_COLOR = "#f2f3f5"
MUTED_COLOR = "#c4c7ce"  # axis lines and tick marks
GRID_COLOR = "#5d616a"
REPLIES_COLOR = "#8fb4ff"
PARTICIPANTS_COLOR = "#ffc857"
TITLE = "Replies and participants per lesson"
NO_LESSONS = "No lessons posted yet"

_DRAWING = threading.Lock()  # see the module docstring: one figure drawn at a time


def render_participation_chart(rows: Sequence[SeriesRow]) -> bytes:
    """The chart of ``rows`` (oldest first) as PNG bytes, CHART_WIDTH x CHART_HEIGHT pixels.

    Blocking: run it in a worker thread (``asyncio.to_thread``). No rows gives a chart saying so.
    """
    with _DRAWING, _collector_paused():
        png = _png(draw_participation_chart(rows))
        gc.collect(0)  # the figure is unreachable now: free its cycles while they are young
    return png


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, facecolor=BACKGROUND, metadata={"Software": None})
    return buffer.getvalue()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside (see the module docstring); the previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def draw_participation_chart(rows: Sequence[SeriesRow]) -> Figure:
    """The chart as a matplotlib Figure (not yet rendered): grouped bars, each with its number."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(CHART_WIDTH / _DPI, CHART_HEIGHT / _DPI), dpi=_DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.085, right=0.985, top=0.84, bottom=0.175)
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    figure.text(0.015, 0.95, TITLE, color=TEXT_COLOR, fontsize=15, fontweight="bold", va="center")
    if not rows:
        axes.set_axis_off()
        figure.text(0.5, 0.5, NO_LESSONS, color=TEXT_COLOR, fontsize=14, ha="center", va="center")
        return figure

    positions = range(len(rows))
    width = 0.38
    replies = axes.bar(
        [x - width / 2 for x in positions],
        [r.replies for r in rows],
        width,
        color=REPLIES_COLOR,
        label="Replies",
        zorder=3,
    )
    participants = axes.bar(
        [x + width / 2 for x in positions],
        [r.participants for r in rows],
        width,
        color=PARTICIPANTS_COLOR,
        label="Participants",
        zorder=3,
    )
    biggest = max(max(r.replies, r.participants) for r in rows)
    if len(rows) <= 16:
        size = 10 if biggest < 1000 else 7
        for bars in (replies, participants):
            axes.bar_label(bars, padding=2, color=TEXT_COLOR, fontsize=size)

    axes.set_xticks(list(positions), [_tick_label(r.label) for r in rows])
    axes.set_xlim(-0.6, len(rows) - 0.4)
    axes.set_ylim(0, max(1, biggest) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.tick_params(colors=MUTED_COLOR, labelcolor=TEXT_COLOR, labelsize=11)
    if len(rows) > 12:
        axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.set_xlabel("Lesson (date posted)", color=TEXT_COLOR, fontsize=12)
    axes.set_ylabel("Count", color=TEXT_COLOR, fontsize=12)
    axes.grid(axis="y", color=GRID_COLOR, linewidth=0.8, zorder=0)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(MUTED_COLOR)
    figure.legend(
        handles=[replies, participants],
        loc="center right",
        bbox_to_anchor=(0.985, 0.95),
        ncols=2,
        frameon=False,
        labelcolor=TEXT_COLOR,
        fontsize=12,
    )
    return figure


def _tick_label(label: str) -> str:
    """A second lesson of the same day, "3 Nov (2)", on two lines so that twelve labels fit."""
    return label.replace(" (", "\n(")
