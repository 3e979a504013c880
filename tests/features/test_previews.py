"""Open previews: found while fresh, gone after 15 minutes, after closing, or past the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.features.library import previews as previews_module
from bot.features.library.previews import LIFETIME, Previews
from tests.clock import ManualClock

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def opened(previews: Previews, user: int = 1):
    return previews.open(guild_id=10, user_id=user, text="article", draft=None, editing=None)


def test_a_preview_is_found_in_its_process_only():
    previews = Previews(ManualClock(NOW))
    preview = opened(previews)
    assert previews.get(preview.id) is preview
    restarted = Previews(ManualClock(NOW))
    assert restarted.get(preview.id) is None


async def test_an_expired_preview_is_gone_for_good():
    clock = ManualClock(NOW)
    previews = Previews(clock)
    preview = opened(previews)
    await clock.set(NOW + LIFETIME - timedelta(seconds=1))
    assert previews.get(preview.id) is preview
    await clock.set(NOW + LIFETIME)
    assert previews.get(preview.id) is None
    assert previews.get(preview.id) is None  # asked again: still gone


def test_closing_forgets_and_ids_are_unguessable():
    previews = Previews(ManualClock(NOW))
    first, second = opened(previews), opened(previews)
    assert first.id != second.id and len(first.id) == 16 and int(first.id, 16) >= 0
    previews.close(first.id)
    previews.close(first.id)  # twice is harmless
    assert previews.get(first.id) is None and previews.get(second.id) is second


def test_the_oldest_is_forgotten_past_the_cap(monkeypatch):
    monkeypatch.setattr(previews_module, "MAX_OPEN", 3)
    previews = Previews(ManualClock(NOW))
    made = [opened(previews, user) for user in range(4)]
    assert previews.get(made[0].id) is None
    assert [previews.get(p.id) for p in made[1:]] == made[1:]
