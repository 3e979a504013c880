"""The SQLite backend: the embedded default, one file, nothing to install.

``open_sqlite(url)`` returns a migrated ``SqliteStore``; ``bot.store.open_store`` calls it for
``sqlite:///`` URLs. SQL lives in this package only.
"""

from bot.store.sqlite.store import SqliteStore, open_sqlite, sqlite_path

__all__ = ["SqliteStore", "open_sqlite", "sqlite_path"]
