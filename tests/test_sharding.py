"""What a shard process takes as its own: servers, claim holder, command sync (bot.sharding)."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.sharding import ALL_SHARDS_HOLDER, ShardPlan, ranges
from bot.store.rows import ShardSet


def plan(count: str | None, ids: str | None) -> ShardPlan:
    env = {"SHARD_COUNT": count or "", "SHARD_IDS": ids or ""}
    return ShardPlan.from_settings(Settings.from_env(env))


@pytest.mark.parametrize(
    ("count", "ids"),
    [(None, None), ("4", None), ("2", "0-1"), ("1", "0")],
    ids=["unset", "count only", "every id listed", "one of one"],
)
def test_a_process_running_every_shard_owns_every_server_and_syncs(count, ids):
    every = plan(count, ids)
    assert every.servers is None
    assert every.holder == ALL_SHARDS_HOLDER
    assert every.syncs_commands


def test_a_process_running_some_shards_owns_their_servers_only():
    part = plan("4", "1,3")
    assert part.servers == ShardSet.of(4, {1, 3})
    on_shard = {shard: shard << 22 for shard in range(4)}  # (id >> 22) % 4 == shard
    assert [s for s, guild in on_shard.items() if part.servers.owns(guild)] == [1, 3]


def test_only_the_process_running_shard_zero_syncs_commands():
    assert plan("4", "0-1").syncs_commands
    assert not plan("4", "2-3").syncs_commands


def test_each_process_has_its_own_holder_and_keeps_it_across_restarts():
    holders = [plan("8", ids).holder for ids in ("0-3", "4,5", "6-7")]
    assert holders == ["shards 0-3 of 8", "shards 4-5 of 8", "shards 6-7 of 8"]
    assert plan("8", "4,5").holder == plan("8", "5, 4").holder  # written otherwise, same shards
    assert plan("8", "0-3").holder != plan("16", "0-3").holder


@pytest.mark.parametrize(
    ("ids", "written"),
    [([0], "0"), ([0, 1, 2, 5], "0-2,5"), ([1, 3, 5], "1,3,5"), ([4, 5, 6, 7, 9, 10], "4-7,9-10")],
)
def test_ranges_writes_ids_as_shard_ids_does(ids, written):
    assert ranges(ids) == written
