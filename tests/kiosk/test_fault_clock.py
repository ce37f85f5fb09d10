"""Fault: the kiosk's wall clock jumps (forward a day, back an hour) while responses are in flight.

The real outbox and delivery loop run round by round with an injected wall clock and monotonic
clock; what they publish goes through the real hub's ingest (SQLite), whose acks come back to
the kiosk. Promised: no resend fires early or late because of the jump (durations are
monotonic), statuses keep flowing, the response stamped a day ahead carries the hub's
``clock-skew`` flag, and every response is stored exactly once and settled on the kiosk.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hub.ingest.ingest import Ingestor
from hub.ingest.subscriber import Message
from hub.store import Store
from hub.store import tables as t
from kiosk.delivery import Delivery
from kiosk.outbox import RESEND_FIRST, Outbox

VN = ZoneInfo("Asia/Ho_Chi_Minh")
REAL = 1_795_000_000.0  # the true time when the test starts (2026-11-18, UTC)
DAY, HOUR = 86_400.0, 3_600.0


class Clocks:
    """A monotonic clock the test advances, and a wall clock that follows it plus a jump."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.jump = 0.0

    def monotonic(self) -> float:
        return 500.0 + self.elapsed

    def wall(self) -> float:
        return REAL + self.elapsed + self.jump

    def real(self) -> datetime:
        return datetime.fromtimestamp(REAL + self.elapsed, UTC)


class HubLink:
    """The delivery's Transport (the lowest layer): responses go to the real hub's ingest, whose
    acks come back to the kiosk; ``hold`` keeps messages as if the hub had not answered yet."""

    connected = True

    def __init__(self, store: Store, clocks: Clocks) -> None:
        self.delivery: Delivery | None = None
        self.sent: list[str] = []
        self.held: list[Message] = []
        self.hold = True
        self.statuses = 0
        self.ingestor = Ingestor(store, timezone_of=lambda office: VN, publish=self._ack,
                                 ack=lambda mid, qos: None, clock=clocks.real)

    def _ack(self, topic: str, payload: bytes) -> None:
        assert self.delivery is not None
        self.delivery.received(topic, payload)

    def publish(self, topic: str, payload: bytes, retain: bool = False,
                expiry: int | None = None) -> bool:
        if topic.endswith("/status"):
            self.statuses += 1
            return True
        self.sent.append(json.loads(payload)["id"])
        self.held.append(Message(topic, payload, len(self.sent), 1, False))
        if not self.hold:
            self.release()
        return True

    def release(self) -> None:
        held, self.held = self.held, []
        if held:
            self.ingestor.process(held)


def stamped(clocks: Clocks) -> Any:
    def build(seq: int) -> dict[str, Any]:
        at = datetime.fromtimestamp(clocks.wall(), UTC).astimezone(VN)  # what the kiosk believes
        return {"v": 1, "id": str(uuid.uuid4()), "seq": seq, "office": "ubnd-clock", "kiosk": "k01",
                "counter": "1", "officer": None, "receipt": None, "trigger": "tap",
                "questionnaire": "sipas@2", "lang": "vi",
                "started_at": (at - timedelta(seconds=30)).isoformat(),
                "submitted_at": at.isoformat(), "complete": True, "answers": {"overall": 4}}
    return build


def test_wall_clock_jumps_mid_delivery_fire_no_timeout_wrongly_and_lose_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clocks = Clocks()
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.upgrade()
    outbox = Outbox(f"sqlite:///{tmp_path / 'outbox.db'}")
    link = HubLink(store, clocks)
    delivery = Delivery(outbox, "ubnd-clock", "k01", status_extra=dict, clock=clocks.wall,
                        monotonic=clocks.monotonic)
    link.delivery = delivery
    delivery.transport = link

    def advance(seconds: float) -> None:
        clocks.elapsed += seconds
        delivery.step()

    def submit() -> dict[str, Any]:  # as the kiosk does: store, then wake the delivery
        document = outbox.store(stamped(clocks))
        delivery.nudge()
        return document

    on_time = submit()
    delivery.step()
    link.release()
    delivery.step()
    assert outbox.stats().depth == 0
    in_flight = submit()  # sent, and its ack is late
    advance(0.1)
    sent_at = clocks.elapsed
    assert link.sent.count(in_flight["id"]) == 1

    clocks.jump = DAY  # the wall clock leaps a day ahead
    ahead = submit()
    advance(0.5)
    assert "the wall clock jumped +86400 s" in caplog.text
    assert link.sent.count(in_flight["id"]) == 1, "a day on the wall clock fired a resend"
    assert link.sent.count(ahead["id"]) == 1

    statuses = link.statuses
    clocks.jump = -HOUR  # and falls back to an hour behind the truth
    behind = submit()
    advance(1.0)
    assert link.sent.count(behind["id"]) == 1, "a response waited for the clock to catch up"
    assert link.statuses > statuses, "statuses stopped when the clock went back"

    advance(sent_at + RESEND_FIRST - 0.1 - clocks.elapsed)  # 14.9 s after it was sent: not yet
    assert link.sent.count(in_flight["id"]) == 1
    advance(0.11)  # 15 s: its resend is due, on the monotonic clock
    assert link.sent.count(in_flight["id"]) == 2

    link.hold = False
    link.release()
    delivery.step()
    for _ in range(3):  # whatever was resent meanwhile is acked as a duplicate
        advance(RESEND_FIRST)
    stats = outbox.stats()
    assert (stats.depth, stats.rejected, stats.last_seq) == (0, 0, 4)
    ids = [on_time["id"], in_flight["id"], ahead["id"], behind["id"]]
    assert sorted(store.read.response_ids()) == sorted(ids)
    flags = stored_flags(store)
    assert flags[ahead["id"]] == "clock-skew"
    assert flags[behind["id"]] == flags[on_time["id"]] == flags[in_flight["id"]] == ""
    counters = link.ingestor.counters
    assert counters.stored == 4 and counters.rejected == 0
    assert Counter(link.sent)[in_flight["id"]] >= 2 and counters.duplicates >= 1
    outbox.close()
    store.close()


def stored_flags(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return {r.id: r.flags for r in conn.execute(select(t.responses.c.id, t.responses.c.flags))}


def test_wall_clock_jumps_mid_flow_neither_end_nor_prolong_a_citizens_flow() -> None:
    """The kiosk feeds its flow through FlowClock: a jump back an hour or forward a day while a
    citizen rates changes no time-out; back on the idle screen the wall clock rules again."""
    from hailong.questionnaire import load_catalog
    from kiosk import flow
    from kiosk.flowclock import FlowClock

    clocks = Clocks()
    wall_start = datetime.fromtimestamp(REAL, VN)
    clock = FlowClock(wall=lambda: wall_start + timedelta(seconds=clocks.elapsed + clocks.jump),
                      monotonic=lambda: clocks.elapsed)
    rules = flow.Rules(questionnaire=load_catalog()["sipas@3"])
    state = flow.initial_state(rules)
    submits: list[flow.Submit] = []

    def feed(make: Any) -> None:
        nonlocal state
        now = clock.now(idle=state.screen == "idle")
        state, effects = flow.step(state, make(now), rules)
        submits.extend(e for e in effects if isinstance(e, flow.Submit))

    feed(lambda now: flow.Start(now=now))
    clocks.elapsed += 1
    feed(lambda now: flow.Rate(5, now=now))
    clocks.jump = -HOUR  # the wall clock is set back an hour mid-flow
    clocks.elapsed += 5
    feed(lambda now: flow.Tick(now=now))
    clocks.jump = DAY  # and then forward a day: read raw, both would fire or block the time-out
    clocks.elapsed += 5
    feed(lambda now: flow.Tick(now=now))
    assert submits == [] and state.screen != "idle"  # 11 s of a 20 s time-out: still rating
    clocks.elapsed += rules.idle_timeout  # the citizen walks away
    feed(lambda now: flow.Tick(now=now))
    [walked_away] = submits
    assert walked_away.draft.answers == {"overall": 5} and not walked_away.draft.complete
    # stamped on the flow's monotonic line from its start: the hub flags the skew, nothing lost
    assert walked_away.draft.submitted_at == wall_start + timedelta(seconds=clocks.elapsed)
    while state.screen != "idle":
        clocks.elapsed += 1
        feed(lambda now: flow.Tick(now=now))
    assert clock.now(idle=True) == wall_start + timedelta(seconds=clocks.elapsed + DAY)
