"""Fault: the hub's database goes away during an ingest (PostgreSQL restarted or down for a while,
SQLite's disk full), with the real hub as a child process, a real Mosquitto and real kiosk acks.

Promised throughout: nothing is acked that is not committed (checked again and again while it
runs: every id acked so far is in the database), the hub never exits, ``/healthz`` answers 503
and says what is wrong while it is wrong, a clear line is logged, and once the database is back
everything is stored exactly once and acked.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hailong.broker import Broker
from hub.store import Store
from tests.support.faults import (
    OUTAGE,
    RESPONSES,
    HubChild,
    Kiosks,
    Ledger,
    degraded,
    fill,
    healthy,
    ride_out,
)
from tests.support.pgcluster import PostgresCluster

pytestmark = pytest.mark.slow

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
