"""The actions as report sections: the plan as a table (its CSV and XLSX export), and the report's
section of the period's actions with the linked factor's score before and after each due date.

Pure: rows in (the API's action documents, with ``problem_name`` and ``scores`` added by the
caller), a :class:`Section` out, written by the same page and file writers as the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.scores.report_model import Column, ReportInputs, Section

# The plan's columns, shared by the export and the report ("action_measure": a column named
# "measure" would be read as a catalogue key, see hub/scores/reports.py TRANSLATED).
PLAN_COLUMNS = (
    Column("id", "actions.col.id", "int", code=True),
    Column("problem_kind", "actions.col.problem_kind", names="actions.kind."),
    Column("problem_name", "actions.col.problem_name"),
    Column("problem", "actions.col.problem"),
    Column("action_measure", "actions.col.measure"),
    Column("responsible", "actions.col.responsible"),
    Column("due", "actions.col.due", "day"),
    Column("status", "actions.col.status", names="actions.status."),
    Column("result", "actions.col.result"),
)


def plan_row(action: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": action["id"], "problem_kind": action["problem_kind"],
            "problem_name": action.get("problem_name") or action["problem_ref"],
            "problem": action["problem"], "action_measure": action["measure"],
            "responsible": action["responsible"], "due": action["due"],
            "status": action["status"], "result": action["result"]}


def plan_section(actions: Sequence[Mapping[str, Any]]) -> Section:
    """The whole plan of an office, as the export writes it."""
    return Section("actions", "actions.title", PLAN_COLUMNS, [plan_row(a) for a in actions],
                   ["actions.note.plan"])


def _window(prefix: str, score: Mapping[str, Any] | None) -> dict[str, Any]:
    """One side's figures: the whole score for people, its numbers for programs."""
    if score is None:
        return {prefix: None, f"{prefix}_n": None, f"{prefix}_satisfied": None,
                f"{prefix}_ci_low": None, f"{prefix}_ci_high": None,
                f"{prefix}_reading": "not_yet"}
    ci = score["ci95"] or (None, None)
    return {prefix: score, f"{prefix}_n": score["n"], f"{prefix}_satisfied": score["satisfied"],
            f"{prefix}_ci_low": ci[0], f"{prefix}_ci_high": ci[1],
            f"{prefix}_reading": "too_few" if score["too_few"] else ""}


def _window_columns(prefix: str) -> tuple[Column, ...]:
    """The side as one cell people read, then its numbers for the CSV."""
    return (Column(prefix, f"actions.col.{prefix}", "window", people=True),
            Column(f"{prefix}_n", f"actions.col.{prefix}_n", "int", code=True),
            Column(f"{prefix}_satisfied", f"actions.col.{prefix}", "share", code=True),
            Column(f"{prefix}_ci_low", "report.col.ci_low", "share", code=True),
            Column(f"{prefix}_ci_high", "report.col.ci_high", "share", code=True),
            Column(f"{prefix}_reading", f"actions.col.{prefix}_reading", code=True))


# The report's columns people read: what, by when, where it stands and the two windows; the
# person responsible, the notes and the ids are in the plan's own export and the CSV.
REPORT_COLUMNS = (
    Column("id", "actions.col.id", "int", code=True),
    Column("problem_kind", "actions.col.problem_kind", names="actions.kind."),
    Column("problem_name", "actions.col.problem_name"),
    Column("action_measure", "actions.col.measure"),
    Column("due", "actions.col.due", "day"),
    Column("status", "actions.col.status", names="actions.status."),
    Column("factor", "report.col.factor", code=True),
)


def action_section(inputs: ReportInputs) -> Section:
    """The period's actions (due or done in it), each with its factor's satisfied share in the
    30 days before its due date and from it on."""
    rows = []
    for action in inputs.actions:
        scores = action["scores"]
        rows.append({**plan_row(action), "factor": scores["factor"] or "",
                     **_window("before", scores["before"]), **_window("after", scores["after"])})
    return Section("actions", "report.s.actions",
                   (*REPORT_COLUMNS, *_window_columns("before"), *_window_columns("after")),
                   rows, ["report.note.actions"])
