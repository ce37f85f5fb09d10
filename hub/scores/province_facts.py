"""The province report as data: the API's JSON of a :class:`ProvinceReport` and the facts an
official document states in sentences (the lowest factor, the units below the province's
index, significant changes…), for the JSON, the DOCX/PDF documents and the page alike. Pure.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hub.scores.change import Change
from hub.scores.method import FACTORS, OVERALL
from hub.scores.province_report import FIGURES, INDEX, ProvinceReport, Unit


def _change(change: Change) -> dict[str, Any]:
    return {**asdict(change), "direction": change.direction}


def _unit(unit: Unit) -> dict[str, Any]:
    return {"office": unit.office, "name": unit.name, "registered": unit.registered,
            "rank": unit.rank, "figures": {k: asdict(f) for k, f in unit.figures.items()},
            "changes": {k: _change(c) for k, c in unit.changes.items()},
            "channel_figure": unit.channel_figure,
            "channels": [{"channel": c.channel, **asdict(c.figure), "differs": c.differs}
                         for c in unit.channels]}


def province_document(report: ProvinceReport) -> dict[str, Any]:
    """The report as the API's JSON (docs/api.md, ``GET /api/v1/provinces/{p}/report``)."""
    return {
        "province": report.province, "kind": report.kind, "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "previous": {"from": report.previous_first.isoformat(),
                     "to": report.previous_last.isoformat()},
        "min_n": report.min_n, "order": report.order, "sort": report.sort,
        "figures": list(FIGURES), "names": {k: dict(v) for k, v in report.names.items()},
        "province_figures": {k: asdict(f) for k, f in report.totals.items()},
        "province_changes": {k: _change(c) for k, c in report.total_changes.items()},
        "ranked": [_unit(u) for u in report.ranked],
        "too_few": [_unit(u) for u in report.too_few],
        "integrity": report.integrity, "needs": report.needs,
        "facts": province_facts(report)}


def province_facts(report: ProvinceReport) -> dict[str, Any]:
    """The computed facts an official document states in sentences, as data: the province's
    index and overall question, its lowest and highest factor, the units below the province's
    index (ranked units only), significant changes, the most cited need and the most prevalent
    integrity problem."""
    totals = report.totals
    factors = [(k, totals[k]) for k in FACTORS if totals[k].value is not None]
    lowest = min(factors, key=lambda kv: (kv[1].value or 0.0, kv[0]), default=None)
    highest = max(factors, key=lambda kv: (kv[1].value or 0.0, kv[0]), default=None)
    level = totals[INDEX].value
    below = [u for u in report.ranked
             if level is not None and (u.figures[INDEX].value or 0.0) < level]

    def named(key: str) -> dict[str, Any]:
        return {"key": key, "name": dict(report.names.get(key, {}))}

    def moved(direction: str) -> list[dict[str, Any]]:
        return [{"office": u.office, "name": u.name, "figure": k,
                 "difference": c.difference}
                for u in report.units for k, c in u.changes.items() if c.direction == direction]

    needs = [c for c in report.needs.get("choices", []) if c["count"]]
    integrity = [e for e in report.integrity if e["prevalence"] is not None]
    return {
        "index": asdict(totals[INDEX]), "overall": asdict(totals[OVERALL]),
        "index_change": _change(report.total_changes[INDEX]),
        "lowest_factor": {**named(lowest[0]), **asdict(lowest[1])} if lowest else None,
        "highest_factor": {**named(highest[0]), **asdict(highest[1])} if highest else None,
        "units": len(report.units), "ranked": len(report.ranked),
        "too_few": len(report.too_few),
        "first": ({"office": report.ranked[0].office, "name": report.ranked[0].name}
                  if report.ranked else None),
        "last": ({"office": report.ranked[-1].office, "name": report.ranked[-1].name}
                 if report.ranked else None),
        "below_index": [{"office": u.office, "name": u.name,
                         "index": u.figures[INDEX].value,
                         "clearly": (level is not None
                                     and (u.figures[INDEX].high or 0.0) < level)}
                        for u in below],
        "improved": moved("up"), "worsened": moved("down"),
        "top_need": ({"choice": needs[0]["choice"], "text": needs[0].get("text"),
                      "share": needs[0]["share"]} if needs else None),
        "top_integrity": (max(integrity, key=lambda e: (e["prevalence"], e["question"]))
                          if integrity else None)}
