"""Responses and statuses for the hub's tests, as a kiosk would send them."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hailong import contract
from hailong.topics import kiosk_topic
from hub.store import Accepted, StatusUpdate

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Ho Chi Minh City


def response(office: str = "ubnd-a", kiosk: str = "k01", seq: int = 1, *,
             answers: dict[str, Any] | None = None, counter: str = "1",
             officer: str | None = None, at: datetime | None = None, rid: str | None = None,
             receipt: dict[str, Any] | None = None, complete: bool = True,
             questionnaire: str = "sipas@1", trigger: str = "tap", overall: int = 4
             ) -> dict[str, Any]:
    """A valid response; ``answers`` (default: only ``overall``) replaces all the answers."""
    at = at or datetime.now(UTC)
    return {"v": 1, "id": rid or str(uuid.uuid4()), "seq": seq, "office": office,
            "kiosk": kiosk, "counter": counter, "officer": officer, "receipt": receipt,
            "trigger": trigger, "questionnaire": questionnaire, "lang": "vi",
            "started_at": (at - timedelta(seconds=30)).isoformat(),
            "submitted_at": at.isoformat(), "complete": complete,
            "answers": {"overall": overall} if answers is None else answers}


def accepted(document: dict[str, Any], day: date | None = None, flags: tuple[str, ...] = (),
             received_at: datetime = NOW) -> Accepted:
    payload = contract.encode(document)
    return Accepted(topic=kiosk_topic(document["office"], document["kiosk"], "response"),
                    payload=payload, response=contract.decode_response(payload),
                    digest=hashlib.sha256(payload).hexdigest(), received_at=received_at,
                    day=day or date(2026, 11, 23), flags=flags)


def status(office: str = "ubnd-a", kiosk: str = "k01", *, state: str = "online", seq: int = 0,
           outbox: int = 0, oldest: datetime | None = None, clock_offset: float = 0.0,
           at: datetime = NOW) -> dict[str, Any]:
    return {"v": 1, "state": state, "version": "0.1.0", "since": at.isoformat(),
            "now": (at + timedelta(seconds=clock_offset)).isoformat(), "seq": seq,
            "outbox": outbox, "outbox_oldest": oldest.isoformat() if oldest else None,
            "scanner": "ok", "questionnaire": "sipas@1"}


def status_update(document: dict[str, Any], office: str = "ubnd-a", kiosk: str = "k01",
                  at: datetime = NOW) -> StatusUpdate:
    return StatusUpdate(office, kiosk, contract.decode_status(contract.encode(document)), at)


def bad_payloads(rng: random.Random, count: int) -> list[tuple[bytes, str]]:
    """Generated malformed responses, each with what must appear in its recorded reason."""
    good = contract.encode(response())
    bad: list[tuple[bytes, str]] = []
    fields = list(response())
    for index in range(count):
        document: dict[str, Any] = response(seq=index + 1)
        kind = index % 8
        if kind == 0:
            bad.append((good[: rng.randrange(1, len(good) - 1)], "not JSON"))
        elif kind == 1:
            del document[rng.choice(fields)]
            bad.append((contract.encode(document), "response: message must contain"))
        elif kind == 2:
            key = rng.choice(["seq", "complete", "counter", "lang", "trigger", "v"])
            document[key] = rng.choice([None, [], {}, "x" * 70, -5, 1.5])
            bad.append((contract.encode(document), f"response: {key}"))
        elif kind == 3:
            document["answers"] = {"overall": rng.choice([0, 6, 2.5, "5", None, [1]])}
            bad.append((contract.encode(document), "response: answers.overall"))
        elif kind == 4:
            bad.append((bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))), ""))
        elif kind == 5:
            document["submitted_at"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            bad.append((contract.encode(document), "submitted_at is before started_at"))
        elif kind == 6:
            document["extra"] = 1
            bad.append((contract.encode(document), "must not contain"))
        else:
            bad.append((json.dumps([document]).encode(), "response: message must be object"))
    return bad
