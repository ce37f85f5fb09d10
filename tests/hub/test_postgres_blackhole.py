"""Fault: the hub's PostgreSQL becomes unreachable without refusing (a network path that drops
packets) during an ingest, with the real hub as a child process, a real Mosquitto and real acks.

The hub reaches its database through a stalling TCP proxy on loopback (tests/stall_proxy.py);
told to blackhole, the proxy answers nothing and refuses nothing. Promised: nothing is acked
that is not committed (checked at every poll, reading the database directly, not through the
proxy), the hub never exits, ``/healthz`` answers within a bound with 503 and "database does not
answer", and once the path is back everything is stored and acked exactly once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hailong.broker import Broker
from hub.store import Store
from hub.store.probe import PROBE_WAIT
from tests.support.faults import (
    OUTAGE,
    RESPONSES,
    HubChild,
    Kiosks,
    Ledger,
    degraded,
    healthy,
    ride_out,
)
from tests.support.pgcluster import PostgresCluster
from tests.support.stall_proxy import StallingProxy

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# /healthz must answer well within a monitor's patience while the database hangs; the probe
# itself waits PROBE_WAIT. Loose on purpose: a loaded 2-core machine, not a timing target.
HEALTH_BOUND = PROBE_WAIT + 20.0


def answers_within_bound(hub: HubChild) -> bool:
    """/healthz answered in time, with 503 and the database named as the problem."""
    began = time.monotonic()
    said_so = degraded(hub, "database does not answer")
    took = time.monotonic() - began
    assert took < HEALTH_BOUND, f"/healthz took {took:.1f} s while the database hung"
    return said_so


def test_postgresql_unreachable_without_refusing_acks_nothing_uncommitted_and_recovers(
        tmp_path: Path, broker: Broker, private_postgres: PostgresCluster,
        hubs: list[HubChild]) -> None:
    direct = private_postgres.create_database("blackhole")
    Store(direct).upgrade()
    proxy = StallingProxy(private_postgres.port)
    try:
        proxied = direct.replace(f":{private_postgres.port}/", f":{proxy.port}/")
        assert proxied != direct
        hub = HubChild(tmp_path / "hub", broker, proxied)
        hubs.append(hub)
        kiosks = Kiosks(broker, RESPONSES, first=RESPONSES // 2)
        ledger = Ledger(direct, kiosks)
        ride_out(hub, ledger, lambda: ledger.check() >= RESPONSES // 5, "a fifth to be acked")
        assert proxy.connections > 0  # the hub's database traffic goes through the proxy
        proxy.blackhole()
        kiosks.publish_rest()
        ride_out(hub, ledger, lambda: answers_within_bound(hub), "/healthz to say so")
        ends = time.monotonic() + OUTAGE
        while time.monotonic() < ends:  # the fault's length, watched throughout
            assert hub.alive() and ledger.check() >= 0 and answers_within_bound(hub)
            threading.Event().wait(1.0)
        acked_while_cut_off = ledger.check()
        proxy.restore()
        ride_out(hub, ledger, ledger.all_done, "every response to be acked")
        ride_out(hub, ledger, lambda: healthy(hub), "/healthz to recover")
        ledger.exactly_once()
        assert acked_while_cut_off < RESPONSES
        kiosks.close()
        ledger.close()
        assert hub.stop() == 0
    finally:
        proxy.close()
