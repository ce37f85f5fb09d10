"""An office's report for a period: the API's documents turned into tables, CSV and XLSX.

``gather`` asks :class:`hub.scores.documents.Documents` for exactly the documents the API serves
(scores, breakdowns, reasons, flags, alerts); ``build_report`` is a pure function of them into
sections, each a title, typed columns, rows and notes. The dashboard's period page, the printed
A4 report, the CSV and the XLSX are all written from these sections, so their numbers are the
API's by construction. Sections come from :data:`SECTIONS`, one builder each: a new dimension
(a channel, a grouping of questions) is one more builder, not a new report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from hub.scores.choices import withhold_integrity, withhold_sensitive_reasons
from hub.scores.documents import Documents, withhold_small_officers
from hub.scores.method import on_ten
from hub.scores.report_actions import action_section
from hub.scores.report_aspects import (
    channel_section,
    integrity_section,
    needs_section,
    perception_section,
    stage_section,
)
from hub.scores.report_model import (
    ASPECTS,
    CHANNEL,
    FACTOR,
    OVERALL,
    SHARE_COLUMNS,
    TOO_FEW,
    Column,
    Report,
    ReportInputs,
    Section,
    share_values,
    with_channel,
    worded,
)
from hub.scores.scores import headline_n

# Most alerts a report lists; an office with more in one period has a bigger problem than a table.
MAX_ALERTS = 1000


def gather(documents: Documents, office: Mapping[str, Any], first: date, last: date,
           period: str = "day", lang: str = "vi", admin: bool = True,
           integrity: bool | None = None) -> ReportInputs:
    """The documents of ``GET /api/v1/offices/{office}/…`` for this range, as the caller sees
    them: a head's officer table keeps only cells above the minimum n, and unless ``integrity``
    (an admin, or a province viewer: by default whoever is ``admin``) the sensitive reasons and
    the integrity figures are withheld."""
    office_id = str(office["id"])
    officers = documents.breakdown(office_id, first, last, "officer")
    reasons = documents.reasons(office_id, first, last)
    aspects = documents.aspects(office_id, first, last)
    if not admin:
        withhold_small_officers(officers)
    if not (admin if integrity is None else integrity):
        withhold_sensitive_reasons(reasons)
        withhold_integrity(aspects)
    zone = documents.timezone_of(office_id)
    alerts = [a for a in documents.alerts(office_id, "all", MAX_ALERTS)["alerts"]
              if first <= datetime.fromisoformat(a["opened_at"]).astimezone(zone).date() <= last]
    names: dict[str, dict[str, str]] = {}
    # the office's own questionnaire names the factors (a hospital's sections, not SIPAS's)
    for questionnaire in [*documents.questionnaires_of(office_id), *documents.catalog.values()]:
        for key, text in questionnaire.factors.items():
            names.setdefault(key, {"vi": text.vi, "en": text.en})
    return ReportInputs(
        office=office, first=first, last=last, period=period,
        scores=documents.scores(office_id, first, last),
        questions=documents.breakdown(office_id, first, last, "question"),
        counters=documents.breakdown(office_id, first, last, "counter"),
        officers=officers,
        periods=documents.breakdown(office_id, first, last, period),
        reasons=reasons,
        flags=documents.flags(office_id, first, last),
        alerts=alerts, factor_names=names, lang=lang,
        aspects=aspects, channels=documents.channels(office_id, first, last),
        stages=documents.stages(office_id, first, last),
        index=documents.index(office_id, first, last),
        actions=documents.period_actions(office_id, first, last, lang))


# -- sections ------------------------------------------------------------------------------
def headline(questions: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The score a cell is read by: its overall question, or its largest."""
    if OVERALL in questions:
        return questions[OVERALL]  # type: ignore[no-any-return]
    n = headline_n(questions)
    return next((q for q in questions.values() if int(q["n"]) == n), None)


def index_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The summary's rows of the index document: the SIPAS index with its n and interval, and
    for a hospital the Ministry of Health's three figures (docs/method.md)."""
    if not document:
        return []
    index = document["index"]
    ci = index["ci95"] or (None, None)
    rows: list[dict[str, Any]] = [
        {"measure": "report.m.index", "value": index["value"], "kind": "share"},
        {"measure": "report.m.index_n", "value": index["n"]},
        {"measure": "report.m.index_ci_low", "value": ci[0], "kind": "share"},
        {"measure": "report.m.index_ci_high", "value": ci[1], "kind": "share"}]
    overall = document.get("overall") or {}
    rows.append({"measure": "report.m.mean10", "value": overall.get("mean10"),
                 "kind": "number"})
    hospital = document.get("hospital")
    if hospital:
        pooled, whole = hospital["all_answers"], hospital["comprehensive"]
        rows += [{"measure": "report.m.moh_satisfied", "value": pooled["satisfied"],
                  "kind": "share"},
                 {"measure": "report.m.moh_answers", "value": pooled["n"]},
                 {"measure": "report.m.moh_mean", "value": pooled["mean"], "kind": "number"},
                 {"measure": "report.m.moh_comprehensive", "value": whole["share"],
                  "kind": "share"},
                 {"measure": "report.m.moh_respondents", "value": whole["n"]}]
    return rows


def summary_section(inputs: ReportInputs) -> Section:
    scores = inputs.scores
    overall = share_values(scores["questions"].get(OVERALL))
    rate = scores.get("response_rate") or {}
    rows = [
        {"measure": "report.m.responses", "value": scores["responses"]},
        {"measure": "report.m.complete", "value": scores["complete"]},
        {"measure": "report.m.overall_n", "value": overall["n"]},
        {"measure": "report.m.satisfied", "value": overall["satisfied"], "kind": "share"},
        {"measure": "report.m.ci_low", "value": overall["ci_low"], "kind": "share"},
        {"measure": "report.m.ci_high", "value": overall["ci_high"], "kind": "share"},
        *index_rows(inputs.index),
        {"measure": "report.m.dossiers", "value": rate.get("dossiers")},
        {"measure": "report.m.response_rate", "value": rate.get("rate"), "kind": "share"},
        {"measure": "report.m.days_known", "value": rate.get("days_known", 0)},
        {"measure": "report.m.days", "value": (inputs.last - inputs.first).days + 1},
    ]
    notes = ["report.note.summary_kiosk", "report.note.min_n"]
    if scores["questions"].get(OVERALL, {}).get("too_few", True):
        notes.append("report.note.overall_too_few")
    if not rate:
        notes.append("report.note.no_dossiers")
    return Section("summary", "report.s.summary",
                   (Column("measure", "report.col.measure"),
                    Column("value", "report.col.value", "number")), rows, notes)


def factor_section(inputs: ReportInputs) -> Section:
    rows = []
    overall: dict[str, Any] = next((c for c in inputs.questions["cells"] if c["key"] == OVERALL), {})
    for key, score in inputs.scores["factors"].items():
        # The overall "factor" is the overall question: its wording names it.
        name = ((overall.get("text") or {}).get(inputs.lang, "") if key == OVERALL
                else inputs.factor_names.get(key, {}).get(inputs.lang, ""))
        rows.append({"factor": key, "name": name, **share_values(score),
                     "mean": score.get("mean"), "mean10": on_ten(score.get("mean")),
                     "items_mean": score.get("items_mean"),
                     "too_few": int(score["n"]) < inputs.scores["min_n"]})
    return Section("factors", "report.s.factors",
                   (Column("factor", "report.col.factor", code=True),
                    Column("name", "report.col.name"),
                    *SHARE_COLUMNS, Column("mean", "report.col.mean", "number"),
                    Column("mean10", "report.col.mean10", "number"),
                    Column("items_mean", "report.col.items_mean", "share"),
                    TOO_FEW, CHANNEL), with_channel(rows, inputs), ["report.note.items_mean"],
                   "satisfaction")


def item_section(inputs: ReportInputs) -> Section:
    rows = []
    for cell in inputs.questions["cells"]:
        if cell["type"] != "rating":
            continue
        text = (cell.get("text") or {}).get(inputs.lang, "")
        rows.append({"question": cell["key"], "factor": cell.get("factor") or "", "text": text,
                     **share_values(cell), "mean": cell.get("mean"), "too_few": cell["too_few"]})
    return Section("items", "report.s.items",
                   (Column("question", "report.col.question", code=True), FACTOR,
                    Column("text", "report.col.text"),
                    *SHARE_COLUMNS, Column("mean", "report.col.mean", "number"), TOO_FEW, CHANNEL),
                   with_channel(rows, inputs), aspect="satisfaction")


def period_section(inputs: ReportInputs) -> Section:
    rows = [{"key": cell["key"], "from": cell["from"], "to": cell["to"],
             "responses": cell["responses"], **share_values(headline(cell["questions"])),
             "too_few": cell["too_few"]} for cell in inputs.periods["cells"]]
    return Section("periods", f"report.s.by_{inputs.period}",
                   (Column("key", f"report.col.{inputs.period}", "period"),
                    Column("from", "report.col.from", "day"), Column("to", "report.col.to", "day"),
                    Column("responses", "report.col.responses", "int"), *SHARE_COLUMNS, TOO_FEW,
                    CHANNEL), with_channel(rows, inputs), aspect="satisfaction")


def cell_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per cell of a breakdown: its key, name, responses and headline share."""
    rows = []
    for cell in document["cells"]:
        row = {"key": cell["key"] if cell["key"] is not None else "—", "name": cell.get("name", ""),
               "responses": cell["responses"], **share_values(headline(cell["questions"])),
               "too_few": cell["too_few"]}
        if cell.get("withheld"):
            row["n"] = None
        rows.append(row)
    return rows


def counter_section(inputs: ReportInputs) -> Section:
    return Section("counters", "report.s.counters",
                   (Column("key", "report.col.counter"), Column("name", "report.col.name"),
                    Column("responses", "report.col.responses", "int"), *SHARE_COLUMNS, TOO_FEW,
                    CHANNEL), with_channel(cell_rows(inputs.counters), inputs),
                   aspect="satisfaction")


def officer_section(inputs: ReportInputs) -> Section:
    notes = ["report.note.officers"]
    if any(cell.get("withheld") for cell in inputs.officers["cells"]):
        notes.append("report.note.withheld")
    return Section("officers", "report.s.officers",
                   (Column("key", "report.col.officer"), Column("name", "report.col.name"),
                    Column("responses", "report.col.responses", "int"), *SHARE_COLUMNS, TOO_FEW,
                    CHANNEL), with_channel(cell_rows(inputs.officers), inputs), notes,
                   "satisfaction")


def reason_section(inputs: ReportInputs) -> Section:
    rows = [{"reason": r["reason"], "text": (r.get("text") or {}).get(inputs.lang, ""),
             "count": r["count"], "share": r["share"], "sensitive": r["sensitive"]}
            for r in inputs.reasons["reasons"]]
    return Section("reasons", "report.s.reasons",
                   (*worded("reason", "report.col.reason"),
                    Column("share", "report.col.share_low", "share"),
                    Column("sensitive", "report.col.sensitive", "flag"), CHANNEL),
                   with_channel(rows, inputs), ["report.note.reasons"], "perceptions")


def alert_section(inputs: ReportInputs) -> Section:
    rows = [{"id": a["id"], "counter": a["counter"], "opened_at": a["opened_at"],
             "n": a["n"], "low": a["low"], "share": a["share"], "state": a["state"],
             "note": a["note"]} for a in inputs.alerts]
    return Section("alerts", "report.s.alerts",
                   (Column("id", "report.col.id", "int"), Column("counter", "report.col.counter"),
                    Column("opened_at", "report.col.opened_at", "moment"),
                    Column("n", "report.col.n", "int"),
                    Column("low", "report.col.low", "int"),
                    Column("share", "report.col.share_low_answers", "share"),
                    Column("state", "report.col.state", names="alert.state."),
                    Column("note", "report.col.note")),
                   rows, ["report.note.alerts"], "satisfaction")


def flag_section(inputs: ReportInputs) -> Section:
    flags = inputs.flags
    rows = [
        {"flag": "report.flag.bursts", "count": len(flags["bursts"]),
         "responses": flags["in_bursts"], "meaning": "report.flag.bursts_meaning"},
        {"flag": "report.flag.no_transaction", "count": flags["no_transaction"],
         "responses": flags["no_transaction"], "meaning": "report.flag.no_transaction_meaning"},
        {"flag": "report.flag.clock_skew", "count": len(flags["clock_skew"]["kiosks"]),
         "responses": flags["clock_skew"]["responses"],
         "meaning": "report.flag.clock_skew_meaning"},
        {"flag": "report.flag.unknown_questions", "count": flags["unknown_questions"],
         "responses": flags["unknown_questions"],
         "meaning": "report.flag.unknown_questions_meaning"},
        {"flag": "report.flag.small_officers", "count": len(flags["small_officer_cells"]),
         "responses": None, "meaning": "report.flag.small_officers_meaning"},
    ]
    return Section("flags", "report.s.flags",
                   (Column("flag", "report.col.flag"), Column("count", "report.col.count", "int"),
                    Column("responses", "report.col.responses", "int"),
                    Column("meaning", "report.col.meaning")), rows, ["report.note.flags"])


# The report's sections, in order; each says its aspect, and the pages group them under the
# three aspects' headings in ASPECTS order (summary before, flags after). Texts in the
# ``flag``, ``measure`` and ``meaning`` columns are catalogue keys, translated when written.
SECTIONS: tuple[Callable[[ReportInputs], Section], ...] = (
    summary_section, integrity_section, perception_section, reason_section, factor_section,
    item_section, channel_section, stage_section, period_section, counter_section,
    officer_section, alert_section, needs_section, flag_section, action_section)
TRANSLATED = ("measure", "flag", "meaning")


def build_report(inputs: ReportInputs,
                 sections: Sequence[Callable[[ReportInputs], Section]] = SECTIONS) -> Report:
    return Report(inputs, tuple(build(inputs) for build in sections))


def grouped(report: Report) -> list[tuple[str | None, list[Section]]]:
    """The sections under their aspects, in ASPECTS order: ``(None, [summary…])`` first, then
    one group per aspect, then ``(None, [flags…])``; a section keeps its order in its group."""
    groups: list[tuple[str | None, list[Section]]] = [(None, [])]
    groups += [(aspect, []) for aspect in ASPECTS]
    after: list[Section] = []
    seen_aspect = False
    for section in report.sections:
        if section.aspect is None:
            (after if seen_aspect else groups[0][1]).append(section)
        else:
            seen_aspect = True
            groups[1 + ASPECTS.index(section.aspect)][1].append(section)
    return [*groups, (None, after)]
