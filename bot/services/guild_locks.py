"""One lock per server for the scheduled work that must not overlap there.

A weekly post takes "the next lesson of the queue", so two posts of one server must not run at
once; a discussion's close reads which lesson came next, so it waits for a post of its server
in progress. The posts and the discussions' jobs share one ``GuildLocks``. Weak values: a lock
lives while someone holds or waits for it, and a bot in many servers keeps none idle.
"""

from __future__ import annotations

import asyncio
import weakref


class GuildLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, guild_id: int) -> asyncio.Lock:
        """The server's lock (``async with locks(guild_id):``)."""
        lock = self._locks.get(guild_id)
        if lock is None:
            lock = self._locks[guild_id] = asyncio.Lock()
        return lock
