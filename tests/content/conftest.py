"""Shared paths and helpers for the content tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
BROKEN = Path(__file__).resolve().parent / "broken"
SEED = Path(__file__).resolve().parent / "seed" / "weekly-article-2026-11.txt"
FIRST_LESSON = LESSONS / "2026-11-whither-russias-ai-ambition.md"

LESSON = """\
---
title: {title}
week: {week}
prompt: What do you think?
concept: gpu
---
Opening.

## Part one

Text one.

## Summary

The gist.
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the shipped content that a test may break."""
    directory = tmp_path / "lessons"
    directory.mkdir()
    shutil.copy(LESSONS / "glossary.yaml", directory)
    shutil.copy(FIRST_LESSON, directory)
    return directory
