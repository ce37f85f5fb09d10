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
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from hub.store.moments import utc as utc  # re-exported: every writer imports it from here
from hub.store.queries import Reader

# SQLite caps bound parameters per statement; 500 ids per IN (...) stays well below it.
CHUNK = 500

# PostgreSQL time-outs: a database that hangs, or a network path that drops packets, must cost
# the hub a bounded wait, never a thread stuck for the operating system's ~15 minutes of TCP
# retries. Each is a libpq connection parameter (a key of the database URL's query string wins
# over the value here); docs/configuration.md lists them with these reasons.
PG_TIMEOUTS: dict[str, str] = {
    # seconds to open a connection, start-up included: a connect takes milliseconds on a LAN,
    # so 5 s means the path or the server is dead (libpq's minimum is 2)
    "connect_timeout": "5",
    # milliseconds that sent data may stay unacknowledged before the connection is dropped: a
    # dead path is noticed within 15 s instead of TCP's minutes of retransmissions
    "tcp_user_timeout": "15000",
    # an idle pooled connection is probed after 30 s of silence, every 5 s, 3 times: a
    # connection whose path died while idle is found within 45 s
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    # Server side: no statement runs longer than 60 s (the ingest's take milliseconds; a
    # deployment whose largest reports need longer raises it in the URL), and a session that
    # sits in an open transaction for 60 s (its hub hung, or the path to it died) is ended, so
    # its locks do not hold up other hubs. Migrations lift the statement limit (``upgrade``).
    "options": "-c statement_timeout=60s -c idle_in_transaction_session_timeout=60s",
}




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
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"),
                           connect_args=_connect_args(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _connect_args(url: str) -> dict[str, str]:
    """The PostgreSQL time-outs the URL does not set itself (none for SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return {}
    return {key: value for key, value in PG_TIMEOUTS.items() if key not in parsed.query}


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
            if self.dialect == "postgresql":  # a rebuild of a big table may take minutes
                conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
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
