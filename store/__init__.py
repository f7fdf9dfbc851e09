"""The results store: calls, scoring runs, versioned results, reviews (SQLite by default, PostgreSQL by URL)."""
from callscore.store.db import Store, database_url, open_store

__all__ = ["Store", "database_url", "open_store"]
