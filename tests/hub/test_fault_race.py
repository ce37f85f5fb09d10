"""Fault: two hub workers on one PostgreSQL database insert the same response at the same instant.

Two real ingest pipelines (each its own Store, its own connections), released together by a
barrier with the same message in hand, as when a kiosk's resend reaches the second worker of a
shared subscription while the first is still committing the original. Each round: the response
is stored once and counted once, and both workers ack it to the kiosk as stored (the loser's
ack lists the id, never as a rejection) and to the broker.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hailong import contract
from hailong.topics import kiosk_topic
from hub.ingest.ingest import Ingestor
from hub.ingest.subscriber import Message
from hub.store import Store
from hub.store import tables as t
from tests.support.faults import PATIENCE, rounds
from tests.support.hubdata import response
from tests.support.pgcluster import PostgresCluster

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class Worker:
    """One hub worker's ingest, with the acks it sent to kiosks and to the broker."""

    def __init__(self, url: str) -> None:
        self.store = Store(url)
        self.kiosk_acks: list[dict[str, object]] = []
        self.broker_acks: list[int] = []
        self.ingestor = Ingestor(self.store, timezone_of=lambda office: VN,
                                 publish=lambda topic, payload: self.kiosk_acks.append(
                                     json.loads(payload)),
                                 ack=lambda mid, qos: self.broker_acks.append(mid))


def _race(barrier: threading.Barrier, work: Callable[[], None], errors: list[BaseException]) -> None:
    try:
        barrier.wait(PATIENCE)
        work()
    except BaseException as exc:  # reported by the test, with the round
        errors.append(exc)


def test_two_workers_inserting_one_id_at_once_store_it_once_and_both_ack(
        postgres: PostgresCluster) -> None:
    url = postgres.create_database()
    Store(url).upgrade()
    workers = [Worker(url), Worker(url)]
    topic = kiosk_topic("ubnd-race", "k01", "response")
    total = rounds(1000)
    for round_ in range(total):
        document = response(office="ubnd-race", seq=round_ + 1, answers={"overall": 1 + round_ % 5})
        payload = contract.encode(document)
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        messages = [Message(topic, payload, mid=n + 1, qos=1, retain=False) for n in range(2)]
        threads = [threading.Thread(target=_race, args=(
            barrier, lambda w=w, m=m: w.ingestor.process([m]), errors))
            for w, m in zip(workers, messages, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE)
        assert not errors, f"round {round_}: {errors[0]!r}"
        for worker in workers:
            ack = worker.kiosk_acks[-1]
            assert ack == {"v": 1, "ids": [document["id"]], "rejected": []}, f"round {round_}: {ack}"
            assert len(worker.kiosk_acks) == round_ + 1 and len(worker.broker_acks) == round_ + 1
    counters = [w.ingestor.counters for w in workers]
    assert sum(c.stored for c in counters) == total
    assert sum(c.duplicates for c in counters) == total
    assert sum(c.rejected for c in counters) == 0
    store = workers[0].store
    with store.engine.connect() as conn:
        rows = conn.execute(select(func.count(), func.count(t.responses.c.id.distinct()))
                            .select_from(t.responses)).one()
        rolled = conn.execute(select(func.sum(t.rollup_responses.c.n))).scalar_one()
        kiosk = conn.execute(select(t.kiosks.c.received, t.kiosks.c.max_seq)).one()
        gaps = conn.execute(select(func.count()).select_from(t.kiosk_gaps)).scalar_one()
        refused = conn.execute(select(func.count()).select_from(t.rejected)).scalar_one()
    assert tuple(rows) == (total, total) and rolled == total
    assert tuple(kiosk) == (total, total) and gaps == 0 and refused == 0
    for worker in workers:
        worker.store.close()
