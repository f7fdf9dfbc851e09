"""Open the results store: SQLite file by default, PostgreSQL by URL; migrations applied on open."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from callscore.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 7_312_001  # pg advisory lock key: one process migrates, the others wait
SQLITE_BUSY_TIMEOUT_MS = 60_000


def private_dir(path: Path) -> Path:
    """A folder only its owner can enter: made 0700 when this creates it (a folder the site made stays as it is)."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is cut by the umask, and parents get the default
    return path


def database_url(settings: Settings) -> str:
    if settings.db_url:
        return settings.db_url
    private_dir(settings.home)
    return f"sqlite:///{settings.home / 'callscore.db'}"


def _create_private_sqlite(url) -> None:
    """Create a new SQLite file 0600 before SQLite does (it would use 0644 under the usual umask); SQLite gives
    its -wal and -shm files the database file's mode, so they are private too."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


class Store:
    """An engine with the schema at the newest migration, and sessions on it."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            _create_private_sqlite(self.engine.url)
            _configure_sqlite(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._migrate()

    def session(self) -> Session:
        return self.sessions()

    def _migrate(self) -> None:
        # One transaction around the whole upgrade: two processes opening a new database at once
        # queue on the lock (BEGIN IMMEDIATE / advisory lock) and the second finds it up to date.
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            upgrade(connection)


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run the migrations up to `revision` inside the caller's transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _configure_sqlite(engine: Engine) -> None:
    """WAL lets readers run beside a writer; busy_timeout makes a second writer wait rather than fail.
    Python's sqlite3 opens transactions lazily and upgrades a read lock to a write lock mid-transaction,
    which fails at once with 'database is locked' under concurrency; BEGIN IMMEDIATE takes the write
    lock up front, so writers queue on busy_timeout instead (SQLAlchemy's documented recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@functools.cache
def _store_for_url(url: str) -> Store:
    return Store(url)


def open_store(settings: Settings | None = None) -> Store:
    """The store for these settings, opened (and migrated) once per process."""
    return _store_for_url(database_url(settings or Settings.from_env()))
