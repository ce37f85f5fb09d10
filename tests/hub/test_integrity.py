"""Integrity answers reach the hub only as counts: never in the response row that holds the
receipt hash, counter, officer and time, nor in the rejected-message store (a real Mosquitto, a
real hub, and the database read back after ingest); sipas@2 responses are still stored."""

from __future__ import annotations

import json

from sqlalchemy import select

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.store import Store, integrity
from hub.store import tables as t
from tests.support import RawClient, RunningHub, wait_until
from tests.support.hubdata import response

RECEIPT = {"h": "e" * 64, "unit": "H21.65", "date": "2026-11-23"}


def test_integrity_answers_are_kept_only_as_counts(broker: Broker, db_hub: RunningHub,
                                                   database_url: str) -> None:
    kiosk = RawClient(broker.url, client_id="integrity-kiosk")
    topic = kiosk_topic("ubnd-a", "k01", "response")
    told = response(seq=1, questionnaire="sipas@3", officer="cb-017", receipt=RECEIPT,
                    answers={"overall": 2, "integrity-harassment": ["yes"],
                             "integrity-payment": ["decline"]})
    second = response(seq=2, questionnaire="sipas@3",
                      answers={"overall": 5, "integrity-harassment": ["no"],
                               "integrity-payment": ["yes"]})
    # refused (three needs), yet carrying integrity answers: the rejected store must not keep them
    refused = response(seq=3, questionnaire="sipas@3",
                       answers={"overall": 3, "needs": ["fees", "other", "shorter-wait"],
                                "integrity-payment": ["yes"]})
    older = response(seq=4, questionnaire="sipas@2", answers={"overall": 4, "needs": ["fees"]})
    messages = [(topic, contract.encode(d)) for d in (told, second, refused, older)]
    messages.append((topic, contract.encode(told)))  # a resend is counted once
    for payload in messages:
        kiosk.client.publish(*payload, qos=1).wait_for_publish(10)
    wait_until(lambda: db_hub.hub.ingestor.counters.settled == 5, message="all five")
    kiosk.close()
    store = Store(database_url)
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.responses)).mappings().all()
        rejected = conn.execute(select(t.rejected)).mappings().all()
        counts = conn.execute(select(t.integrity_counts)).mappings().all()
    store.close()
    assert sorted(r["id"] for r in rows) == sorted([told["id"], second["id"], older["id"]])
    for row in rows:
        stored = " ".join(str(v) for v in row.values())
        assert "integrity" not in stored and "decline" not in stored
        assert set(json.loads(row["answers"])) <= {"overall", "needs"}
    row = next(r for r in rows if r["id"] == told["id"])
    assert row["receipt_h"] == RECEIPT["h"] and row["officer"] == "cb-017"  # the rest is kept
    [refusal] = rejected
    assert refusal["reason"].startswith("too many choices")
    assert b"integrity" not in refusal["payload"] and refused["id"].encode() in refusal["payload"]
    tallies = {(c["question"], c["answer"]): c["n"] for c in counts}
    assert tallies == {("integrity-harassment", "yes"): 1, ("integrity-harassment", "no"): 1,
                       ("integrity-payment", "decline"): 1, ("integrity-payment", "yes"): 1}
    assert {c["office"] for c in counts} == {"ubnd-a"}
    assert {c["channel"] for c in counts} == {"kiosk"}
    assert set(counts[0]) == {"office", "day", "channel", "question", "answer", "n"}
    _, scores = db_hub.get("/api/v1/offices/ubnd-a/scores")
    assert scores["responses"] == 3  # sipas@2 and sipas@3 alike


def test_redact_keeps_what_is_not_an_integrity_answer() -> None:
    sensitive = frozenset({"integrity-harassment"})
    doc = response(answers={"overall": 3, "integrity-harassment": ["yes"]})
    cleaned = json.loads(integrity.redact(contract.encode(doc), sensitive))
    assert cleaned["answers"] == {"overall": 3} and cleaned["id"] == doc["id"]
    assert integrity.redact(b"\xff integrity-payment", sensitive) == integrity.WITHHELD_PAYLOAD
    plain = contract.encode(response(answers={"overall": 3}))
    assert integrity.redact(plain, sensitive) == plain
