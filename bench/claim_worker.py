"""One claiming process for bench/scheduler.py's claim throughput: the bot's dispatcher, no Discord.

Run by the bench, not by hand: ``python bench/claim_worker.py URL --holder NAME [--shards COUNT:ID]``.

It opens the store at URL (its own connection pool, as a bot process does, with every connection
opened beforehand: set-up is not claiming), says ``ready``, waits
for ``go`` on standard input, then runs the bot's ``Dispatcher`` over the schedules of its shards
(every server without ``--shards``) with a post function that sends nothing. Each claim it
completes is one line ``done <schedule id> <time.monotonic()>`` on standard output (the monotonic
clock is the same for every process of the machine, so the bench can time all processes on one
axis). ``stop`` on standard input ends it: ``bye <statements sent> <CPU seconds used since go>``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.services.clock import SystemClock
from bot.services.dispatcher import Dispatcher, PostOutcome
from bot.store import open_store
from bot.store.ports import Schedules
from bot.store.postgres import PostgresStore
from bot.store.rows import Claim, RunOutcome, Schedule, ShardSet


class TimedCompletions:
    """The store's schedules, reporting each completion that was recorded, when it returned."""

    def __init__(self, schedules: Schedules) -> None:
        self._schedules = schedules

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schedules, name)

    async def complete(self, claim: Claim, outcome: RunOutcome) -> bool:
        recorded = await self._schedules.complete(claim, outcome)
        self._report([claim], [recorded])
        return recorded

    async def complete_many(self, done: Sequence[tuple[Claim, RunOutcome]]) -> list[bool]:
        recorded = await self._schedules.complete_many(done)
        self._report([claim for claim, _ in done], recorded)
        return recorded

    @staticmethod
    def _report(claims: list[Claim], recorded: list[bool]) -> None:
        """One ``done`` line per completion recorded, stamped when the store returned."""
        at = time.monotonic()
        lines = [f"done {c.schedule.id} {at:.6f}\n" for c, ok in zip(claims, recorded, strict=True) if ok]
        if lines:
            sys.stdout.write("".join(lines))
            sys.stdout.flush()


async def warm(store: PostgresStore) -> None:
    """Open every connection of the pool before the start: the figure is claims per second, and
    opening connections (a server process each) is a one-time start-up cost, paid four times
    over by four processes, that would otherwise be counted as claiming."""
    pool = store.connection.pool
    held = await asyncio.gather(*(pool.acquire() for _ in range(pool.get_max_size())))
    for conn in held:
        await pool.release(conn)


def shard_set(text: str | None) -> ShardSet | None:
    if text is None:
        return None
    count, _, shard = text.partition(":")
    return ShardSet.of(int(count), [int(shard)])


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("--holder", required=True)
    parser.add_argument("--shards", default=None, metavar="COUNT:ID")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    store = await open_store(args.url)
    if isinstance(store, PostgresStore):
        await warm(store)
    message_ids = iter(range(10**6, 10**9))

    async def post(schedule: Schedule, occurrence: datetime, nonce: str) -> PostOutcome:
        return PostOutcome.sent(next(message_ids), schedule.lesson_id)

    dispatcher = Dispatcher(
        TimedCompletions(store.schedules),  # type: ignore[arg-type]
        SystemClock(),
        post,
        shards=shard_set(args.shards),
        holder=args.holder,
        grace=timedelta(hours=6),
    )
    print("ready", flush=True)
    if (await asyncio.to_thread(sys.stdin.readline)).strip() != "go":
        await store.close()
        return 1
    cpu_at_go = time.process_time()
    dispatcher.start()
    await asyncio.to_thread(sys.stdin.readline)  # "stop", or the bench went away
    await dispatcher.stop()
    print(f"bye {store.query_count} {time.process_time() - cpu_at_go:.6f}", flush=True)
    await store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
