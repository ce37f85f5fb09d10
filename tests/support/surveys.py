"""What the survey, aspects and stages tests share: a roster of kinds of office, the example
phone survey, the API called as a script would, and ratings written straight into a hub's store."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hailong.questionnaire import load_catalog, parse_questionnaire
from hub.admin.survey_imports import scale_labels
from hub.admin.surveys import SurveyRules
from hub.scores.kinds import questionnaires_by_kind
from tests.support import REPO, RunningHub
from tests.support.hubdata import accepted, response

ROSTER = """\
[[offices]]
id = "demo"
name = "Demo"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
province = "dak-nong"

[[offices]]
id = "bv-1"
name = "Bệnh viện 1"
province = "dak-nong"
kind = "hospital"

[[offices]]
id = "th-1"
province = "lam-dong"
kind = "school"
"""
EXAMPLE = REPO / "config" / "surveys" / "example-phone.csv"
NOVEMBER = "from=2026-11-01&to=2026-11-30"
RECEIVED, RESULT = "receive", "result"
CATALOG = load_catalog()
# A province's own small hospital form (not an example, so it wins over the bundled example):
# it shares only "overall" with SIPAS.
HOSPITAL = parse_questionnaire({
    "id": "test-hospital", "version": "1", "kind": "hospital",
    "title": {"vi": "Bệnh viện", "en": "Hospital"},
    "questions": [
        {"id": "overall", "type": "rating", "factor": "overall",
         "text": {"vi": "Nhìn chung", "en": "Overall"}},
        {"id": "waiting", "type": "rating", "text": {"vi": "Thời gian chờ", "en": "Waiting"}},
    ]}, "test")
RULES = SurveyRules(
    offices={"ubnd-a": "admin", "bv-1": "hospital", "demo": "admin"},
    questionnaires=questionnaires_by_kind([*CATALOG.values(), HOSPITAL]),
    latest=date(2026, 11, 30), scale_labels=scale_labels())


def call(hub: RunningHub, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(hub.url + path, method=method, data=body,
                                     headers=hub.auth if headers is None else headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def seed_kiosk(hub: RunningHub, office: str = "demo", satisfied: int = 40, low: int = 4) -> None:
    """Kiosk ratings of ``office`` on 2026-11-10: ``satisfied`` fives and ``low`` twos."""
    at = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    items = [accepted(response(office=office, seq=i + 1, answers={
        "overall": 5 if i < satisfied else 2, "officer": 4}, at=at + timedelta(seconds=i)),
        day=date(2026, 11, 10)) for i in range(satisfied + low)]
    hub.hub.store.write_batch(items, [])


def seed_aspects(hub: RunningHub, office: str = "demo") -> None:
    """2026-11-10 at the kiosk (sipas@2): 40 fives and 10 twos. Of the fives, 10 want a
    shorter wait and online filing, 6 a shorter wait, 4 lower fees (20 answered the needs
    question). Of the twos, 3 chose harassment and waiting, 2 an unofficial payment, 5 waiting.
    By hand: per 100 overall answers, harassment 3/50 → 6, unofficial payment 2/50 → 4;
    needs shares of 20: shorter wait 16 → 80 %, online filing 10 → 50 %, fees 4 → 20 %."""
    at = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    answers: list[dict[str, Any]] = []
    for i in range(40):
        needs = (["shorter-wait", "online-filing"] if i < 10 else ["shorter-wait"] if i < 16
                 else ["fees"] if i < 20 else None)
        answers.append({"overall": 5, "officer": 4, **({"needs": needs} if needs else {})})
    for i in range(10):
        reasons = (["harassment", "wait"] if i < 3 else ["unofficial-payment"] if i < 5
                   else ["wait"])
        answers.append({"overall": 2, "officer": 2, "reasons": reasons})
    items = [accepted(response(office=office, seq=i + 1, answers=a, questionnaire="sipas@2",
                               at=at + timedelta(seconds=i)), day=date(2026, 11, 10))
             for i, a in enumerate(answers)]
    hub.hub.store.write_batch(items, [])


def seed_stages(hub: RunningHub) -> None:
    """sipas@3 ratings of "demo" in November with stages and receipts, integrity answers on
    three of them, one rating without a stage: the same dossiers as the hand-computed test."""
    plan = [("a", RECEIVED, date(2026, 11, 5), 3, {}),
            ("a", RESULT, date(2026, 11, 10), 5, {"integrity-harassment": "yes"}),
            ("b", RECEIVED, date(2026, 11, 10), 4, {}),
            ("b", RESULT, date(2026, 11, 12), 4, {"integrity-harassment": "no",
                                                  "integrity-payment": "decline"}),
            ("c", RECEIVED, date(2026, 10, 20), 5, {}),
            ("c", RESULT, date(2026, 11, 12), 2, {"integrity-harassment": "no",
                                                  "integrity-payment": "no"}),
            ("d", RECEIVED, date(2026, 11, 10), 4, {}),
            ("e", RESULT, date(2026, 11, 12), None, {}),
            ("f", RECEIVED, date(2026, 11, 10), 4, {}),
            ("f", RESULT, date(2026, 11, 12), None, {}),
            (None, None, date(2026, 11, 10), 5, {})]
    items = []
    for seq, (dossier, stage, day, overall, told) in enumerate(plan, start=1):
        document = response(office="demo", seq=seq, questionnaire="sipas@3",
                            answers={} if overall is None else {"overall": overall},
                            at=datetime(day.year, day.month, day.day, 3, seq, tzinfo=UTC),
                            receipt={"h": (dossier or "z") * 64, "unit": None, "date": None}
                            if dossier else None)
        if stage:
            document["stage"] = stage
        items.append(replace(accepted(document, day=day), integrity=told))
    hub.hub.store.write_batch(items, [])
