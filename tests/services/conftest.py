"""Fixtures for the scheduling tests: a clock the test moves and a recording poster (the store is
the shared ``store`` fixture of tests/conftest.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.services.dispatcher import PostOutcome
from bot.store.rows import Schedule
from tests.clock import ManualClock

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday


@dataclass
class Call:
    schedule_id: int
    occurrence: datetime
    nonce: str
    at: datetime


@dataclass
class FakePoster:
    """Stands in for the Discord posting function: records calls, follows a per-schedule script.

    A script entry is a PostOutcome to return, an exception to raise, or an asyncio.Event to wait
    on forever (a post that never returns, to simulate a crash mid-post).
    """

    clock: ManualClock
    calls: list[Call] = field(default_factory=list)
    script: dict[int, list[object]] = field(default_factory=dict)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    next_message_id: int = 9000

    async def __call__(self, schedule: Schedule, occurrence: datetime, nonce: str) -> PostOutcome:
        self.calls.append(Call(schedule.id, occurrence, nonce, self.clock.now()))
        self.entered.set()
        steps = self.script.get(schedule.id)
        if steps:
            step = steps.pop(0)
            if isinstance(step, BaseException):
                raise step
            if isinstance(step, asyncio.Event):
                await step.wait()
            if isinstance(step, PostOutcome):
                return step
        self.next_message_id += 1
        return PostOutcome.sent(self.next_message_id, schedule.lesson_id or f"queued-{len(self.calls)}")

    def for_schedule(self, schedule_id: int) -> list[Call]:
        return [c for c in self.calls if c.schedule_id == schedule_id]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START, settle_timeout=5.0)


@pytest.fixture
def poster(clock: ManualClock) -> FakePoster:
    return FakePoster(clock)
