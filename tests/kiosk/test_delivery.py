"""The delivery loop's status reporting: a change signalled while a status is being sent is
reported in the next status, not lost until the next minute's heartbeat."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.delivery import STATUS_MIN_GAP, Delivery
from kiosk.outbox import Outbox
from tests.support.kiosk import outbox_document


class RecordingTransport:
    """The lowest layer only: what would go to the broker is kept in a list."""

    connected = True

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, payload: bytes, retain: bool = False,
                expiry: int | None = None) -> bool:
        self.sent.append((topic, json.loads(payload)))
        return True


def test_a_change_signalled_while_a_status_is_read_goes_out_in_the_next_one(
        tmp_path: Path) -> None:
    clock = [1000.0]
    config = {"state": "pending"}
    delivery: Delivery

    def extra() -> dict[str, Any]:
        reported = dict(config)
        if config["state"] == "pending":
            # The UI thread applies the pushed config just after this status was read.
            config["state"] = "applied"
            delivery.nudge()
        return {"config": {"version": "v7", **reported, "error": None}}

    delivery = Delivery(Outbox(f"sqlite:///{tmp_path / 'outbox.db'}"), "o", "k", extra,
                        clock=lambda: clock[0])
    transport = RecordingTransport()
    delivery.transport = transport
    delivery.step()
    clock[0] += STATUS_MIN_GAP / 2
    delivery.step()  # inside the minimum gap: nothing yet
    clock[0] += STATUS_MIN_GAP
    delivery.step()
    states = [doc["config"]["state"] for topic, doc in transport.sent if topic.endswith("/status")]
    assert states == ["pending", "applied"]


def test_a_frame_that_never_ends_does_not_stall_delivery(tmp_path: Path) -> None:
    """While the screen draws (its event cleared) delivery waits at each checkpoint, at most
    GIVE_WAY_MAX: every due response still goes out, in order."""
    import threading

    from kiosk.delivery import PUBLISH_CHUNK

    outbox = Outbox(f"sqlite:///{tmp_path / 'outbox.db'}")
    for _ in range(PUBLISH_CHUNK * 2 + 1):
        outbox.store(outbox_document)
    screen_idle = threading.Event()  # cleared: a frame is being drawn, and never ends
    delivery = Delivery(outbox, "o", "k", dict, screen_idle=screen_idle)
    transport = RecordingTransport()
    delivery.transport = transport
    delivery.step()
    sent = [doc["seq"] for topic, doc in transport.sent if topic.endswith("/response")]
    assert sent == list(range(1, PUBLISH_CHUNK * 2 + 2))
