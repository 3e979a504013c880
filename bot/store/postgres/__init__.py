"""The PostgreSQL backend: one database shared by several shard processes (asyncpg, a pool).

``open_postgres(url)`` returns a migrated ``PostgresStore``; ``bot.store.open_store`` calls it
for ``postgresql://`` URLs. SQL for PostgreSQL lives in this package only.
"""

from bot.store.postgres.opening import is_postgres_url
from bot.store.postgres.store import PostgresStore, open_postgres

__all__ = ["PostgresStore", "is_postgres_url", "open_postgres"]
