"""The hub's database engine and schema: SQLite (WAL) by default, PostgreSQL at scale; Alembic
migrations in ``hub/store/migrations``. :class:`Database` is what every writer of the store shares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from hub.store.moments import utc as utc  # re-exported: every writer imports it from here
from hub.store.queries import Reader

# SQLite caps bound parameters per statement; 500 ids per IN (...) stays well below it.
CHUNK = 500




def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a batch is on disk before its acks go out, even across a power cut.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes SQLite's write lock at once (BEGIN IMMEDIATE): its reads (which
    # ids exist, a kiosk's seq ranges) then cannot go stale under another hub worker's commit.
    immediate = conn.get_execution_options().get("hailong_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "hub.store:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration this version of the hub knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaOutOfDate(RuntimeError):
    pass


class Database:
    """An engine, its reads, and the write connection: SQLite write transactions begin
    IMMEDIATE (see ``_sqlite_begin``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self.read = Reader(self.engine)
        self._writer = self.engine.execution_options(hailong_write=True)
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------
    def upgrade(self) -> None:
        with self.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def check_schema(self) -> None:
        head = head_revision()
        current = self.current_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"the database schema is at {current or 'nothing'}, the hub needs {head}: run "
                "`hailong hub db upgrade`")
