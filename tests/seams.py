"""A store to hand to the code under test, whose operations a test can make fail or hang.

Fault injection through the seam the code offers (the store it is given), not by patching
module attributes:

    seams = SeamStore(store)
    writer = ReplyWriter(seams.replies)
    seams.fail("replies", "apply", RuntimeError("disk full"), times=1)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from bot.store.ports import Store

_CONCERNS = ("schedules", "posts", "replies", "settings", "bot_state", "lessons", "notices")


class _Concern:
    """One concern of the store (its posts, its schedules, ...): every call passes through to the
    real one unless a fault is set for that operation."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.faults: dict[str, Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]] = {}

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._inner, name)
        fault = self.faults.get(name)
        return real if fault is None else fault(real)


class SeamStore:
    """A ``Store`` that passes everything through to ``inner`` except the faults set on it."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self._concerns = {name: _Concern(getattr(inner, name)) for name in _CONCERNS}

    @property
    def schedules(self) -> Any:
        return self._concerns["schedules"]

    @property
    def posts(self) -> Any:
        return self._concerns["posts"]

    @property
    def replies(self) -> Any:
        return self._concerns["replies"]

    @property
    def settings(self) -> Any:
        return self._concerns["settings"]

    @property
    def bot_state(self) -> Any:
        return self._concerns["bot_state"]

    @property
    def lessons(self) -> Any:
        return self._concerns["lessons"]

    @property
    def notices(self) -> Any:
        return self._concerns["notices"]

    @property
    def query_count(self) -> int:
        return self.inner.query_count

    async def forget_guild(self, guild_id: int) -> None:
        await self.inner.forget_guild(guild_id)

    async def close(self) -> None:
        await self.inner.close()

    def fail(self, concern: str, operation: str, error: BaseException, *, times: int | None = None) -> None:
        """The next ``times`` calls of ``concern.operation`` raise ``error`` (all of them if None)."""
        left = [times]

        def wrap(real: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            async def failing(*args: Any, **kwargs: Any) -> Any:
                if left[0] is None or left[0] > 0:
                    if left[0] is not None:
                        left[0] -= 1
                    raise error
                return await real(*args, **kwargs)

            return failing

        self._concerns[concern].faults[operation] = wrap

    def heal(self, concern: str, operation: str) -> None:
        """Calls of ``concern.operation`` work again."""
        self._concerns[concern].faults.pop(operation, None)

    def hang(self, concern: str, operation: str) -> asyncio.Event:
        """From now on ``concern.operation`` never returns, as if the process died there (nothing
        reaches the database); the returned event is set when the first call arrives."""
        reached = asyncio.Event()

        def wrap(real: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            async def hanging(*args: Any, **kwargs: Any) -> Any:
                reached.set()
                await asyncio.Event().wait()

            return hanging

        self._concerns[concern].faults[operation] = wrap
        return reached


class Calls:
    """One concern of a store (its schedules, ...), counting the calls of each operation: to show
    how many round trips the code under test asks for, whatever each backend does inside."""

    def __init__(self, schedules: Any) -> None:
        self._schedules = schedules
        self.counts: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._schedules, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[name] += 1
            return await real(*args, **kwargs)

        return counted
