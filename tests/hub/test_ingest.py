"""Ingest over a real Mosquitto into SQLite and PostgreSQL: races, kills, broker restarts, fuzz."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic, office_topic
from hub.store import Store
from hub.store import tables as t
from tests.support import (
    PATIENCE,
    RawClient,
    RunningHub,
    http_get,
    hub_process,
    hub_settings,
    port_open,
    wait_until,
)
from tests.support.hubdata import bad_payloads, response, status


def publish_all(client: RawClient, messages: list[tuple[str, bytes]], timeout: float = 60) -> None:
    infos = [client.client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(timeout)


def consistent(url: str) -> tuple[int, int]:
    """Rows and the responses the rollups count: equal when nothing is lost or counted twice."""
    store = Store(url)
    with store.engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(t.responses)).scalar_one()
        rolled = conn.execute(select(func.coalesce(func.sum(t.rollup_responses.c.n), 0))).scalar_one()
        answers = conn.execute(select(func.coalesce(func.sum(t.rollup_ratings.c.n), 0))).scalar_one()
        received = conn.execute(select(func.coalesce(func.sum(t.kiosks.c.received), 0))).scalar_one()
    store.close()
    assert rolled == rows and received == rows
    assert answers >= rows  # every test response answers at least one rating question
    return int(rows), int(rolled)


def test_publishers_racing_the_same_ids_store_each_once(broker: Broker, db_hub: RunningHub,
                                                        database_url: str) -> None:
    documents = [response(kiosk=f"k{i % 4}", seq=i // 4 + 1, answers={"overall": 1 + i % 5})
                 for i in range(200)]
    same = [(kiosk_topic("ubnd-a", d["kiosk"], "response"), contract.encode(d)) for d in documents]
    clashing = [(topic, contract.encode({**d, "answers": {"overall": 1, "access": 1}}))
                for (topic, _), d in zip(same[:40], documents[:40], strict=True)]
    watcher = RawClient(broker.url, subscribe=(kiosk_topic("ubnd-a", "+", "ack"),))
    clients = [RawClient(broker.url, client_id=f"racer-{i}") for i in range(4)]
    loads = [list(same) for _ in range(3)] + [clashing + same[40:]]
    for load in loads:
        random.Random(len(load)).shuffle(load)
    threads = [threading.Thread(target=publish_all, args=(c, load)) for c, load in
               zip(clients, loads, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    counters = db_hub.hub.ingestor.counters
    wait_until(lambda: counters.settled == 800, 60, message="all 800 copies")
    assert counters.stored == 200
    assert counters.duplicates + counters.rejected == 600
    # Of each clashing id, whichever content came first is kept: the others are refused (one
    # clash when the original won, the three originals when the clash won).
    store = Store(database_url)
    with store.engine.connect() as conn:
        kept = dict(conn.execute(select(t.responses.c.id, t.responses.c.digest)).all())
    store.close()
    originals_won = sum(kept[d["id"]] == hashlib.sha256(payload).hexdigest()
                        for (_, payload), d in zip(same[:40], documents[:40], strict=True))
    assert counters.rejected == originals_won + 3 * (40 - originals_won)
    consistent_rows = consistent(database_url)
    assert consistent_rows[0] == 200
    acked: set[str] = set()
    refused: set[str] = set()
    def acks_cover_everything() -> bool:
        for _, payload, _ in list(watcher.messages):
            ack = json.loads(payload)
            acked.update(ack["ids"])
            refused.update(r["id"] for r in ack["rejected"])
        # the refusals come in acks of their own batches, maybe after every id was acked
        return acked == {d["id"] for d in documents} and len(refused) >= 40
    wait_until(acks_cover_everything, message="every id acked and every clash refused")
    # a refused copy never un-acks the kept one
    assert refused <= acked and refused == {d["id"] for d in documents[:40]}
    for client in (*clients, watcher):
        client.close()


def test_two_hub_workers_share_the_load_without_double_counting(
        tmp_path: Path, broker: Broker, database_url: str) -> None:
    workers = [RunningHub(hub_settings(tmp_path / f"w{i}", broker.url, database_url=database_url,
                                       client_id=f"hub-worker-{i}", hub='shared_group = "hubs"'))
               for i in range(2)]
    try:
        client = RawClient(broker.url, client_id="many")
        documents = [response(kiosk=f"k{i % 7}", seq=i // 7 + 1) for i in range(700)]
        messages = [(kiosk_topic("ubnd-a", d["kiosk"], "response"), contract.encode(d))
                    for d in documents]
        publish_all(client, messages + messages[:100])  # and 100 resent
        wait_until(lambda: sum(w.hub.ingestor.counters.settled for w in workers) == 800, 60,
                   message="800 messages across the workers")
        shares = [w.hub.ingestor.counters.received for w in workers]
        assert all(share > 0 for share in shares), shares
        assert sum(w.hub.ingestor.counters.stored for w in workers) == 700
        assert consistent(database_url) == (700, 700)
        store = Store(database_url)
        assert store.read.gaps("ubnd-a") == []
        assert {k["max_seq"] for k in store.read.kiosks("ubnd-a")} == {100}
        store.close()
        client.close()
    finally:
        for worker in workers:
            worker.stop()


def test_a_hub_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
        tmp_path: Path, broker: Broker, database_url: str) -> None:
    settings = hub_settings(tmp_path, broker.url, database_url=database_url,
                            client_id="hub-killed")
    process = hub_process(tmp_path / "hub.toml")
    url = f"http://127.0.0.1:{settings.http.port}"
    wait_until(lambda: port_open(settings.http.port), 30, message="the hub")
    wait_until(lambda: http_get(url + "/healthz")[1].get("mqtt"), message="MQTT")
    client = RawClient(broker.url, client_id="flood")
    documents = [response(kiosk=f"k{i % 10}", seq=i // 10 + 1) for i in range(3000)]
    infos = [client.client.publish(kiosk_topic("ubnd-a", d["kiosk"], "response"),
                                   contract.encode(d), qos=1) for d in documents]
    store = Store(database_url)
    try:
        wait_until(lambda: store.read.response_count_all() > 0, 30, interval=0.01,
                   message="the first batch")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        stored_before = store.read.response_count_all()
        for info in infos:
            info.wait_for_publish(30)
        process = hub_process(tmp_path / "hub.toml")
        wait_until(lambda: store.read.response_count_all() == 3000, 60,
                   message=f"all 3000 (had {stored_before} when killed)")
        assert stored_before < 3000, "the kill came too late to test anything"
        assert consistent(database_url) == (3000, 3000)
        assert store.read.gaps("ubnd-a") == []
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(PATIENCE)
        store.close()
        client.close()


def test_a_broker_restart_during_ingest_loses_nothing(broker: Broker, db_hub: RunningHub,
                                                      database_url: str) -> None:
    client = RawClient(broker.url, client_id="steady")
    first = [response(kiosk="k1", seq=i + 1) for i in range(500)]
    publish_all(client, [(kiosk_topic("ubnd-a", "k1", "response"), contract.encode(d))
                         for d in first])
    connections = db_hub.hub.subscriber.connections
    broker.restart()
    wait_until(lambda: db_hub.hub.subscriber.connections > connections
               and db_hub.hub.subscriber.connected, message="the hub to reconnect")
    second = RawClient(broker.url, client_id="after")
    more = [response(kiosk="k1", seq=i + 501) for i in range(500)]
    publish_all(second, [(kiosk_topic("ubnd-a", "k1", "response"), contract.encode(d))
                         for d in more])
    store = Store(database_url)
    wait_until(lambda: store.read.response_count_all() == 1000, 60, message="all 1000")
    store.close()
    assert consistent(database_url) == (1000, 1000)
    second.close()


def test_hundreds_of_malformed_payloads_are_each_recorded_and_the_hub_stays_up(
        broker: Broker, db_hub: RunningHub) -> None:
    bad = bad_payloads(random.Random(5), 320)
    client = RawClient(broker.url, client_id="fuzzer")
    topic = kiosk_topic("ubnd-a", "k01", "response")
    good = response(seq=999)
    publish_all(client, [(topic, contract.encode(good))])  # the kiosk is known from here on
    wait_until(lambda: db_hub.hub.ingestor.counters.settled == 1, 30, message="the good one")
    publish_all(client, [(topic, payload) for payload, _ in bad])
    wait_until(lambda: db_hub.hub.ingestor.counters.settled == 321, 30, message="all 321")
    assert db_hub.hub.ingestor.counters.rejected == 320
    assert db_hub.hub.store.read.response_ids() == [good["id"]]
    status_code, listing = db_hub.get("/api/v1/rejected?limit=1000")
    assert status_code == 200 and listing["total"] == 320
    reasons = [item["reason"] for item in reversed(listing["items"])]
    for (_, expected), reason in zip(bad, reasons, strict=True):
        assert reason and expected in reason, (expected, reason)
    assert db_hub.get("/healthz")[0] == 200
    kiosk = db_hub.hub.store.read.kiosks("ubnd-a")[0]
    assert kiosk["rejected"] == 320
    client.close()


def test_flags_live_scores_and_alerts_over_mqtt(broker: Broker, db_hub: RunningHub) -> None:
    watcher = RawClient(broker.url, subscribe=(office_topic("ubnd-a", "scores"),
                                               office_topic("ubnd-a", "alerts")))
    client = RawClient(broker.url, client_id="low-ratings")
    topic = kiosk_topic("ubnd-a", "k01", "response")
    now = datetime.now(UTC)
    documents = [response(seq=i + 1, answers={"overall": v}, at=now - timedelta(minutes=4 - i))
                 for i, v in enumerate((1, 2, 4, 1))]
    publish_all(client, [(topic, contract.encode(d)) for d in documents])
    alert = json.loads(wait_until(lambda: watcher.received(office_topic("ubnd-a", "alerts")),
                                  message="an alert")[0])
    assert (alert["office"], alert["counter"], alert["n"], alert["low"]) == ("ubnd-a", "1", 4, 3)
    contract.validate("alert", alert)
    more = [response(seq=5, answers={"overall": 5, "mystery": 3}),
            response(seq=6, at=now + timedelta(hours=3))]  # the kiosk's clock is ahead
    publish_all(client, [(topic, contract.encode(d)) for d in more])

    def latest_scores() -> dict[str, Any] | None:
        received = watcher.received(office_topic("ubnd-a", "scores"))
        document = json.loads(received[-1]) if received else None
        return document if document and document["responses"] == 6 else None
    scores = wait_until(latest_scores, message="scores of all six")
    assert scores["flags"] == {"clock_skew": 1, "no_transaction": 0, "unknown_questions": 1}
    assert scores["questions"]["mystery"]["n"] == 1  # an unknown question is kept and counted
    contract.validate("scores", scores)
    publish_all(client, [(kiosk_topic("ubnd-a", "k01", "status"),
                          contract.encode(status(seq=9, outbox=3)))])
    kiosk = wait_until(lambda: (lambda k: k if k["last_created"] == 9 else None)(
        db_hub.get("/api/v1/offices/ubnd-a/kiosks")[1]["kiosks"][0]), message="the status")
    assert kiosk["missing"] == 3 and kiosk["outbox"] == 3
    watcher.close()
    client.close()


def test_a_needs_answer_with_more_than_two_choices_is_refused_with_its_reason(
        broker: Broker, db_hub: RunningHub) -> None:
    kiosk = RawClient(broker.url, client_id="needs-kiosk",
                      subscribe=(kiosk_topic("ubnd-a", "k01", "ack"),))
    topic = kiosk_topic("ubnd-a", "k01", "response")
    two = response(seq=1, questionnaire="sipas@2",
                   answers={"overall": 4, "needs": ["shorter-wait", "online-filing"]})
    three = response(seq=2, questionnaire="sipas@2",
                     answers={"overall": 4, "needs": ["shorter-wait", "fees", "other"]})
    older = response(seq=3, questionnaire="sipas@1", answers={"overall": 5, "access": 4})
    publish_all(kiosk, [(topic, contract.encode(d)) for d in (two, three, older)])
    wait_until(lambda: db_hub.hub.ingestor.counters.settled == 3, message="all three")
    assert sorted(db_hub.hub.store.read.response_ids()) == sorted([two["id"], older["id"]])
    reason = "too many choices: answers.needs has 3, sipas@2 allows at most 2"
    _, listing = db_hub.get("/api/v1/rejected?limit=10")
    assert [item["reason"] for item in listing["items"]] == [reason]
    def refused() -> list[dict[str, str]]:
        acks = [json.loads(p) for p in kiosk.received(kiosk_topic("ubnd-a", "k01", "ack"))]
        return [r for a in acks for r in a["rejected"]]
    assert wait_until(refused, message="the ack") == [{"id": three["id"], "reason": reason}]
    # sipas@1 (archived) is still known: its response carries no unknown-questionnaire flag
    _, scores = db_hub.get("/api/v1/offices/ubnd-a/scores")
    assert scores["flags"]["unknown_questions"] == 0 and scores["responses"] == 2
    kiosk.close()
