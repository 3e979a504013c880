"""The SQLite backend's one time codec: UTC ISO text that sorts like the instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.store.sqlite.codec import UtcTexts, from_text, to_text

instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([timezone(timedelta(hours=h)) for h in (-11, -5, 1, 5, 13)]),
)


def test_an_instant_is_utc_text_and_comes_back_equal():
    paris = timezone(timedelta(hours=1))
    when = datetime(2026, 11, 25, 22, 30, tzinfo=paris)
    assert to_text(when) == "2026-11-25T21:30:00+00:00"
    assert from_text(to_text(when)) == when
    assert from_text(to_text(when)).tzinfo is UTC


def test_naive_times_are_refused_and_naive_text_is_read_as_utc():
    with pytest.raises(ValueError, match="naive"):
        to_text(datetime(2026, 11, 25, 21, 30))
    assert from_text("2026-11-25T21:30:00") == datetime(2026, 11, 25, 21, 30, tzinfo=UTC)


@given(instants, instants)
def test_text_sorts_like_the_instant(a, b):
    assert (to_text(a) < to_text(b)) == (a < b)
    assert (to_text(a) == to_text(b)) == (a == b)


@given(st.lists(instants, max_size=20), st.integers(min_value=0, max_value=999))
def test_the_fast_form_writes_exactly_what_to_text_writes(whens, milli):
    texts = UtcTexts()
    everything = [*whens, *(w.astimezone(UTC).replace(microsecond=milli * 1000) for w in whens)]
    for when in everything:
        assert texts(when) == to_text(when)
    assert texts.many(everything) == [to_text(when) for when in everything]  # now from the cache
    assert UtcTexts().many(everything) == [to_text(when) for when in everything]


@given(
    st.lists(st.integers(min_value=0, max_value=2_999), min_size=1, max_size=40),
    st.sampled_from(
        [
            datetime(2026, 11, 18, 21, 0, tzinfo=UTC),
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC, microsecond=0) - timedelta(seconds=2),
        ]
    ),
)
def test_runs_of_instants_in_one_second_share_a_prefix_yet_each_text_is_exact(millis, start):
    """A burst: many instants a second, mostly in order, sometimes back to an earlier second."""
    whens = [start + timedelta(milliseconds=milli) for milli in millis]
    assert UtcTexts().many(whens) == [to_text(when) for when in whens]
