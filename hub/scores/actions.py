"""An office's plan of actions as pure functions: what an action may hold, which factor its
problem is about, and that factor's score before and after the action's due date.

Nothing here touches a database, a clock or a request: the API, the pages and the report pass
rows and dates in, and tests check these functions against hand-computed tables.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hub.scores.scores import FactorOf, factor_scores

# The four states of an action, in the order a plan moves through them.
STATUSES = ("planned", "in_progress", "done", "dropped")
# What an action's problem may point at: a reason citizens chose, a SIPAS factor or an alert.
PROBLEM_KINDS = ("reason", "factor", "alert")
FACTOR_KEYS = ("overall", "1", "2", "3", "4", "5")
# A measure or a result note is a paragraph, not a report: longer text belongs in a document.
MAX_TEXT = 2000
# Who answers for an action is a name or a post ("Tổ trưởng Một cửa"), never a list.
MAX_RESPONSIBLE = 200
# The factor's score is compared over this many days either side of the due date: a month, so
# that a small office has a chance of reaching the minimum n on both sides, and short enough
# that the "before" still describes the problem the action was meant to fix.
WINDOW_DAYS = 30
FIELDS = ("problem_kind", "problem_ref", "problem", "measure", "responsible", "due", "status",
          "result")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VN_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class ActionError(ValueError):
    """A field a person or a program got wrong: the field, the reason in English (the API's)
    and the catalogue key that says it on the page."""

    def __init__(self, field: str, message: str, key: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.key = key


def parse_due(value: object) -> date:
    """A due date as ``YYYY-MM-DD`` (the API, a date input) or ``dd/mm/yyyy`` (typed by hand)."""
    text = str(value or "").strip()
    try:
        if _DAY.match(text):
            return date.fromisoformat(text)
        found = _VN_DAY.match(text)
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        pass
    raise ActionError("due", f"due must be a date as YYYY-MM-DD or dd/mm/yyyy, got {text!r}",
                      "actions.error.due")


def _text(fields: Mapping[str, Any], name: str, limit: int, required: bool) -> str:
    value = fields.get(name, "")
    if not isinstance(value, str):
        raise ActionError(name, f"{name} must be text", "actions.error.text")
    value = value.strip()
    if required and not value:
        raise ActionError(name, f"{name} is required", f"actions.error.{name}")
    if len(value) > limit:
        raise ActionError(name, f"{name} is longer than {limit} characters",
                          "actions.error.too_long")
    return value


def parse_action(fields: Mapping[str, Any], refs: Mapping[str, Collection[str]],
                 current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The checked values of a new action (``current`` None) or of the fields an update
    changes. ``refs`` lists, per problem kind, the ids this office's problems may point at
    (its questionnaires' reasons, the factors, its alerts)."""
    given = {k: v for k, v in fields.items() if k in FIELDS}
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ActionError(unknown[0], f"unknown field {unknown[0]!r}; expected "
                          f"{', '.join(FIELDS)}", "actions.error.unknown")
    merged = {**(current or {}), **given}
    values: dict[str, Any] = {}
    if current is None or "problem_kind" in given or "problem_ref" in given:
        kind = str(merged.get("problem_kind") or "")
        if kind not in PROBLEM_KINDS:
            raise ActionError("problem_kind", f"problem_kind must be one of "
                              f"{', '.join(PROBLEM_KINDS)}, got {kind!r}", "actions.error.problem")
        ref = str(merged.get("problem_ref") or "").strip()
        if ref not in refs.get(kind, ()):
            raise ActionError("problem_ref", f"no {kind} {ref!r} at this office",
                              "actions.error.problem")
        values.update(problem_kind=kind, problem_ref=ref)
    for name, limit, required in (("problem", MAX_TEXT, False), ("measure", MAX_TEXT, True),
                                  ("responsible", MAX_RESPONSIBLE, True),
                                  ("result", MAX_TEXT, False)):
        if current is None or name in given:
            values[name] = _text(merged, name, limit, required)
    if current is None or "due" in given:
        values["due"] = parse_due(merged.get("due"))
    if current is None or "status" in given:
        status = str(merged.get("status") or "planned")
        if status not in STATUSES:
            raise ActionError("status", f"status must be one of {', '.join(STATUSES)}, got "
                              f"{status!r}", "actions.error.status")
        values["status"] = status
    return values


def problem_factor(kind: str, ref: str, reason_factors: Mapping[str, str | None],
                   alert_factors: Mapping[str, str | None]) -> str | None:
    """The factor whose score tells whether an action worked: a reason's factor, the factor
    itself, or the factor of the question an alert watched (None when there is none)."""
    if kind == "factor":
        return ref if ref in FACTOR_KEYS else None
    if kind == "reason":
        return reason_factors.get(ref)
    if kind == "alert":
        return alert_factors.get(ref)
    return None


def score_windows(due: date, today: date, days: int = WINDOW_DAYS
                  ) -> tuple[tuple[date, date], tuple[date, date] | None]:
    """The ``days`` before the due date, and the ``days`` from it on as far as today (None
    while the due date is still ahead)."""
    before = (due - timedelta(days=days), due - timedelta(days=1))
    if due > today:
        return before, None
    return before, (due, min(due + timedelta(days=days - 1), today))


def window_score(rows: Sequence[Mapping[str, Any]], factor: str | None, factor_of: FactorOf,
                 min_n: int) -> dict[str, Any]:
    """One factor's satisfied share over rating rows, with n and its 95 % interval; a share
    under ``min_n`` answers is withheld (``too_few``), as every small cell is."""
    score = factor_scores(rows, factor_of).get(factor or "") if factor else None
    n = int(score["n"]) if score else 0
    if score is None or n < min_n:
        return {"n": n, "satisfied": None, "ci95": None, "too_few": True}
    return {"n": n, "satisfied": score["satisfied"], "ci95": score["satisfied_ci95"],
            "too_few": False}


def before_after(before_rows: Sequence[Mapping[str, Any]],
                 after_rows: Sequence[Mapping[str, Any]] | None, factor: str | None,
                 factor_of: FactorOf, min_n: int) -> dict[str, Any]:
    """The factor's score before and after the due date, and the change when both hold at
    least ``min_n`` answers (``after`` None: the due date has not come yet)."""
    before = window_score(before_rows, factor, factor_of, min_n)
    after = (window_score(after_rows, factor, factor_of, min_n) if after_rows is not None
             else None)
    change = None
    if after is not None and not before["too_few"] and not after["too_few"]:
        change = after["satisfied"] - before["satisfied"]
    return {"factor": factor, "before": before, "after": after, "change": change}


@dataclass(frozen=True, slots=True)
class DoneAction:
    """An action done, as citizens are told of it: what was done and what came of it."""

    measure: str
    result: str
    done_on: date


def done_in(actions: Sequence[Mapping[str, Any]], first: date, last: date,
            day_of: Any) -> list[DoneAction]:
    """The actions marked done between ``first`` and ``last`` (``day_of`` turns the moment
    an action was marked done into the office's day), most recent first."""
    done = []
    for row in actions:
        if row["status"] != "done" or row.get("done_at") is None:
            continue
        day = day_of(row["done_at"])
        if first <= day <= last:
            done.append(DoneAction(str(row["measure"]), str(row["result"]), day))
    return sorted(done, key=lambda a: a.done_on, reverse=True)
