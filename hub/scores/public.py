"""What citizens are told, as pure functions: an office's last complete month (the SIPAS index,
the overall question and the five factors, each with n and interval, small cells withheld) and
the actions done in it; the same month in one line for the kiosks' idle screen.

Nothing here reads a database or a clock. Nothing here may carry an officer, a counter, a kiosk
or a citizen: the inputs are an office's whole-month documents and its plan's free texts, which
:func:`redact` cleans of the roster's names and ids before they are shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from hub.scores.actions import DoneAction
from hub.scores.aspects import integrity_prevalence

FACTORS = ("1", "2", "3", "4", "5")
# What replaces a roster name or id found in an action's free text.
REDACTED = "…"
# Shorter ids (a counter "1", a kiosk "k1") also occur in ordinary words and dates: only ids
# this long or longer are looked for in free text.
MIN_REDACTED = 3
# The kiosk line and the public page name at most this many actions done in the month.
MAX_DONE_SHOWN = 10
# Integrity figures (harassment, unofficial payments) belong to the province: told only pooled
# over at least this many offices with answers, so that no office's own figure can be read off
# the province's (with two, a head who knows one office's counts has the other's).
MIN_INTEGRITY_OFFICES = 3


def last_complete_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def shown_share(score: Mapping[str, Any] | None, min_n: int) -> dict[str, Any]:
    """A share as citizens see it: n always, the share and its interval only from ``min_n``."""
    n = int(score["n"]) if score else 0
    share = score.get("satisfied") if score else None
    ci = score.get("satisfied_ci95") if score else None
    if n < min_n or share is None:
        return {"n": n, "satisfied": None, "ci95": None, "too_few": True}
    return {"n": n, "satisfied": share, "ci95": list(ci) if ci else None, "too_few": False}


def office_month(index: Mapping[str, Any], min_n: int) -> dict[str, Any]:
    """An office's month from its index document (hub/scores/indexes.py): the index, the
    overall question and each factor, each withheld under ``min_n``."""
    raw = index.get("index") or {}
    too_few = bool(raw.get("too_few", True)) or raw.get("value") is None
    figure = {"n": int(raw.get("n") or 0), "value": None if too_few else raw["value"],
              "ci95": None if too_few else raw.get("ci95"), "too_few": too_few}
    factors = index.get("factors") or {}
    return {"index": figure, "overall": shown_share(index.get("overall"), min_n),
            "factors": {key: shown_share(factors.get(key), min_n) for key in FACTORS}}


def province_integrity(offices: Sequence[Mapping[str, Mapping[str, int]]], min_n: int
                       ) -> list[dict[str, Any]] | None:
    """The integrity questions' prevalence pooled over a province's offices (each office's
    counts per question and answer); None when fewer than MIN_INTEGRITY_OFFICES offices have
    answers. A question under ``min_n`` answers keeps its n and loses its share."""
    answering = [o for o in offices if any(sum(a.values()) for a in o.values())]
    if len(answering) < MIN_INTEGRITY_OFFICES:
        return None
    pooled: dict[str, dict[str, int]] = {}
    for office in answering:
        for question, answers in office.items():
            into = pooled.setdefault(question, {})
            for answer, n in answers.items():
                into[answer] = into.get(answer, 0) + int(n)
    entries = integrity_prevalence(pooled, {}, {}, min_n)
    return [{"question": e["question"], "n": e["n"], "too_few": e["too_few"],
             "prevalence": None if e["too_few"] else e["prevalence"],
             "ci95": None if e["too_few"] else e["prevalence_ci95"]} for e in entries]


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every roster name or id of ``secrets`` (MIN_REDACTED characters or more)
    replaced, whatever its case: a head's note may name an officer or a counter."""
    for secret in sorted({s for s in secrets if len(s.strip()) >= MIN_REDACTED},
                         key=len, reverse=True):
        text = re.sub(re.escape(secret.strip()), REDACTED, text, flags=re.IGNORECASE)
    return text


def told(actions: Sequence[DoneAction], secrets: Iterable[str]) -> list[dict[str, str]]:
    """The done actions as citizens read them: measure and result, redacted."""
    hidden = list(secrets)
    return [{"measure": redact(a.measure, hidden), "result": redact(a.result, hidden)}
            for a in actions[:MAX_DONE_SHOWN]]


def results_message(office: str, first: date, month: Mapping[str, Any], min_n: int,
                    done: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The retained ``results`` message of an office (config/schema/results.schema.json): its
    last complete month's overall question and one action done, for the kiosks' idle line."""
    overall = month["overall"]
    return {"v": 1, "office": office, "month": month_key(first), "n": overall["n"],
            "satisfied": overall["satisfied"], "too_few": overall["too_few"], "min_n": min_n,
            "action": dict(done[0]) if done else None}
