"""The /stats chart: a PNG of the expected size whose bars and numbers are the data."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import io
import os
import struct
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

if importlib.util.find_spec("matplotlib") is None and os.environ.get("CI") != "true":
    # A venv made before matplotlib joined the dependencies; CI installs it and must run these.
    pytest.skip("matplotlib is not installed here: run pip install -e '.[test]'", allow_module_level=True)

from PIL import Image

from bot.render.chart import (
    BACKGROUND,
    CHART_HEIGHT,
    CHART_WIDTH,
    NO_LESSONS,
    PARTICIPANTS_COLOR,
    REPLIES_COLOR,
    TEXT_COLOR,
    TITLE,
    draw_participation_chart,
    render_participation_chart,
)
from bot.render.series import SeriesRow
from bot.render.stats import chart_alt_text

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
FIGURES = [
    (19, 10),
    (29, 6),
    (30, 15),
    (9, 7),
    (5, 5),
    (0, 0),
    (37, 12),
    (41, 17),
    (22, 14),
    (34, 8),
    (14, 6),
    (39, 9),
]
LABELS = ["7 Sep", "14 Sep", "21 Sep", "28 Sep", "5 Oct", "12 Oct", "19 Oct", "19 Oct (2)"]
LABELS += ["2 Nov", "9 Nov", "16 Nov", "23 Nov"]
ROWS = [
    SeriesRow(label, f"Lesson {i + 1}", START + timedelta(weeks=i), replies, participants)
    for i, (label, (replies, participants)) in enumerate(zip(LABELS, FIGURES, strict=True))
]


def _ihdr(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_the_png_decodes_at_the_expected_size():
    png = render_participation_chart(ROWS)
    assert _ihdr(png) == (CHART_WIDTH, CHART_HEIGHT) == (960, 540)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    assert image.size == (CHART_WIDTH, CHART_HEIGHT)
    rgb = image.convert("RGB")
    assert rgb.getpixel((2, CHART_HEIGHT - 2)) == _rgb(BACKGROUND)  # opaque, its own background
    colours = {colour for _count, colour in rgb.getcolors(maxcolors=1 << 20)}
    assert {_rgb(REPLIES_COLOR), _rgb(PARTICIPANTS_COLOR)} <= colours


def test_bars_numbers_and_labels_are_the_data():
    figure = draw_participation_chart(ROWS)
    axes = figure.axes[0]
    replies, participants = axes.containers
    assert [bar.get_height() for bar in replies] == [r for r, _p in FIGURES]
    assert [bar.get_height() for bar in participants] == [p for _r, p in FIGURES]
    numbers = [t.get_text() for t in axes.texts]
    assert numbers == [str(r) for r, _p in FIGURES] + [str(p) for _r, p in FIGURES]
    ticks = [t.get_text() for t in axes.get_xticklabels()]
    assert ticks == [label.replace(" (", "\n(") for label in LABELS]
    assert axes.get_xlabel() and axes.get_ylabel()
    assert TITLE in [t.get_text() for t in figure.texts]
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Replies", "Participants"]


def test_the_text_beside_the_chart_gives_the_same_figures():
    alt = chart_alt_text(ROWS)
    for label, (replies, participants) in zip(LABELS, FIGURES, strict=True):
        noun = "reply" if replies == 1 else "replies"
        assert f"{label}: {replies} {noun}, {participants} participant" in alt


def test_no_lessons_gives_a_chart_saying_so():
    png = render_participation_chart([])
    assert _ihdr(png) == (CHART_WIDTH, CHART_HEIGHT)
    figure = draw_participation_chart([])
    assert NO_LESSONS in [t.get_text() for t in figure.texts]


def test_all_zero_and_huge_figures_still_draw():
    zeros = [SeriesRow(f"{i} Jan", "t", START, 0, 0) for i in range(1, 4)]
    axes = draw_participation_chart(zeros).axes[0]
    assert axes.get_ylim()[1] >= 1
    many = [SeriesRow(f"{i} Jan", "t", START, 10**6, 10**5) for i in range(1, 21)]
    assert _ihdr(render_participation_chart(many)) == (CHART_WIDTH, CHART_HEIGHT)


async def test_drawn_in_a_worker_thread_as_the_bot_does():
    pngs = await asyncio.gather(*(asyncio.to_thread(render_participation_chart, ROWS) for _ in range(3)))
    assert {_ihdr(png) for png in pngs} == {(CHART_WIDTH, CHART_HEIGHT)}
    assert len(set(pngs)) == 1  # drawing is deterministic, whatever the interleaving


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        render_participation_chart(ROWS[:3])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_matplotlib_is_imported_on_first_use_only():
    code = "import sys, bot.render.chart, bot.render.stats; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colours_are_readable_in_both_discord_themes():
    # The chart carries its own background, so its text and bars are judged against it (WCAG:
    # 7:1 for text, 3:1 for graphics), and that background must stand out from both themes'.
    assert _contrast(TEXT_COLOR, BACKGROUND) >= 7
    assert _contrast(REPLIES_COLOR, BACKGROUND) >= 3
    assert _contrast(PARTICIPANTS_COLOR, BACKGROUND) >= 3
    for theme in ("#313338", "#ffffff"):  # Discord's dark and light message backgrounds
        assert _contrast(BACKGROUND, theme) >= 1.2
