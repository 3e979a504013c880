"""The neutral row types: what they promise on their own, without a backend."""

from __future__ import annotations

import pytest

from bot.store.rows import ReplyChanges, RunOutcome, ShardSet


@pytest.mark.parametrize(
    ("guild_id", "count", "ids", "owned"),
    [
        (0, 1, {0}, True),
        (1 << 22, 2, {1}, True),
        (1 << 22, 2, {0}, False),
        ((5 << 22) | 0x3FFFFF, 4, {1}, True),  # the low 22 bits (worker, sequence) do not count
        (1_100_000_000_000_000_000, 8, {(1_100_000_000_000_000_000 >> 22) % 8}, True),
    ],
)
def test_a_shard_set_owns_the_servers_discord_routes_to_its_shards(guild_id, count, ids, owned):
    assert ShardSet.of(count, ids).owns(guild_id) is owned


@pytest.mark.parametrize(("count", "ids"), [(0, {0}), (2, set()), (2, {2}), (3, {-1})])
def test_an_impossible_shard_set_is_refused(count, ids):
    with pytest.raises(ValueError, match="shard"):
        ShardSet.of(count, ids)


def test_outcome_constructors_say_what_the_schedule_becomes():
    assert RunOutcome.sent(5, "lesson", finished=True).final_state == "done"
    assert RunOutcome.sent(5, None, finished=False).final_state is None
    stopped = RunOutcome.not_sent("failed", "The channel was deleted.", final_state="failed")
    assert (stopped.run_state, stopped.final_state) == ("failed", "failed")
    assert stopped.detail == "The channel was deleted."


def test_changes_count_their_operations():
    assert ReplyChanges(deletes=[1, 2], forget_thread=9).operations == 3
    assert ReplyChanges().operations == 0
