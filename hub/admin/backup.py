"""``hailong hub db backup|restore``: the hub's database to one file and back.

SQLite through its online backup API, so the hub keeps running during a backup; PostgreSQL
through ``pg_dump``/``pg_restore`` (custom format), with the password passed in the environment,
never on a command line. A restore goes into a fresh database (or replaces one with
``--force``), is checked, and is migrated to this version's schema.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Pages copied per step of SQLite's online backup: small steps let the running hub write
# between them (a 4 KiB page size makes this 16 MiB a step).
SQLITE_STEP_PAGES = 4096
# A dump of a province's database takes minutes, not hours; past this something is wrong.
PG_TIMEOUT = 6 * 3600


class BackupError(Exception):
    """A backup or restore that cannot be done, worded for the operator."""


def _url(url: str) -> Any:
    from sqlalchemy.engine import make_url

    return make_url(url)


def _sqlite_file(url: str) -> Path:
    database = _url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: an in-memory database cannot be backed up")
    return Path(database)


def _private_temporary(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    temporary.unlink(missing_ok=True)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return temporary


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        connection.close()


def _sqlite_copy(source: Path, target: Path) -> None:
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer, pages=SQLITE_STEP_PAGES)
        # A backup file stands alone: no -wal/-shm beside it.
        writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()


def _pg_tool(name: str) -> str:
    """The newest ``name`` (pg_dump, pg_restore): it must be at least the server's version."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    found = candidates[-1] if candidates else shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install it with sudo apt-get install -y "
                          "postgresql-client")
    return found


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = _url(url)
    args = ["--dbname", str(parsed.database or "")]
    if parsed.host:
        args += ["--host", str(parsed.host)]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", str(parsed.username)]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    for key, variable in (("host", "PGHOST"), ("sslmode", "PGSSLMODE")):
        if key in parsed.query:
            env[variable] = str(parsed.query[key])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=PG_TIMEOUT,
                            check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {detail[-1] if detail else result.returncode}")


def backup(url: str, target: Path) -> str:
    """Write the database at ``url`` to ``target`` (0600); returns what was written."""
    backend = _url(url).get_backend_name()
    temporary = _private_temporary(target)
    try:
        if backend == "sqlite":
            source = _sqlite_file(url)
            if not source.exists():
                raise BackupError(f"{source}: no hub database here (check [database] url and "
                                  "[data] dir)")
            _sqlite_copy(source, temporary)
            verdict = _integrity(temporary)
            if verdict != "ok":
                raise BackupError(f"the copy of {source} failed SQLite's integrity check: {verdict}")
            kind = "SQLite"
        elif backend == "postgresql":
            args, env = _pg_args(url)
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(temporary), *args], env)
            kind = "PostgreSQL (pg_dump custom format)"
        else:
            raise BackupError(f"backups of {backend} databases are not supported")
        os.chmod(temporary, 0o600)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return f"{kind} backup written to {target} ({target.stat().st_size} bytes)"


def _kind_of(source: Path) -> str:
    try:
        with source.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise BackupError(f"{source}: file not found") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{source}: not a hub backup (neither a SQLite database nor a pg_dump "
                      "custom-format file)")


def _has_tables(url: str) -> bool:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def restore(url: str, source: Path, force: bool = False) -> str:
    """Load ``source`` into the database at ``url`` and migrate it; returns what was done."""
    from hub.store import Store

    kind = _kind_of(source)
    backend = _url(url).get_backend_name()
    if kind != backend:
        raise BackupError(f"{source} is a {kind} backup but [database] url is a {backend} "
                          "database")
    if backend == "sqlite":
        target = _sqlite_file(url)
        verdict = _integrity(source)
        if verdict != "ok":
            raise BackupError(f"{source} is damaged (SQLite integrity check: {verdict})")
        if target.exists() and _has_tables(url) and not force:
            raise BackupError(f"{target} already holds a database: stop the hub and pass --force "
                              "to replace it")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
    else:
        if _has_tables(url) and not force:
            raise BackupError(f"{_url(url).database} already has tables: restore into a fresh "
                              "database (createdb), or stop the hub and pass --force")
        args, env = _pg_args(url)
        command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        if force:
            command += ["--clean", "--if-exists"]
        _run([*command, *args, str(source)], env)
    store = Store(url)
    try:
        store.upgrade()
        revision = store.current_revision()
    finally:
        store.close()
    shown = _url(url).render_as_string(hide_password=True)
    return f"restored {source} into {shown} (schema revision {revision})"


# -- the commands -----------------------------------------------------------------------------

def _command(args: argparse.Namespace) -> int:
    from hailong.settings import render_settings
    from hub.settings import settings_from

    settings = settings_from(args)
    if args.check_config:
        print(render_settings(settings))
        return 0
    try:
        if args.db_command == "backup":
            print(backup(settings.database_url(), args.file))
        else:
            print(restore(settings.database_url(), args.file, force=args.force))
    except BackupError as exc:
        print(f"hailong hub db {args.db_command}: {exc}", file=sys.stderr)
        return 1
    return 0


def register(db_commands: Any) -> None:
    """Add ``backup`` and ``restore`` to ``hailong hub db``."""
    from hailong.cli import add_common

    parser = db_commands.add_parser("backup", help="copy the database to FILE (the hub may run)")
    add_common(parser)
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.set_defaults(handler=_command)
    parser = db_commands.add_parser("restore", help="load a backup FILE into a fresh database")
    add_common(parser)
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--force", action="store_true",
                        help="replace a database that already has data (stop the hub first)")
    parser.set_defaults(handler=_command)
