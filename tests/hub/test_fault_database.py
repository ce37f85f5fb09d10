"""Fault: the hub's database goes away during an ingest (PostgreSQL restarted or down for a while,
SQLite's disk full), with the real hub as a child process, a real Mosquitto and real kiosk acks.

Promised throughout: nothing is acked that is not committed (checked again and again while it
runs: every id acked so far is in the database), the hub never exits, ``/healthz`` answers 503
and says what is wrong while it is wrong, a clear line is logged, and once the database is back
everything is stored exactly once and acked.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.store import Store
from hub.store import tables as t
from tests.support import OutputLines, RawClient, http_get, hub_settings, require, wait_until
from tests.support.faults import PATIENCE
from tests.support.hubdata import response
from tests.support.pgcluster import PostgresCluster, PostgresUnavailable, find_bin_dir

pytestmark = pytest.mark.slow

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


@pytest.fixture
def hubs() -> Iterator[list[HubChild]]:
    """Hub children started by a test, stopped even when it fails half-way."""
    started: list[HubChild] = []
    yield started
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


@pytest.fixture
def private_postgres() -> Iterator[PostgresCluster]:
    """A cluster of its own (it is stopped and started), durable like production: fsync and
    synchronous commits on, so a crash loses nothing that was committed."""
    try:
        find_bin_dir()
        available = True
    except PostgresUnavailable:
        available = False
    require("PostgreSQL", available, "sudo apt-get install -y postgresql")
    cluster = PostgresCluster(fast=False).start()
    yield cluster
    cluster.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("fault", ["restart", "outage"])
def test_postgresql_restarted_or_down_during_ingest(fault: str, tmp_path: Path, broker: Broker,
                                                    private_postgres: PostgresCluster,
                                                    hubs: list[HubChild]) -> None:
    url = private_postgres.create_database("faults")
    Store(url).upgrade()
    hub = HubChild(tmp_path / "hub", broker, url)
    hubs.append(hub)
    # Half now, half once the database is gone: some responses surely arrive during the fault.
    kiosks = Kiosks(broker, RESPONSES, first=RESPONSES // 2)
    ledger = Ledger(url, kiosks)
    ride_out(hub, ledger, lambda: ledger.check() >= RESPONSES // 5, "a fifth to be acked")
    # A crash (no checkpoint) for the restart; an orderly stop, then silence, for the outage.
    private_postgres.halt("immediate" if fault == "restart" else "fast")
    kiosks.publish_rest()
    ride_out(hub, ledger, lambda: degraded(hub, "database does not answer"), "/healthz to say so")
    if fault == "outage":
        ends = time.monotonic() + OUTAGE
        while time.monotonic() < ends:  # the fault's length, watched throughout
            assert hub.alive() and degraded(hub, "database does not answer")
            threading.Event().wait(1.0)
    acked_while_down = ledger.check()
    private_postgres.start()
    ride_out(hub, ledger, ledger.all_done, "every response to be acked")
    ride_out(hub, ledger, lambda: healthy(hub), "/healthz to recover")
    ledger.exactly_once()
    assert acked_while_down < RESPONSES
    kiosks.close()
    ledger.close()
    assert hub.stop() == 0
    assert "cannot store responses: " in hub.output.text()


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


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs of its own (root, and a kernel that lets us mount, are needed)."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    require("a small tmpfs (mount as root)", mounted.returncode == 0,
            f"run the tests as root where mounting is allowed ({mounted.stderr.strip()})")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_sqlite_disk_full_acks_nothing_unstored_and_recovers(tmp_path: Path, broker: Broker,
                                                             small_disk: Path,
                                                             hubs: list[HubChild]) -> None:
    url = f"sqlite:///{small_disk / 'hub.db'}"
    hub = HubChild(tmp_path / "hub", broker, url)
    hubs.append(hub)
    with create_engine(url).connect() as conn:  # the schema is in; now the disk fills up
        assert conn.execute(text("SELECT COUNT(*) FROM responses")).scalar_one() == 0
    ballast = fill(small_disk)
    kiosks = Kiosks(broker, RESPONSES)
    ledger = Ledger(url, kiosks)
    ride_out(hub, ledger, lambda: degraded(hub, "responses cannot be stored: database or disk "
                                                "is full"), "/healthz to report the full disk")
    assert ledger.check() < RESPONSES
    ballast.unlink()  # space returns
    ride_out(hub, ledger, ledger.all_done, "every response to be acked")
    ride_out(hub, ledger, lambda: healthy(hub), "/healthz to recover")
    ledger.exactly_once()
    kiosks.close()
    ledger.close()
    assert hub.stop() == 0
    log = hub.output.text()
    assert "cannot store responses: database or disk is full" in log, log[-3000:]
    assert "storing responses again: the database is back" in log
