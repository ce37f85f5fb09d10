"""A private PostgreSQL cluster in a temporary folder on a free loopback port (tests, benchmarks).

Debian's packages put the server in /usr/lib/postgresql/<version>/bin, off PATH. The cluster
trusts local connections, listens on 127.0.0.1 only, and is removed when stopped. PostgreSQL
refuses to run as root, so under root (CI containers) it runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from hailong.broker import free_port

INSTALL_HINT = "sudo apt-get install -y postgresql"


class PostgresUnavailable(RuntimeError):
    pass


def find_bin_dir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                            key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                            else 0, reverse=True):
        if os.access(Path(candidate) / "initdb", os.X_OK):
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(f"PostgreSQL is not installed; install it with: {INSTALL_HINT}")


class PostgresCluster:
    def __init__(self, fast: bool = True, keep_in: Path | None = None) -> None:
        """A throw-away cluster, or with ``keep_in`` one kept in that folder between runs."""
        self.bin = find_bin_dir()
        self.fast = fast
        self.keep = keep_in is not None
        if keep_in is not None:
            keep_in.mkdir(parents=True, exist_ok=True)
            self.base = keep_in
        else:
            self.base = Path(tempfile.mkdtemp(prefix="hailong-pg-"))
        self.port = free_port()
        self._user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.base, account.pw_uid, account.pw_gid)
            self._user = ["runuser", "-u", "postgres", "--"]
        self.databases = 0

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._user, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {result.stderr.strip()[-800:]}")

    def start(self) -> PostgresCluster:
        data = self.base / "data"
        if not (data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "hailong", "--auth=trust",
                      "-E", "UTF8", "--locale=C", *(["--no-sync"] if self.fast else []))
        # Tests trade durability for speed (the cluster is thrown away); benchmarks keep fsync.
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=60"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                  str(self.base / "server.log"), "-w", "-t", "60", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://hailong@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        import psycopg

        self.databases += 1
        name = name or f"t{self.databases}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=hailong dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        data = self.base / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run([*self._user, str(self.bin / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], capture_output=True, timeout=60)
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def halt(self, mode: str = "fast") -> None:
        """Stop the server but keep its data, to start it again on the same port (fault tests);
        ``immediate`` is a crash: no checkpoint, recovery from the WAL on the next start."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.base / "data"), "-m", mode, "-w",
                  "stop")
