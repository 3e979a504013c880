"""The PostgreSQL backend as a ``Store``: connect a pool to the database a URL names, migrate it, serve."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from bot.store.migration_files import MigrationError
from bot.store.ports import StoreOpenError
from bot.store.postgres.connection import Connection
from bot.store.postgres.forget import forget_guild
from bot.store.postgres.lessons import PostgresServerLessons
from bot.store.postgres.migrate import MIGRATIONS_DIR, apply_migrations
from bot.store.postgres.opening import asyncpg_url, check_url, describe, open_error
from bot.store.postgres.posts import PostgresPosts
from bot.store.postgres.replies import PostgresReplies
from bot.store.postgres.schedules import PostgresSchedules
from bot.store.postgres.settings import PostgresBotState, PostgresModeratorNotices, PostgresServerSettings
from bot.store.postgres.transfer import PostgresTransfer

# A pool, not one connection: a burst of commands, the reply writer and the dispatcher each get
# a connection instead of queueing behind one another. Small, because every shard process of a
# deployment holds its own against one server (PostgreSQL's default max_connections is 100).
POOL_MAX = 8
# Connections idle this long are closed (asyncpg's default, said here so it is a choice): a burst
# may open all POOL_MAX, and a quiet process should not keep that many server processes.
IDLE_LIFETIME_S = 300.0
# ... but never below this floor (asyncpg >= 0.32 keeps min_size connections open however long
# they idle; older versions closed them too). A weekly post falls due after days of quiet, and
# a connection opened then costs tens of milliseconds over TCP with a password (a server
# process started, SCRAM, TLS) before its claim can go out. The dispatcher claims a whole batch
# in one statement and records outcomes together, so the due instant needs one connection;
# the second serves the reply writer or a command at the same moment.
POOL_MIN = 2
CONNECT_TIMEOUT_S = 10.0


class PostgresStore:
    """``ports.Store`` over one asyncpg pool."""

    def __init__(self, connection: Connection, where: str) -> None:
        self.connection = connection
        self.where = where  # user@host:port/database, for log lines (never the password)
        self.schedules = PostgresSchedules(connection)
        self.posts = PostgresPosts(connection)
        self.replies = PostgresReplies(connection)
        self.settings = PostgresServerSettings(connection)
        self.bot_state = PostgresBotState(connection)
        self.lessons = PostgresServerLessons(connection)
        self.transfer = PostgresTransfer(connection)
        self.notices = PostgresModeratorNotices(connection)

    @property
    def query_count(self) -> int:
        return self.connection.query_count

    async def forget_guild(self, guild_id: int) -> None:
        await forget_guild(self.connection, guild_id)

    async def close(self) -> None:
        await self.connection.close()


async def open_postgres(
    url: str,
    *,
    migrations_dir: Path = MIGRATIONS_DIR,
    pool_max: int = POOL_MAX,
    idle_lifetime: float = IDLE_LIFETIME_S,
) -> PostgresStore:
    """Connect to the database named by a ``postgresql://`` URL and migrate it to the newest schema
    (one process at a time); raise StoreOpenError with one sentence when that cannot be done:
    the server unreachable, the password or user refused, the database missing, the schema newer
    than this bot. ``idle_lifetime``: seconds before an idle connection above the floor is closed
    (tests shorten it)."""
    url = asyncpg_url(url)
    check_url(url)
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=POOL_MIN,
            max_size=max(pool_max, POOL_MIN),
            max_inactive_connection_lifetime=idle_lifetime,
            timeout=CONNECT_TIMEOUT_S,
            server_settings={"application_name": "studybot"},
        )
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as error:
        raise open_error(error, url) from error
    connection = Connection(pool)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, migrations_dir)
    except MigrationError as error:
        await connection.close()
        raise StoreOpenError(f"Cannot use the PostgreSQL database {describe(url)}: {error}.") from error
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        await connection.close()
        raise open_error(error, url) from error
    except BaseException:
        await connection.close()
        raise
    return PostgresStore(connection, describe(url))
