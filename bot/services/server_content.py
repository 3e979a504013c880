"""Each server's view of the content: the shared library plus what was added there.

A server's own lessons and concepts are read from the store the first time the server needs
them, then kept, so a keystroke's autocomplete never waits on the database. Every interaction
and every scheduled post of a server is handled by the one process that runs its shard, so that
process's copy stays true as long as each change made with /library is followed by ``refresh``.
Servers that added nothing share one view of the shared library.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from bot.content.adding import read_own_content
from bot.content.library import Library
from bot.content.models import Concept
from bot.content.server_library import OwnContent, ServerLibrary
from bot.store.ports import Store
from bot.store.rows import AddedContent

log = logging.getLogger(__name__)

__all__ = ["ServerContents"]


class ServerContents:
    """The views of every server this process serves, made on first use and kept."""

    def __init__(self, store: Store, shared: Library) -> None:
        self._store = store
        self._shared = shared
        self._shared_view = ServerLibrary(shared)
        self._own: dict[int, OwnContent] = {}  # servers that added something
        self._views: dict[int, ServerLibrary] = {}
        self._known_empty: set[int] = set()
        self._loading: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    @property
    def shared(self) -> Library:
        return self._shared

    @shared.setter
    def shared(self, library: Library) -> None:
        """A reload: every view is made again around the new shared library when next asked."""
        self._shared = library
        self._shared_view = ServerLibrary(library)
        self._views.clear()

    async def view(self, guild_id: int | None) -> ServerLibrary:
        """What this server sees (outside a server, the shared library alone)."""
        if guild_id is None or guild_id in self._known_empty:
            return self._shared_view
        view = self._views.get(guild_id)
        if view is not None:
            return view
        own = self._own.get(guild_id)
        if own is None:
            async with self._lock(guild_id):
                if guild_id not in self._own and guild_id not in self._known_empty:
                    await self._load(guild_id)
            own = self._own.get(guild_id)
            if own is None:
                return self._shared_view
        view = self._views[guild_id] = ServerLibrary(self._shared, own)
        return view

    async def refresh(self, guild_id: int) -> ServerLibrary:
        """Read the server's own content again (after /library changed it) and return its view."""
        async with self._lock(guild_id):
            self._views.pop(guild_id, None)
            self._own.pop(guild_id, None)
            self._known_empty.discard(guild_id)
            await self._load(guild_id)
        return await self.view(guild_id)

    def _lock(self, guild_id: int) -> asyncio.Lock:
        """One load of a server at a time (weak values: a lock lives while in use)."""
        lock = self._loading.get(guild_id)
        if lock is None:
            lock = self._loading[guild_id] = asyncio.Lock()
        return lock

    async def _load(self, guild_id: int) -> None:
        added = await self._store.lessons.content(guild_id)
        if not added.lessons:
            self._known_empty.add(guild_id)
            return
        own = await asyncio.to_thread(_own_content, guild_id, added)
        self._own[guild_id] = own


def _own_content(guild_id: int, added: AddedContent) -> OwnContent:
    """Parse the stored lessons (in a worker thread: a server may have added hundreds)."""
    own, problems = read_own_content(
        [(lesson.lesson_id, lesson.document) for lesson in added.lessons],
        [Concept(key=c.key, term=c.term, definition=c.definition) for c in added.concepts],
        {c.key: c.lesson_id for c in added.concepts},
    )
    for problem in problems:
        log.error(
            "Server %s: a lesson added there cannot be read, so it is not served: %s", guild_id, problem
        )
    return own
