"""Settings from the environment: SHARD_COUNT and SHARD_IDS (the other settings are covered through
the start-up tests)."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


def test_unset_shards_leave_the_choice_to_discord():
    s = settings()
    assert (s.shard_count, s.shard_ids) == (None, None)


def test_a_count_alone_runs_every_shard_here():
    s = settings(SHARD_COUNT="4")
    assert (s.shard_count, s.shard_ids) == (4, None)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ("0-3", (0, 1, 2, 3)),
        ("4,5", (4, 5)),
        ("5,4", (4, 5)),
        ("7", (7,)),
        (" 0 - 1 , 6 ", (0, 1, 6)),
        ("2-2", (2,)),
        ("0-7", tuple(range(8))),
    ],
)
def test_shard_ids_and_ranges(ids, expected):
    s = settings(SHARD_COUNT="8", SHARD_IDS=ids)
    assert (s.shard_count, s.shard_ids) == (8, expected)


def test_blank_values_count_as_unset():
    s = settings(SHARD_COUNT="  ", SHARD_IDS="")
    assert (s.shard_count, s.shard_ids) == (None, None)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"SHARD_IDS": "0-3"}, "SHARD_IDS ('0-3') needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "4"}, "names shard 4, but SHARD_COUNT is 4: ids run from 0 to 3"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "2-9"}, "names shard 9, but SHARD_COUNT is 4"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "range '3-1' is empty"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-3,2"}, "names shard 2 more than once"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "zero"}, "such as 0-3 or 4,5, got 'zero'"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,,1"}, "such as 0-3 or 4,5"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "-1"}, "such as 0-3 or 4,5"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-"}, "such as 0-3 or 4,5"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1.5"}, "such as 0-3 or 4,5"),
        ({"SHARD_COUNT": "four"}, "SHARD_COUNT must be a whole number of shards"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be a whole number of shards from 1"),
        ({"SHARD_COUNT": "-2"}, "SHARD_COUNT must be a whole number"),
        ({"SHARD_COUNT": "²"}, "SHARD_COUNT must be a whole number"),
        ({"SHARD_COUNT": "99999999999"}, "from 1 to 1,000,000"),
    ],
)
def test_invalid_shard_settings_are_one_sentence(env, words):
    with pytest.raises(SettingsError) as caught:
        settings(**env)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message
    assert message.endswith(".")
