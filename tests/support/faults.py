"""What the fault tests share: how many rounds to run, a generous deadline for every wait, a
small disk of their own to fill, and for the hub's database faults: the hub as a child process,
a fleet publishing responses, a ledger checking acks against commits, a private PostgreSQL.

Each fault test runs the count the issue asks for when it fits the suite's time on 2 cores, or
a smaller default otherwise; ``HAILONG_FAULT_ROUNDS`` sets every count at once (more to hunt a
rare failure, fewer for a quick look). docs/reliability.md lists the defaults.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.store import tables as t
from tests.support import OutputLines, RawClient, http_get, hub_settings, require, wait_until
from tests.support.hubdata import response
from tests.support.pgcluster import PostgresCluster, PostgresUnavailable, find_bin_dir

# Every wait for an event ends at this deadline: far beyond what a loaded 2-core machine needs,
# so a timeout means something is wrong, not that the machine is busy.
PATIENCE = 120.0


def rounds(default: int, env: dict[str, str] | None = None) -> int:
    """The number of rounds: ``HAILONG_FAULT_ROUNDS`` when set, else ``default``."""
    value = (os.environ if env is None else env).get("HAILONG_FAULT_ROUNDS", "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"HAILONG_FAULT_ROUNDS must be a whole number ≥ 1, not {value!r}")
    return int(value)


def fill(folder: Path) -> Path:
    """A ballast file taking every free byte of the file system."""
    ballast = folder / "ballast"
    handle = os.open(ballast, os.O_WRONLY | os.O_CREAT, 0o600)
    size = 65536
    try:
        while size:
            try:
                os.write(handle, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                size //= 2  # down to the last byte
    finally:
        os.close(handle)
    return ballast


@contextmanager
def mounted_small_disk(folder: Path) -> Iterator[Path]:
    """``folder`` as an 8 MB tmpfs of its own, unmounted afterwards (root, and a kernel that
    lets us mount, are needed; missing, the test skips, or fails under HAILONG_REQUIRE_ALL)."""
    folder.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    require("a small tmpfs (mount as root)", mounted.returncode == 0,
            f"run the tests as root where mounting is allowed ({mounted.stderr.strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


OFFICE = "ubnd-db"
KIOSKS = 10
# Responses per run; the 50,000 with HAILONG_FAULT_RESPONSES=50000 (several minutes).
RESPONSES = int(os.environ.get("HAILONG_FAULT_RESPONSES", "4000"))
# How long PostgreSQL stays down in the outage run; the 60 s with HAILONG_FAULT_OUTAGE=60.
OUTAGE = float(os.environ.get("HAILONG_FAULT_OUTAGE", "10"))


class HubChild:
    """``hailong hub run`` in a child process, its output collected line by line."""

    def __init__(self, folder: Path, broker: Broker, database_url: str) -> None:
        settings = hub_settings(folder, broker.url, database_url=database_url,
                                client_id="fault-hub")
        self.url = f"http://127.0.0.1:{settings.http.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hailong", "hub", "run", "--config", str(folder / "hub.toml")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.output = OutputLines(self.process)
        wait_until(lambda: self.alive() and self.health()[1].get("mqtt"), PATIENCE,
                   message="the hub to start and connect")

    def alive(self) -> bool:
        assert self.process.poll() is None, f"the hub exited:\n{self.output.text()[-3000:]}"
        return True

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            status, body = http_get(self.url + "/healthz")
        except OSError:
            return 0, {}
        return status, body if isinstance(body, dict) else {}

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@contextmanager
def hub_children() -> Iterator[list[HubChild]]:
    """Hub children started by a test, stopped even when it fails half-way."""
    started: list[HubChild] = []
    try:
        yield started
    finally:
        for hub in started:
            if hub.process.poll() is None:
                hub.stop()


class Kiosks:
    """A fleet's responses published at QoS 1, and the hub's acks to them as they arrive."""

    def __init__(self, broker: Broker, total: int, first: int | None = None) -> None:
        """Publish the first ``first`` responses now (all by default), the rest on
        :meth:`publish_rest`, so a test can be sure some arrive during its fault."""
        self.documents = [response(OFFICE, f"k{n % KIOSKS:02d}", n // KIOSKS + 1,
                                   answers={"overall": 1 + n % 5}) for n in range(total)]
        self.ids = {d["id"] for d in self.documents}
        self.watcher = RawClient(broker.url, client_id="fault-acks",
                                 subscribe=(kiosk_topic(OFFICE, "+", "ack"),))
        self.sender = RawClient(broker.url, client_id="fault-kiosks")
        self._threads: list[threading.Thread] = []
        self._rest = self.documents[total if first is None else first:]
        self._send(self.documents[:total if first is None else first])

    def publish_rest(self) -> None:
        self._send(self._rest)
        self._rest = []

    def _send(self, documents: list[dict[str, object]]) -> None:
        thread = threading.Thread(target=self._publish, args=(documents,), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _publish(self, documents: list[dict[str, object]]) -> None:
        infos = [self.sender.client.publish(kiosk_topic(OFFICE, str(d["kiosk"]), "response"),
                                            contract.encode(d), qos=1) for d in documents]
        for info in infos:
            info.wait_for_publish(PATIENCE)

    def acked(self) -> tuple[set[str], int]:
        """Ids acked so far, and how many were refused."""
        ids: set[str] = set()
        refused = 0
        for topic, payload, _ in list(self.watcher.messages):
            if topic.endswith("/ack"):
                ack = json.loads(payload)
                ids.update(ack["ids"])
                refused += len(ack["rejected"])
        return ids, refused

    def close(self) -> None:
        for thread in self._threads:
            thread.join(PATIENCE)
        self.watcher.close()
        self.sender.close()


class Ledger:
    """Reads the hub's database from outside, checking that acks never run ahead of commits."""

    def __init__(self, url: str, kiosks: Kiosks) -> None:
        self.engine = create_engine(url, pool_pre_ping=True)
        self.kiosks = kiosks

    def stored_ids(self) -> set[str] | None:
        try:
            with self.engine.connect() as conn:
                return set(conn.execute(select(t.responses.c.id)).scalars())
        except Exception:  # the database is down: nothing to compare with now
            return None

    def check(self) -> int:
        """Acked ⊆ committed, right now; returns how many are acked."""
        acked, refused = self.kiosks.acked()  # first the acks, then the rows committed before them
        stored = self.stored_ids()
        assert refused == 0
        if stored is not None:
            missing = acked - stored
            assert not missing, f"{len(missing)} acked but not committed, e.g. {sorted(missing)[:3]}"
        return len(acked)

    def all_done(self) -> bool:
        return self.check() == len(self.kiosks.ids)

    def exactly_once(self) -> None:
        with self.engine.connect() as conn:
            rows, ids = conn.execute(select(func.count(), func.count(t.responses.c.id.distinct()))
                                     .select_from(t.responses)).one()
            rolled = conn.execute(select(func.sum(t.rollup_responses.c.n))).scalar_one()
            received = conn.execute(select(func.sum(t.kiosks.c.received))).scalar_one()
            gaps = conn.execute(select(func.count()).select_from(t.kiosk_gaps)).scalar_one()
            refused = conn.execute(select(func.count()).select_from(t.rejected)).scalar_one()
        total = len(self.kiosks.ids)
        assert (rows, ids, rolled, received, gaps, refused) == (total, total, total, total, 0, 0)
        assert self.stored_ids() == self.kiosks.ids

    def close(self) -> None:
        self.engine.dispose()


def ride_out(hub: HubChild, ledger: Ledger, until: Callable[[], bool], what: str) -> None:
    """Wait for ``until`` while checking, at every poll, that the hub lives and acks only commits."""
    wait_until(lambda: hub.alive() and ledger.check() >= 0 and until(), PATIENCE, 0.2, what)


def degraded(hub: HubChild, words: str) -> bool:
    status, body = hub.health()
    return status == 503 and any(words in problem for problem in body.get("problems", ()))


def healthy(hub: HubChild) -> bool:
    status, body = hub.health()
    return status == 200 and body.get("problems") == []


@contextmanager
def durable_cluster() -> Iterator[PostgresCluster]:
    """A cluster of its own (it is stopped and started), durable like production: fsync and
    synchronous commits on, so a crash loses nothing that was committed."""
    try:
        find_bin_dir()
        available = True
    except PostgresUnavailable:
        available = False
    require("PostgreSQL", available, "sudo apt-get install -y postgresql")
    cluster = PostgresCluster(fast=False).start()
    try:
        yield cluster
    finally:
        cluster.stop()
