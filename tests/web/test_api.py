"""The hub's JSON API over a real database (SQLite and PostgreSQL): breakdowns, kiosks, alerts,
reasons, flags, ranking, dossier counts and the 4xx errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hailong.broker import Broker
from tests.support import RunningHub, hub_settings, write_toml
from tests.support.hubdata import NOW, accepted, response, status, status_update

ROSTER = """\
# test roster
[[offices]]
id = "ubnd-a"
name = "UBND A"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "UBND B"
province = "dak-nong"
gating = true

[[offices]]
id = "ubnd-c"
province = "dak-nong"

[[counters]]
office = "ubnd-a"
label = "1"
name = "Quầy 1"

[[officers]]
office = "ubnd-a"
code = "cb-1"
name = "Nguyễn Thị Lan"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "1"
"""
DAY = date(2026, 11, 23)


@pytest.fixture
def api_hub(tmp_path: Path, broker: Broker, database_url: str) -> Iterator[RunningHub]:
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, database_url=database_url,
                                      roster=str(roster)))
    yield running
    running.stop()


def seed(hub: RunningHub) -> None:
    """Office A on 23 Nov: counter 1 (officer cb-1) 31 answers, counter 2 three answers."""
    at = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    items = []
    seq = 0
    for i in range(31):
        seq += 1
        overall = 5 if i < 25 else 2  # 25 satisfied of 31, 6 low
        answers: dict[str, Any] = {"overall": overall, "officer": 4}
        if overall == 2:
            answers["reasons"] = ["wait", "impolite"] if i % 2 else ["wait"]
        items.append(accepted(response(seq=seq, counter="1", officer="cb-1", answers=answers,
                                       at=at + timedelta(seconds=20 * i))))
    for value in (1, 3, 4):
        seq += 1
        items.append(accepted(response(seq=seq, counter="2", answers={"overall": value},
                                       at=at + timedelta(hours=1, minutes=seq))))
    seq += 3  # seqs 35-37 never arrived
    seq += 1
    items.append(accepted(response(seq=seq, counter="2", answers={}), day=DAY + timedelta(1)))
    hub.hub.store.write_batch(items, [])
    hub.hub.store.write_batch([], [], [status_update(status(
        seq=seq + 2, outbox=2, oldest=NOW - timedelta(hours=2), clock_offset=-900))])


def send(hub: RunningHub, method: str, path: str, body: bytes,
         content_type: str = "application/json") -> tuple[int, Any]:
    """A request as an API client sends it (with the test hub's credentials, where it has any)."""
    headers = {"Content-Type": content_type, **getattr(hub, "auth", {})}
    request = urllib.request.Request(hub.url + path, method=method, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get(hub: RunningHub, path: str) -> dict[str, Any]:
    status_code, body = hub.get(path)
    assert status_code == 200, body
    return body  # type: ignore[no-any-return]


def test_scores_and_breakdowns(api_hub: RunningHub) -> None:
    seed(api_hub)
    scores = get(api_hub, "/api/v1/offices/ubnd-a/scores?from=2026-11-23")
    assert scores["responses"] == 34 and scores["registered"] is True
    overall = scores["questions"]["overall"]
    assert overall["n"] == 34 and overall["dist"] == [1, 6, 1, 1, 25]
    assert overall["satisfied"] == pytest.approx(26 / 34)
    assert scores["factors"]["3"]["n"] == 31 and scores["factors"]["3"]["satisfied"] == 1.0
    assert scores["min_n"] == 30 and scores["response_rate"] is None

    by_counter = get(api_hub, "/api/v1/offices/ubnd-a/scores?from=2026-11-23&by=counter")
    cells = {c["key"]: c for c in by_counter["cells"]}
    assert cells["1"]["name"] == "Quầy 1" and cells["1"]["registered"] is True
    assert cells["1"]["too_few"] is False and cells["1"]["responses"] == 31
    assert cells["2"]["registered"] is False and cells["2"]["too_few"] is True
    assert by_counter["questions"] == scores["questions"]  # the totals stay in place

    by_officer = get(api_hub, "/api/v1/offices/ubnd-a/scores?from=2026-11-23&by=officer")
    officers = {c["key"]: c for c in by_officer["cells"]}
    assert officers["cb-1"]["name"] == "Nguyễn Thị Lan"
    assert officers[None]["responses"] == 3

    by_day = get(api_hub, "/api/v1/offices/ubnd-a/scores?from=2026-11-22&to=2026-11-24&by=day")
    assert [(c["key"], c["responses"]) for c in by_day["cells"]] == [
        ("2026-11-22", 0), ("2026-11-23", 34), ("2026-11-24", 1)]
    by_month = get(api_hub, "/api/v1/offices/ubnd-a/scores?from=2026-11-20&to=2026-12-02&by=month")
    assert [(c["key"], c["from"], c["to"]) for c in by_month["cells"]] == [
        ("2026-11", "2026-11-20", "2026-11-30"), ("2026-12", "2026-12-01", "2026-12-02")]

    by_question = get(api_hub, "/api/v1/offices/ubnd-a/scores?from=2026-11-23&by=question")
    questions = {c["key"]: c for c in by_question["cells"]}
    assert questions["officer"]["factor"] == "3" and questions["officer"]["n"] == 31
    assert questions["overall"]["text"]["en"].startswith("Overall")
    assert questions["reasons"]["counts"] == {"wait": 6, "impolite": 3}


def test_reasons_flags_and_response_rate(api_hub: RunningHub) -> None:
    seed(api_hub)
    reasons = get(api_hub, "/api/v1/offices/ubnd-a/reasons?from=2026-11-23")
    # low overall answers (≤ 3, when the reasons question shows): 1 + 6 + 1 = 8
    assert reasons["low_ratings"] == 8
    assert [(r["reason"], r["count"], r["share"]) for r in reasons["reasons"]] == [
        ("wait", 6, 6 / 8), ("impolite", 3, 3 / 8)]
    assert reasons["reasons"][0]["factor"] == "1" and reasons["reasons"][1]["factor"] == "3"

    flags = get(api_hub, "/api/v1/offices/ubnd-a/flags?from=2026-11-23")
    # 25 identical {"overall":5,"officer":4} answers 20 s apart: a burst (5 within 120 s)
    assert flags["bursts"] and flags["bursts"][0]["kiosk"] == "k01"
    assert flags["bursts"][0]["answers"] == {"officer": 4, "overall": 5}
    assert flags["clock_skew"]["kiosks"] == [{"kiosk": "k01", "clock_skew": -900.0}]
    assert flags["small_officer_cells"] == []

    assert send(api_hub, "PUT", "/api/v1/offices/ubnd-a/dossiers", b"day,count\n2026-11-23,68\n",
                "text/csv") == (200, {"office": "ubnd-a", "stored": 1})
    scores = get(api_hub, "/api/v1/offices/ubnd-a/scores?from=2026-11-23&to=2026-11-24")
    assert scores["response_rate"] == {"responses": 34, "dossiers": 68, "rate": 0.5,
                                       "days_known": 1, "days": 2}
    code, refused = send(api_hub, "PUT", "/api/v1/offices/ubnd-a/dossiers",
                         b'{"counts": {"2026-11-31": 3}}')
    assert code == 400 and refused["parameter"] == "counts"
    code, refused = send(api_hub, "PUT", "/api/v1/offices/ubnd-a/dossiers", b"day\n", "text/csv")
    assert code == 400 and "count" in refused["error"]


def test_kiosks_show_health_and_what_is_not_delivered(api_hub: RunningHub) -> None:
    seed(api_hub)
    kiosks = get(api_hub, "/api/v1/offices/ubnd-a/kiosks")["kiosks"]
    k01 = kiosks[0]
    assert k01["kiosk"] == "k01" and k01["registered"] is True and k01["counter"] == "1"
    assert k01["state"] == "online" and k01["scanner"] == "ok" and k01["clock_skewed"] is True
    assert k01["max_seq"] == 38 and k01["received"] == 35
    assert k01["gaps"] == [[35, 37]]
    assert k01["last_created"] == 40 and k01["missing"] == 5  # 35-37 and 39-40
    assert k01["outbox"] == 2
    assert datetime.fromisoformat(k01["outbox_oldest"]) == NOW - timedelta(hours=2)


def test_ranking_excludes_small_offices(api_hub: RunningHub) -> None:
    seed(api_hub)
    api_hub.hub.store.write_batch([accepted(response(office="ubnd-b", seq=i + 1, kiosk="kb",
                                                     answers={"overall": 5 if i % 3 else 1}))
                                   for i in range(30)], [])
    ranking = get(api_hub, "/api/v1/provinces/dak-nong/ranking?from=2026-11-23")
    assert [(e["office"], e["rank"], e["n"]) for e in ranking["ranked"]] == [
        ("ubnd-a", 1, 34), ("ubnd-b", 2, 30)]
    assert ranking["too_few"] == [{"office": "ubnd-c", "n": 0, "too_few": True, "name": "",
                                   "registered": True}]
    assert ranking["ranked"][1]["satisfied"] == pytest.approx(20 / 30)
    small = get(api_hub, "/api/v1/provinces/dak-nong/ranking?from=2026-11-23&min_n=31")
    assert [e["office"] for e in small["ranked"]] == ["ubnd-a"]
    assert get(api_hub, "/api/v1/provinces")["provinces"] == ["dak-nong"]


def test_alerts_open_once_and_close(api_hub: RunningHub) -> None:
    now = datetime.now(UTC)
    api_hub.hub.store.write_batch([accepted(response(seq=i + 1, answers={"overall": v},
                                                     at=now - timedelta(minutes=3 - i)),
                                            day=api_hub.hub.documents.today("ubnd-a"))
                                   for i, v in enumerate((1, 2, 5, 1))], [])
    opened = api_hub.hub.live.check_alerts("ubnd-a")
    assert [(a["counter"], a["n"], a["low"], a["share"]) for a in opened] == [("1", 4, 3, 0.75)]
    assert api_hub.hub.live.check_alerts("ubnd-a") == []  # still open: not again
    listing = get(api_hub, "/api/v1/offices/ubnd-a/alerts?state=open")["alerts"]
    assert [a["id"] for a in listing] == [opened[0]["id"]] and listing[0]["state"] == "open"
    path = f"/api/v1/offices/ubnd-a/alerts/{opened[0]['id']}/close"
    assert send(api_hub, "POST", path, b'{"note": "spoke with the counter"}')[0] == 200
    assert send(api_hub, "POST", path, b"")[0] == 404  # closed already
    assert get(api_hub, "/api/v1/offices/ubnd-a/alerts?state=open")["alerts"] == []
    closed = get(api_hub, "/api/v1/offices/ubnd-a/alerts")["alerts"][0]
    assert closed["state"] == "closed" and closed["note"] == "spoke with the counter"


@pytest.mark.parametrize(("path", "status_code", "parameter"), [
    ("/api/v1/offices/nowhere/scores", 404, "office"),
    ("/api/v1/offices/Not_An_Id/kiosks", 404, "office"),
    ("/api/v1/offices/ubnd-a/scores?by=kiosk", 400, "by"),
    ("/api/v1/offices/ubnd-a/scores?from=2026-02-30", 400, "from"),
    ("/api/v1/offices/ubnd-a/reasons?from=2026-11-10&to=2026-11-01", 400, "to"),
    ("/api/v1/offices/ubnd-a/flags?from=yesterday", 400, "from"),
    ("/api/v1/offices/ubnd-a/alerts?state=maybe", 400, "state"),
    ("/api/v1/offices/ubnd-a/alerts?limit=x", 400, "limit"),
    ("/api/v1/provinces/atlantis/ranking", 404, "province"),
    ("/api/v1/provinces/dak-nong/ranking?sort=name", 400, "sort"),
    ("/api/v1/provinces/dak-nong/ranking?min_n=0", 400, "min_n"),
])
def test_bad_requests_get_4xx_with_the_parameter(api_hub: RunningHub, path: str,
                                                 status_code: int, parameter: str) -> None:
    code, body = api_hub.get(path)
    assert code == status_code, body
    assert body["parameter"] == parameter and body["error"]


def test_an_office_seen_only_on_the_wire_answers_marked_unregistered(api_hub: RunningHub) -> None:
    api_hub.hub.store.write_batch([accepted(response(office="xa-moi", kiosk="k1"))], [])
    scores = get(api_hub, "/api/v1/offices/xa-moi/scores?from=2026-11-23")
    assert scores["registered"] is False and scores["responses"] == 1
    assert get(api_hub, "/api/v1/offices/xa-moi/kiosks")["kiosks"][0]["registered"] is False
    openapi = get(api_hub, "/openapi.json")
    for path in ("/api/v1/offices/{office}/scores", "/api/v1/offices/{office}/kiosks",
                 "/api/v1/offices/{office}/alerts", "/api/v1/offices/{office}/reasons",
                 "/api/v1/provinces/{province}/ranking"):
        assert path in openapi["paths"]


def test_the_index_document_per_range_period_and_channel(api_hub: RunningHub) -> None:
    """The API's index is the pure functions' (tests/test_method.py) over the stored answers,
    and the scores document carries the same index beside the overall question."""
    at = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    # 10 respondents on 23 Nov: every factor answered; officer 4 for all, feedback 5 for half
    items = [accepted(response(office="ubnd-c", seq=i + 1, at=at + timedelta(minutes=i),
                               answers={"overall": 5 if i < 9 else 2, "access": 4,
                                        "procedure": 5 if i < 8 else 3, "officer": 4,
                                        "result": 5, "feedback": 5 if i < 5 else 1}))
             for i in range(10)]
    items.append(accepted(response(office="ubnd-c", seq=11, answers={"overall": 4}),
                          day=DAY + timedelta(1)))
    api_hub.hub.store.write_batch(items, [])
    document = get(api_hub, "/api/v1/offices/ubnd-c/index?from=2026-11-23")
    # factors 1.0, .8, 1.0, 1.0, .5 → .86, while the overall question says .9
    assert document["index"]["value"] == pytest.approx(0.86)
    assert document["overall"]["satisfied"] == pytest.approx(0.9)
    assert document["index"]["n"] == 10 and document["index"]["too_few"] is True
    assert document["factors"]["5"]["mean10"] == pytest.approx(2.5 * (3 - 1))
    assert "hospital" not in document and document["channel"] == "kiosk"
    scores = get(api_hub, "/api/v1/offices/ubnd-c/scores?from=2026-11-23")
    assert scores["index"] == document["index"]
    weeks = get(api_hub, "/api/v1/offices/ubnd-c/index?from=2026-11-23&to=2026-11-24&by=day")
    assert [(c["key"], c["overall"]["n"] if c["overall"] else 0, c["index"]["value"])
            for c in weeks["cells"]] == [("2026-11-23", 10, pytest.approx(0.86)),
                                         ("2026-11-24", 1, None)]
    channels = get(api_hub, "/api/v1/offices/ubnd-c/index?from=2026-11-23&by=channel")
    assert [c["key"] for c in channels["cells"]] == ["kiosk"] and channels["channel"] == "all"
    code, body = api_hub.get("/api/v1/offices/ubnd-c/index?by=officer")
    assert code == 400 and body["parameter"] == "by"


def test_a_hospital_gets_the_ministry_of_healths_figures(tmp_path: Path, broker: Broker) -> None:
    roster = write_toml(tmp_path / "roster.toml", '[[offices]]\nid = "bv-a"\nkind = "hospital"\n')
    hub = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster)))
    try:
        sections = ("reach", "information", "amenities", "staff", "outcome")
        rated = [dict.fromkeys(sections, 5), {**dict.fromkeys(sections, 4), "outcome": 3},
                 {"overall": 2}]
        hub.hub.store.write_batch([accepted(response(office="bv-a", seq=i + 1, answers=a,
                                                     questionnaire="hospital@1"))
                                   for i, a in enumerate(rated)], [])
        figures = get(hub, "/api/v1/offices/bv-a/index?from=2026-11-23")["hospital"]
        assert figures["comprehensive"]["n"] == 2 and figures["comprehensive"]["share"] == 0.5
        assert figures["all_answers"]["n"] == 10
        assert figures["all_answers"]["satisfied"] == pytest.approx(0.9)
    finally:
        hub.stop()
