"""Discord timestamp markup: each reader sees the instant in their own time zone."""

from __future__ import annotations

from datetime import datetime


def full(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}:F>"


def relative(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}:R>"


def full_and_relative(when: datetime) -> str:
    return f"{full(when)} ({relative(when)})"
