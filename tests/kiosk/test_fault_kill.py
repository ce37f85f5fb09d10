"""Fault: the kiosk killed (SIGKILL) at random moments inside Outbox.store and the delivery loop.

Each round starts a child process that opens the outbox file left by the previous round, runs
the real delivery loop against a hub that acks most responses at once, and stores responses as
fast as it can, noting each one's thank-you (the moment the screen would thank the citizen)
in a side file. After a seeded random delay the child is killed. Then the file must open clean,
every thanked response must be in it exactly once with the seq it was thanked with, and the
seqs must run 1..N with no gap or reuse.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hailong import contract
from hailong.topics import kiosk_topic, parse_kiosk_topic
from tests.support.faults import PATIENCE, rounds

pytestmark = pytest.mark.slow

SEED = 18_2026
# Kill within this many seconds of the child being ready: long enough for dozens of stores and
# delivery rounds, so the kill lands anywhere among them.
KILL_WITHIN = 0.25
OFFICE, KIOSK = "ubnd-kill", "k01"


def _document(seq: int) -> dict[str, Any]:
    at = datetime.now(UTC)
    return {"v": 1, "id": str(uuid.uuid4()), "seq": seq, "office": OFFICE, "kiosk": KIOSK,
            "counter": "1", "officer": None, "receipt": None, "trigger": "tap",
            "questionnaire": "sipas@2", "lang": "vi",
            "started_at": (at - timedelta(seconds=20)).isoformat(),
            "submitted_at": at.isoformat(), "complete": True, "answers": {"overall": 1 + seq % 5}}


class _AckingHub:
    """The delivery's Transport: a hub that acks four responses in five at once (the rest stay
    pending and are resent in a later round)."""

    connected = True

    def __init__(self, seed: int) -> None:
        self.delivery: Any = None
        self._rng = random.Random(seed)

    def publish(self, topic: str, payload: bytes, retain: bool = False,
                expiry: int | None = None) -> bool:
        parsed = parse_kiosk_topic(topic)
        if parsed is not None and parsed.kind == "response" and self._rng.random() < 0.8:
            ack = {"v": 1, "ids": [json.loads(payload)["id"]], "rejected": []}
            self.delivery.received(kiosk_topic(OFFICE, KIOSK, "ack"), contract.encode(ack))
        return True


def kiosk_child(database: str, thanks: str, seed: int, ready: Any) -> None:
    """Store responses and deliver them until killed; each thank-you is a line in ``thanks``."""
    from kiosk.delivery import Delivery
    from kiosk.outbox import Outbox

    outbox = Outbox(f"sqlite:///{database}")
    hub = _AckingHub(seed)
    delivery = Delivery(outbox, OFFICE, KIOSK, status_extra=dict)
    hub.delivery = delivery
    delivery.start(hub)
    log = os.open(thanks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    ready.set()
    while True:
        document = outbox.store(_document)
        os.write(log, f"{document['seq']} {document['id']}\n".encode())  # the thank-you
        delivery.nudge()


def check_outbox(database: Path, thanks: Path) -> tuple[int, int]:
    """The invariants after a kill; returns (responses stored, thank-yous shown)."""
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        last = conn.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
        rows = conn.execute("SELECT seq, id, payload FROM responses ORDER BY seq").fetchall()
    assert [seq for seq, _, _ in rows] == list(range(1, last + 1)), "a gap in the seqs"
    for seq, rid, payload in rows:
        document = json.loads(payload)
        contract.validate("response", document)
        assert (document["seq"], document["id"]) == (seq, rid)
    stored = {rid: seq for seq, rid, _ in rows}
    lines = [line.split() for line in thanks.read_text().splitlines()] if thanks.exists() else []
    thanked = [(int(seq), rid) for seq, rid in lines]
    assert len({seq for seq, _ in thanked}) == len(thanked), "a seq was thanked twice"
    for seq, rid in thanked:
        assert stored.get(rid) == seq, f"thanked response {rid} (seq {seq}) is missing"
    return len(rows), len(thanked)


def test_sigkill_inside_store_and_delivery_loses_nothing_thanked(tmp_path: Path) -> None:
    context = mp.get_context("forkserver")
    # The children fork from a server that has already imported the kiosk: a round costs a
    # fork, not an interpreter start.
    context.set_forkserver_preload(["kiosk.outbox", "kiosk.delivery", __name__])
    database, thanks = tmp_path / "outbox.db", tmp_path / "thanks.txt"
    rng = random.Random(SEED)
    total = rounds(200)
    growth = 0
    previous = 0
    for round_ in range(total):
        ready = context.Event()
        child = context.Process(target=kiosk_child,
                                args=(str(database), str(thanks), SEED + round_, ready))
        child.start()
        try:
            assert ready.wait(PATIENCE), f"round {round_}: the kiosk did not start"
            child.join(rng.uniform(0, KILL_WITHIN))  # the fault's timing: a seeded random delay
        finally:
            child.kill()
            child.join(PATIENCE)
        assert child.exitcode == -9, f"round {round_}: the kiosk ended by itself ({child.exitcode})"
        stored, _ = check_outbox(database, thanks)
        growth += stored > previous
        previous = stored
    stored, thanked = check_outbox(database, thanks)
    assert thanked >= total, "too few thank-yous: the kills did not land among the stores"
    assert growth >= total // 2, "most kills landed before the kiosk stored anything"
    assert stored >= thanked
