"""The wire contract: what the kiosk builds passes the hub's validator; bad messages get reasons."""

from __future__ import annotations

import json
from datetime import timedelta, timezone

import msgspec
import pytest

from hailong import contract
from hailong.topics import kiosk_topic, office_topic, parse_kiosk_topic
from tests.support.kiosk import kiosk_made

VN = timezone(timedelta(hours=7))
TOPIC = parse_kiosk_topic("hailong/v1/ubnd-a/k01/response")


def test_topics_are_built_and_parsed_by_one_function() -> None:
    assert kiosk_topic("ubnd-a", "k01", "response") == "hailong/v1/ubnd-a/k01/response"
    assert office_topic("ubnd-a", "scores") == "hailong/v1/ubnd-a/scores"
    parsed = parse_kiosk_topic("hailong/v1/ubnd-a/k01/ack")
    assert parsed is not None and (parsed.office, parsed.kiosk, parsed.kind) == ("ubnd-a", "k01",
                                                                                 "ack")
    assert parse_kiosk_topic("hailong/v1/UBND/k01/response") is None
    assert parse_kiosk_topic("hailong/v2/a/b/response") is None


def test_the_kiosk_output_passes_the_hub_validator() -> None:
    document = kiosk_made()
    assert TOPIC is not None
    decoded = contract.decode_response(contract.encode(document), TOPIC)
    assert msgspec.to_builtins(decoded) == document
    assert decoded.receipt == contract.Receipt("a" * 64, "H21.65", "2022-09-14")


@pytest.mark.parametrize(("changes", "reason"), [
    ({"v": 2}, "v must be same as const definition"),
    ({"seq": 0}, "seq must be bigger than or equal to 1"),
    ({"id": "not-a-uuid"}, "id must match pattern"),
    ({"trigger": "magic"}, "trigger must be one of"),
    ({"lang": "fr"}, "lang must be one of"),
    ({"answers": {"overall": 6}}, "answers.overall must be smaller than or equal to 5"),
    ({"answers": {"overall": 0}}, "answers.overall"),
    ({"submitted_at": "yesterday"}, "submitted_at must be date-time"),
    ({"complete": "yes"}, "complete must be boolean"),
    ({"extra": 1}, "must not contain {'extra'} properties"),
])
def test_bad_fields_are_refused_with_the_field_named(changes: dict[str, object], reason: str
                                                     ) -> None:
    assert TOPIC is not None
    with pytest.raises(contract.ContractError) as caught:
        contract.decode_response(contract.encode(kiosk_made(**changes)), TOPIC)
    assert reason in caught.value.reason
    if "id" not in changes:
        assert caught.value.message_id is not None


def test_missing_field() -> None:
    document = kiosk_made()
    del document["seq"]
    assert TOPIC is not None
    with pytest.raises(contract.ContractError, match=r"must contain .*seq"):
        contract.decode_response(contract.encode(document), TOPIC)


def test_topic_and_payload_must_agree() -> None:
    other = parse_kiosk_topic("hailong/v1/ubnd-a/k02/response")
    assert other is not None
    with pytest.raises(contract.ContractError, match=r"differ from the topic \(ubnd-a/k02\)"):
        contract.decode_response(contract.encode(kiosk_made()), other)


def test_time_must_run_forwards() -> None:
    document = kiosk_made(submitted_at="2026-11-23T08:00:00+07:00")
    assert TOPIC is not None
    with pytest.raises(contract.ContractError, match="submitted_at is before started_at"):
        contract.decode_response(contract.encode(document), TOPIC)


@pytest.mark.parametrize(("payload", "reason"), [
    (b"{not json", "payload is not JSON"),
    (b"\xff\xfe\x00", "payload is not UTF-8"),
    (b"[1, 2]", "response: message must be object"),
    (json.dumps({"pad": "x" * 17000}).encode(), "over the 16384-byte limit"),
])
def test_undecodable_payloads(payload: bytes, reason: str) -> None:
    assert TOPIC is not None
    with pytest.raises(contract.ContractError) as caught:
        contract.decode_response(payload, TOPIC)
    assert reason in caught.value.reason


def test_ack_status_and_config_schemas() -> None:
    contract.validate("ack", {"v": 1, "ids": [], "rejected": [{"id": "x", "reason": "y"}]})
    contract.validate("status", {
        "v": 1, "state": "online", "version": "0.1.0", "since": "2026-11-23T08:00:00+07:00",
        "now": "2026-11-23T08:00:01+07:00", "seq": 3, "outbox": 0, "outbox_oldest": None,
        "scanner": "absent", "questionnaire": "sipas@1"})
    with pytest.raises(contract.ContractError):
        contract.validate("status", {"v": 1, "state": "sleeping"})
    contract.validate("config", {"v": 1, "version": "7", "settings": {"idle_timeout": 40}})
