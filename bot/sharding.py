"""What this process is responsible for when the bot runs as several shard processes.

Discord sends a server's events to one shard, ``(guild_id >> 22) % shard_count``; a process
running some shards (``SHARD_COUNT``, ``SHARD_IDS``) sees only their servers. So it dispatches
the schedules and backfills the threads of those servers only, its claims carry a holder name
that its next start recognises, and only the process running shard 0 syncs the commands (one
application, one command set: several processes syncing would only race each other).

Pure: derived from the settings alone, so it is known before the gateway connects (the
dispatcher and the collector start in ``setup_hook``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.store.rows import ShardSet

#: The holder of a process that runs every shard (the single-process default).
ALL_SHARDS_HOLDER = "studybot"


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """This process's part of the deployment."""

    count: int | None  # SHARD_COUNT; None: Discord's recommendation
    ids: tuple[int, ...] | None  # SHARD_IDS; None: every shard of ``count``

    @classmethod
    def from_settings(cls, settings: Settings) -> ShardPlan:
        return cls(settings.shard_count, settings.shard_ids)

    @property
    def servers(self) -> ShardSet | None:
        """The servers this process owns; None when it runs every shard (every server)."""
        if self.count is None or self.ids is None or len(self.ids) == self.count:
            return None
        return ShardSet.of(self.count, self.ids)

    @property
    def holder(self) -> str:
        """The name this process's claims carry: the same on every start with the same shards,
        so a restarted process takes back its own unfinished claims at once, and different for
        each process of a deployment."""
        servers = self.servers
        if servers is None:
            return ALL_SHARDS_HOLDER
        return f"shards {ranges(sorted(servers.ids))} of {servers.count}"

    @property
    def syncs_commands(self) -> bool:
        """Whether this process runs shard 0, the one that syncs the application commands."""
        return self.ids is None or 0 in self.ids


def ranges(ids: list[int]) -> str:
    """Sorted ids as ``SHARD_IDS`` writes them: ``[0, 1, 2, 5]`` -> ``0-2,5``."""
    parts: list[str] = []
    start = previous = ids[0]
    for shard in [*ids[1:], None]:
        if shard is not None and shard == previous + 1:
            previous = shard
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if shard is not None:
            start = previous = shard
    return ",".join(parts)
