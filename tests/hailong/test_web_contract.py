"""The web channel's wire contract: link-request, link and rated messages, their topics."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from hailong import contract
from hailong.topics import kiosk_topic, office_filter, office_topic, parse_kiosk_topic, parse_office_topic

H = "ab" * 32
REQUEST = str(uuid.UUID(int=7))


def test_the_web_topics_are_built_and_parsed_by_the_one_module() -> None:
    assert kiosk_topic("ubnd-a", "k01", "link-request") == "hailong/v1/ubnd-a/k01/link-request"
    assert kiosk_topic("ubnd-a", "k01", "link") == "hailong/v1/ubnd-a/k01/link"
    assert office_topic("ubnd-a", "rated") == "hailong/v1/ubnd-a/rated"
    assert office_filter("rated") == "hailong/v1/+/rated"
    parsed = parse_kiosk_topic("hailong/v1/ubnd-a/k01/link-request")
    assert parsed is not None and (parsed.office, parsed.kiosk, parsed.kind) == (
        "ubnd-a", "k01", "link-request")
    office = parse_office_topic("hailong/v1/ubnd-a/rated")
    assert office is not None and (office.office, office.kind) == ("ubnd-a", "rated")
    assert parse_office_topic("hailong/v1/ubnd-a/k01/rated") is None
    assert parse_kiosk_topic("hailong/v1/ubnd-a/k01/links") is None


def test_a_link_request_round_trips_with_and_without_stage() -> None:
    payload = contract.link_request_message(REQUEST, "Quầy 3", H, "result")
    request = contract.decode_link_request(payload)
    assert (request.request, request.counter, request.h, request.stage) == (
        REQUEST, "Quầy 3", H, "result")
    bare = contract.decode_link_request(contract.link_request_message(REQUEST, "1", H, None))
    assert bare.stage is contract.UNSET
    assert "stage" not in json.loads(contract.link_request_message(REQUEST, "1", H, None))


@pytest.mark.parametrize(("document", "reason"), [
    ({"v": 1, "request": REQUEST, "counter": "1", "h": "XYZ"}, "h must match pattern"),
    ({"v": 1, "request": "nope", "counter": "1", "h": H}, "request must match pattern"),
    ({"v": 1, "request": REQUEST, "counter": "1", "h": H, "stage": "later"}, "stage must be one"),
    ({"v": 1, "request": REQUEST, "h": H}, "must contain ['counter']"),
    ({"v": 1, "request": REQUEST, "counter": "1", "h": H, "code": "H21-1"}, "must not contain"),
])
def test_a_bad_link_request_is_refused_with_a_reason(document: dict[str, object],
                                                     reason: str) -> None:
    with pytest.raises(contract.ContractError, match="link-request") as refused:
        contract.decode_link_request(json.dumps(document).encode())
    assert reason in refused.value.reason


def test_a_link_carries_either_a_url_or_an_error() -> None:
    expires = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    link = contract.decode_link(contract.link_message(REQUEST, "https://hub.example/r/x",
                                                      expires))
    assert (link.url, link.expires, link.error) == (
        "https://hub.example/r/x", "2027-01-02T03:04:05+00:00", contract.UNSET)
    refused = contract.decode_link(contract.link_error_message(REQUEST, "already-rated",
                                                               "rated at the kiosk"))
    assert (refused.error, refused.reason, refused.url) == ("already-rated", "rated at the kiosk",
                                                            contract.UNSET)
    both = {"v": 1, "request": REQUEST, "url": "https://x/r/y", "expires": "2027-01-02T03:04:05Z",
            "error": "refused", "reason": "r"}
    with pytest.raises(contract.ContractError):
        contract.decode_link(json.dumps(both).encode())
    with pytest.raises(contract.ContractError):
        contract.decode_link(json.dumps({"v": 1, "request": REQUEST}).encode())


def test_rated_names_the_hash_and_the_stage() -> None:
    rated = contract.decode_rated(contract.rated_message(H, "receive"))
    assert (rated.h, rated.stage) == (H, "receive")
    assert contract.decode_rated(contract.rated_message(H, None)).stage is contract.UNSET
    with pytest.raises(contract.ContractError, match="rated"):
        contract.decode_rated(b'{"v":1,"h":"short"}')


def test_the_trigger_web_is_part_of_the_response_contract() -> None:
    contract.validate("response", {
        "v": 1, "id": REQUEST, "seq": 1, "office": "ubnd-a", "kiosk": "web", "counter": "1",
        "officer": None, "receipt": None, "trigger": "web", "questionnaire": "sipas@3",
        "lang": "vi", "started_at": "2026-12-03T09:00:00+07:00",
        "submitted_at": "2026-12-03T09:01:00+07:00", "complete": True, "answers": {"overall": 5}})
