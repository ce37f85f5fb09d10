"""The report's sections of the method's aspects beyond the scores: perceptions (sensitive
reasons, integrity questions), needs, stages and channels side by side. Part of
:data:`hub.scores.reports.SECTIONS`.
"""

from __future__ import annotations

from hub.scores.report_model import (
    CHANNEL,
    SHARE_COLUMNS,
    TOO_FEW,
    Column,
    ReportInputs,
    Section,
    share_values,
)


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
                   (Column("reason", "report.col.reason"), Column("text", "report.col.text"),
                    Column("count", "report.col.count", "int"),
                    Column("ratings", "report.col.ratings", "int"),
                    Column("per_100", "report.col.per_100", "number"),
                    Column("ci_low", "report.col.per_100_low", "number"),
                    Column("ci_high", "report.col.per_100_high", "number"), CHANNEL),
                   rows, ["report.note.perceptions"], "perceptions",
                   {"ratings": seen["ratings"]})


def integrity_section(inputs: ReportInputs) -> Section:
    """Each integrity question's prevalence (share of "yes" among yes + no), or, for a head of
    the office, a note saying who sees them (the ``integrity`` of the aspects' perceptions)."""
    found = inputs.aspects["perceptions"].get("integrity") or {"questions": []}
    rows = []
    for entry in found["questions"]:
        ci = entry["prevalence_ci95"] or (None, None)
        rows.append({"question": entry["question"],
                     "text": (entry.get("text") or {}).get(inputs.lang, ""),
                     "yes": entry["yes"], "no": entry["no"], "n": entry["n"],
                     "prevalence": entry["prevalence"], "ci_low": ci[0], "ci_high": ci[1],
                     "declined": entry["declined"], "chips": entry["chips"],
                     "too_few": entry["too_few"], "channel": inputs.aspects["channel"]})
    notes = (["report.note.integrity_withheld"] if found.get("withheld")
             else ["report.note.integrity"])
    return Section("integrity", "report.s.integrity",
                   (Column("text", "report.col.question"),
                    Column("yes", "report.col.yes", "int"), Column("no", "report.col.no", "int"),
                    Column("n", "report.col.n", "int"),
                    Column("prevalence", "report.col.prevalence", "share"),
                    Column("ci_low", "report.col.ci_low", "share"),
                    Column("ci_high", "report.col.ci_high", "share"),
                    Column("declined", "report.col.declined", "int"),
                    Column("chips", "report.col.chips", "int"), TOO_FEW, CHANNEL),
                   rows, notes, "perceptions")


def stage_section(inputs: ReportInputs) -> Section:
    """Ratings per stage, and how the overall answer of the dossiers rated at both moved."""
    stages = inputs.stages
    if not stages:
        return Section("stages", "report.s.stages", (), [], aspect="satisfaction")
    moves = stages["dossiers"]
    shares = moves["shares"] or {}
    responses = stages["responses"]
    rows = [{"measure": "report.m.stage_receive", "value": responses["receive"]},
            {"measure": "report.m.stage_result", "value": responses["result"]},
            {"measure": "report.m.stage_unknown", "value": responses["unknown"]},
            {"measure": "report.m.stage_both", "value": moves["both"]},
            {"measure": "report.m.stage_compared", "value": moves["compared"]},
            {"measure": "report.m.stage_up", "value": moves["up"]},
            {"measure": "report.m.stage_same", "value": moves["same"]},
            {"measure": "report.m.stage_down", "value": moves["down"]},
            {"measure": "report.m.stage_up_share", "value": shares.get("up"), "kind": "share"},
            {"measure": "report.m.stage_same_share", "value": shares.get("same"),
             "kind": "share"},
            {"measure": "report.m.stage_down_share", "value": shares.get("down"),
             "kind": "share"}]
    return Section("stages", "report.s.stages",
                   (Column("measure", "report.col.measure"),
                    Column("value", "report.col.value", "number")), rows,
                   ["report.note.stages"], "satisfaction",
                   {"lookback": stages["lookback_days"]})


def needs_section(inputs: ReportInputs) -> Section:
    """The needs question ranked: the ``needs`` of the aspects document."""
    needs = inputs.aspects["needs"]
    rows = [{"choice": entry["choice"], "text": (entry.get("text") or {}).get(inputs.lang, ""),
             "count": entry["count"], "answered": needs["answered"], "share": entry["share"],
             "channel": inputs.aspects["channel"]} for entry in needs["choices"]]
    notes = ["report.note.needs"] if needs["asked"] else ["report.note.needs_not_asked"]
    return Section("needs", "report.s.needs",
                   (Column("choice", "report.col.choice"), Column("text", "report.col.text"),
                    Column("count", "report.col.count", "int"),
                    Column("answered", "report.col.answered", "int"),
                    Column("share", "report.col.share_answered", "share"), CHANNEL),
                   rows, notes, "needs",
                   {"answered": needs["answered"], "max_choices": needs["max_choices"] or 1})


def channel_section(inputs: ReportInputs) -> Section:
    """Kiosk and survey channels side by side (the channels document): a row per factor or
    question and channel, with whether it differs from the kiosk (intervals apart)."""
    document = inputs.channels
    rows = []
    for level, items in (("factor", document.get("factors", [])),
                         ("question", document["questions"])):
        for item in items:
            for channel in document["channels"]:
                entry = item["channels"][channel]
                rows.append({"level": level, "key": item["key"], "channel": channel,
                             **share_values(entry),
                             "differs": item["differs"].get(channel) or False,
                             "too_few": entry["n"] < document["min_n"]})
    return Section("channels", "report.s.channels",
                   (Column("level", "report.col.level"), Column("key", "report.col.question"),
                    CHANNEL, *SHARE_COLUMNS, Column("differs", "report.col.differs", "flag"),
                    TOO_FEW), rows, ["report.note.channels"], "satisfaction")
