"""A shard selection as a SQL condition (Discord's rule: ``(guild_id >> 22) % count``)."""

from __future__ import annotations

from bot.store.rows import ShardSet


def shard_sql(
    shards: ShardSet | None, first_param: int, column: str = "guild_id"
) -> tuple[str, list[object]]:
    """`` AND <condition>`` using parameters ``$first_param`` and the next, and their values;
    nothing for None (every server)."""
    if shards is None:
        return "", []
    count, ids = f"${first_param}", f"${first_param + 1}"
    return f" AND (({column} >> 22) % {count}::bigint) = ANY({ids}::bigint[])", [
        shards.count,
        sorted(shards.ids),
    ]
