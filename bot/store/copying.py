"""Copy every row of one store into another, empty one: the heart of ``python -m bot migrate-data``.

All or nothing: the whole copy is one transaction on the target (``Transfer.loading``), read
from one snapshot of the source (``Transfer.reading``), in batches. If anything fails, the
target is left as empty as it was, so the operator fixes the cause and runs the same command
again; there is no half-copied database to resume from or clean up. Before committing, the
target's row counts are compared with the source's, table by table.

Only an empty target is accepted (no row in any table; its schema may exist): merging two
databases' ids, claims and settings has no right answer, and refusing keeps a mistyped
``--to`` from mixing a production database with another.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.store.ports import Store
from bot.store.tables import TABLES

DEFAULT_BATCH = 1_000


class TargetNotEmpty(Exception):
    """The target already holds rows; ``held`` counts them by table name."""

    def __init__(self, held: dict[str, int]) -> None:
        super().__init__(describe_counts(held))
        self.held = held


class CopyMismatch(Exception):
    """The target's counts differ from the source's after the copy (nothing was committed)."""


def describe_counts(counts: dict[str, int]) -> str:
    """``3 posts, 120 replies`` for the tables that have rows, in ``TABLES`` order."""
    parts = [f"{counts[t.name]:,} {t.label}" for t in TABLES if counts.get(t.name)]
    return ", ".join(parts) if parts else "nothing"


async def copy_store(
    source: Store,
    target: Store,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy every table of ``source`` into the empty ``target``; return the rows copied by table.

    Raises TargetNotEmpty (nothing written), CopyMismatch or ``ports.TransferError`` (the
    target rolled back). ``progress(table_name, rows_so_far)`` is called after each batch.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    async with source.transfer.reading() as reader, target.transfer.loading() as writer:
        held = await writer.counts()
        if any(held.values()):
            raise TargetNotEmpty(held)
        expected = await reader.counts()
        copied: dict[str, int] = {}
        for table in TABLES:
            copied[table.name] = 0
            async for rows in reader.batches(table, batch_size):
                await writer.write(table, rows)
                copied[table.name] += len(rows)
                if progress is not None:
                    progress(table.name, copied[table.name])
        landed = await writer.counts()
        if landed != expected or copied != expected:
            raise CopyMismatch(
                f"the source holds {describe_counts(expected)} but the target took {describe_counts(landed)}"
            )
    return copied
