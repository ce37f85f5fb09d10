"""The province report tests' hub: a province of three admin offices and a hospital, with kiosk
ratings in November and October 2026 and a phone survey imported."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.hubdata import accepted, response

PROVINCE_ROSTER = """\
[provinces]
dak-nong = "Đắk Nông"

[[offices]]
id = "demo"
name = "UBND phường Demo"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "UBND xã B"
province = "dak-nong"

[[offices]]
id = "ubnd-c"
name = "UBND xã C"
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
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "surveys" / "example-phone.csv"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
FACTORS = ("access", "procedure", "officer", "result", "feedback")


def ratings(office: str, day: date, plan: list[tuple[int, dict[str, int]]], seq: int = 0
            ) -> list[Any]:
    """``count`` responses answering each question of ``answers`` as given, on ``day``."""
    at = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    items = []
    for count, answers in plan:
        for _ in range(count):
            seq += 1
            items.append(accepted(response(office=office, seq=seq, answers=answers,
                                           at=at + timedelta(seconds=seq)), day=day))
    return items


def every(value: int, feedback: int | None = None) -> dict[str, int]:
    answers = {"overall": value, **{q: value for q in FACTORS}}
    if feedback is not None:
        answers["feedback"] = feedback
    return answers
