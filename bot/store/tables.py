"""Every table of the store's schema, said once for every backend: what moving a database copies.

``python -m bot migrate-data`` moves a whole database from one backend to another (typically
SQLite to PostgreSQL) row for row, ids, claims and removed lessons included, which the ports'
methods cannot do (they never hand out a run's holder or a removed lesson's text, and they make
new ids). Each backend reads and writes these tables through its ``Transfer``
(``bot.store.ports.Transfer``), turning its own column types into the neutral values below and
back, so the copier itself never sees SQL nor a backend's types.

A column's kind says what its neutral value is:

* ``int``: an int (Discord ids, the store's own row ids, small numbers), or None;
* ``text``: a str, or None;
* ``instant``: an aware UTC datetime, or None (SQLite: ISO text; PostgreSQL: timestamptz);
* ``time``: a wall-clock ``datetime.time``, or None (SQLite: ``HH:MM`` text; PostgreSQL: time);
* ``json``: a JSON value (list, dict, str, number), never None (SQLite: text; PostgreSQL: jsonb).

A migration that adds a table or a column adds it here too; ``tests/store/test_transfer.py``
compares this list with both backends' schemas and fails until it does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Kind = Literal["int", "text", "instant", "time", "json"]
Row = dict[str, object]
# A backend's conversions of each kind, from its values to the neutral ones or back.
Codec = Mapping[Kind, Callable[[Any], object]]


class DriverRow(Protocol):
    """A row as a driver hands it over, its columns by name (sqlite3.Row, asyncpg's Record)."""

    def __getitem__(self, name: str, /) -> Any: ...


@dataclass(frozen=True)
class Table:
    """One table: its columns and their kinds, its primary key (batches are read in its order),
    and the column whose counter must go on after the highest copied value (an identity or
    AUTOINCREMENT id), if any."""

    name: str
    label: str  # what its rows are, for the report ("posts", "server settings")
    key: tuple[str, ...]
    columns: tuple[tuple[str, Kind], ...]
    counter: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def decoder(self, codec: Codec) -> Callable[[DriverRow], Row]:
        """A driver's row of this table as neutral values (None stays None)."""
        columns = [(name, codec[kind]) for name, kind in self.columns]

        def decode(row: DriverRow) -> Row:
            return {name: None if row[name] is None else fn(row[name]) for name, fn in columns}

        return decode

    def encoder(self, codec: Codec) -> Callable[[Row], tuple[object, ...]]:
        """Neutral values as a driver's parameters, in the order of ``columns``."""
        columns = [(name, codec[kind]) for name, kind in self.columns]

        def encode(row: Row) -> tuple[object, ...]:
            return tuple(None if row[name] is None else fn(row[name]) for name, fn in columns)

        return encode


def driver_words(error: BaseException) -> str:
    """A driver's error message on one line (PostgreSQL adds DETAIL lines), without a final
    period, for the sentence of a ``TransferError``."""
    return " ".join(str(error).split()).rstrip(".") or type(error).__name__


# In an order that satisfies every reference (a post before the jobs of its discussion, a
# schedule before its runs).
TABLES: tuple[Table, ...] = (
    Table(
        "guild_settings",
        "server settings",
        ("guild_id",),
        (
            ("guild_id", "int"),
            ("timezone", "text"),
            ("channel_id", "int"),
            ("modrole_id", "int"),
            ("discussion_days", "int"),
            ("reminder_hours", "int"),
            ("pingrole_id", "int"),
        ),
    ),
    Table(
        "moderator_notices",
        "notices told to moderators",
        ("guild_id", "topic"),
        (("guild_id", "int"), ("topic", "text"), ("about", "text"), ("told_at", "instant")),
    ),
    Table("bot_state", "bot facts", ("key",), (("key", "text"), ("value", "text"))),
    Table(
        "posts",
        "posts",
        ("id",),
        (
            ("id", "int"),
            ("guild_id", "int"),
            ("channel_id", "int"),
            ("message_id", "int"),
            ("thread_id", "int"),
            ("lesson_id", "text"),
            ("posted_at", "instant"),
            ("schedule_id", "int"),
            ("occurrence", "instant"),
            ("closes_at", "instant"),
        ),
        counter="id",
    ),
    Table(
        "schedules",
        "schedules",
        ("id",),
        (
            ("id", "int"),
            ("guild_id", "int"),
            ("channel_id", "int"),
            ("kind", "text"),
            ("lesson_id", "text"),
            ("weekday", "int"),
            ("local_time", "time"),
            ("timezone", "text"),
            ("next_run", "instant"),
            ("state", "text"),
            ("last_error", "text"),
            ("created_by", "int"),
            ("created_at", "instant"),
            ("post_id", "int"),
        ),
        counter="id",
    ),
    Table(
        "schedule_runs",
        "schedule runs and claims",
        ("schedule_id", "occurrence"),
        (
            ("schedule_id", "int"),
            ("occurrence", "instant"),
            ("state", "text"),
            ("nonce", "text"),
            ("lesson_id", "text"),
            ("message_id", "int"),
            ("claimed_at", "instant"),
            ("detail", "text"),
            ("holder", "text"),
            ("lease_until", "instant"),
        ),
    ),
    Table(
        "replies",
        "replies",
        ("message_id",),
        (
            ("message_id", "int"),
            ("thread_id", "int"),
            ("guild_id", "int"),
            ("author_id", "int"),
            ("author_name", "text"),
            ("content", "text"),
            ("attachments", "json"),
            ("created_at", "instant"),
            ("edited_at", "instant"),
        ),
    ),
    Table(
        "thread_reads",
        "threads' read points",
        ("thread_id",),
        (("thread_id", "int"), ("message_id", "int"), ("gone", "int")),
    ),
    Table(
        "server_lessons",
        "server lessons",
        ("position",),
        (
            ("position", "int"),
            ("guild_id", "int"),
            ("lesson_id", "text"),
            ("title", "text"),
            ("title_key", "text"),
            ("article", "text"),
            ("document", "text"),
            ("concept_key", "text"),
            ("added_by", "int"),
            ("added_at", "instant"),
            ("edited_by", "int"),
            ("edited_at", "instant"),
            ("removed_by", "int"),
            ("removed_at", "instant"),
        ),
        counter="position",
    ),
    Table(
        "server_concepts",
        "server concepts",
        ("guild_id", "key"),
        (
            ("guild_id", "int"),
            ("key", "text"),
            ("term", "text"),
            ("definition", "text"),
            ("lesson_id", "text"),
        ),
    ),
)
