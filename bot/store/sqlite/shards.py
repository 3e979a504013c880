"""A shard selection as a SQL condition (Discord's rule: ``(guild_id >> 22) % count``)."""

from __future__ import annotations

from bot.store.rows import ShardSet


def shard_sql(shards: ShardSet | None, column: str = "guild_id") -> tuple[str, list[object]]:
    """`` AND <condition>`` and its parameters; nothing for None (every server)."""
    if shards is None:
        return "", []
    marks = ", ".join("?" for _ in shards.ids)
    return f" AND (({column} >> 22) % ?) IN ({marks})", [shards.count, *sorted(shards.ids)]
