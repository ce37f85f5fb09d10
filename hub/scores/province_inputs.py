"""The documents a province report is built from, asked of :class:`Documents` exactly as the
API serves them (``…/index`` for the period and the one before, ``…/channels``, ``…/aspects``),
one unit of the province's kind at a time. The only part of the province report that reads."""

from __future__ import annotations

from datetime import date

from hub.scores.documents import Documents
from hub.scores.method import OVERALL
from hub.scores.province_report import INDEX, ProvinceInputs, UnitInputs, previous_period


def gather_province(documents: Documents, province: str, kind: str, first: date, last: date,
                    order: str = INDEX, sort: str = "satisfied",
                    integrity: bool = True) -> ProvinceInputs:
    """Every office of ``kind`` in ``province`` with its documents; without ``integrity`` (a
    caller who may not see them) no aspects are read, so no integrity figure or need is
    pooled."""
    offices = [o for o in documents.read.offices(province) if o["kind"] == kind]
    before_first, before_last = previous_period(first, last)
    units = []
    for office in offices:
        office_id = str(office["id"])
        units.append(UnitInputs(
            office=office, index=documents.index(office_id, first, last),
            previous=documents.index(office_id, before_first, before_last),
            channels=documents.channels(office_id, first, last),
            aspects=documents.aspects(office_id, first, last) if integrity else None))
    names: dict[str, dict[str, str]] = {}
    questionnaire = documents.by_kind.get(kind)
    for candidate in [*([questionnaire] if questionnaire else []),
                      *documents.catalog.values()]:
        for key, text in candidate.factors.items():
            names.setdefault(key, {"vi": text.vi, "en": text.en})
    overall = documents.text_of(OVERALL, preferred=[questionnaire] if questionnaire else [])
    if overall:
        names[OVERALL] = overall
    return ProvinceInputs(province, kind, first, last, documents.min_n, units, order, sort,
                          names)
