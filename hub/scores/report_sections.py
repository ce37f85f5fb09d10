"""The report's sections of the method's aspects beyond the plain tables: perceptions, needs,
channels side by side, and the summary's rows of the index document (docs/method.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.scores.report_model import (
    CHANNEL,
    OVERALL,
    SHARE_COLUMNS,
    TOO_FEW,
    Column,
    ReportInputs,
    Section,
    share_values,
    worded,
)


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


def perception_section(inputs: ReportInputs) -> Section:
    """Sensitive reasons per 100 overall answers: the ``perceptions`` of the aspects document."""
    seen = inputs.aspects["perceptions"]
    rows = []
    for entry in seen["reasons"]:
        ci = entry["per_100_ci95"] or (None, None)
        rows.append({"reason": entry["reason"],
                     "text": (entry.get("text") or {}).get(inputs.lang, ""),
                     "count": entry["count"], "ratings": seen["ratings"],
                     "per_100": entry["per_100"], "ci_low": ci[0], "ci_high": ci[1],
                     "channel": inputs.aspects["channel"]})
    return Section("perceptions", "report.s.perceptions",
                   (*worded("reason", "report.col.reason"),
                    Column("ratings", "report.col.ratings", "int"),
                    Column("per_100", "report.col.per_100", "number"),
                    Column("ci_low", "report.col.per_100_low", "number"),
                    Column("ci_high", "report.col.per_100_high", "number"), CHANNEL),
                   rows, ["report.note.perceptions"], "perceptions",
                   {"ratings": seen["ratings"]})


def needs_section(inputs: ReportInputs) -> Section:
    """The needs question ranked: the ``needs`` of the aspects document."""
    needs = inputs.aspects["needs"]
    rows = [{"choice": entry["choice"], "text": (entry.get("text") or {}).get(inputs.lang, ""),
             "count": entry["count"], "answered": needs["answered"], "share": entry["share"],
             "channel": inputs.aspects["channel"]} for entry in needs["choices"]]
    notes = ["report.note.needs"] if needs["asked"] else ["report.note.needs_not_asked"]
    return Section("needs", "report.s.needs",
                   (*worded("choice", "report.col.choice"),
                    Column("answered", "report.col.answered", "int"),
                    Column("share", "report.col.share_answered", "share"), CHANNEL),
                   rows, notes, "needs",
                   {"answered": needs["answered"], "max_choices": needs["max_choices"] or 1})


def channel_section(inputs: ReportInputs) -> Section:
    """Kiosk and survey channels side by side (the channels document): a row per factor or
    question and channel, with whether it differs from the kiosk (intervals apart)."""
    document = inputs.channels
    texts = {c["key"]: (c.get("text") or {}).get(inputs.lang, "")
             for c in inputs.questions["cells"]}
    rows = []
    for level, items in (("factor", document.get("factors", [])),
                         ("question", document["questions"])):
        for item in items:
            key = item["key"]
            name = (texts.get(key, key) if level == "question" or key == OVERALL
                    else inputs.factor_names.get(key, {}).get(inputs.lang, key))
            for channel in document["channels"]:
                entry = item["channels"][channel]
                rows.append({"level": level, "key": key, "name": name, "channel": channel,
                             **share_values(entry),
                             "differs": item["differs"].get(channel) or False,
                             "too_few": entry["n"] < document["min_n"]})
    return Section("channels", "report.s.channels",
                   (Column("level", "report.col.level", names="report.level."),
                    Column("key", "report.col.question", code=True),
                    Column("name", "report.col.name"), CHANNEL, *SHARE_COLUMNS,
                    Column("differs", "report.col.differs", "flag"),
                    TOO_FEW), rows, ["report.note.channels"], "satisfaction")
