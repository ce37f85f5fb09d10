"""What a province report is asked for (``/provinces/{p}/report…`` and its API): the province,
one kind of unit, the period (the office report's ``from``/``to``), the figure ranked on and
how. Refusals carry the English reason (the API's) and a catalogue key (the page's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request

from hub.scores.province_inputs import gather_province
from hub.scores.province_report import FIGURES, INDEX, SORTS, ProvinceReport, build_province_report
from hub.web.context import dashboard_of
from hub.web.params import KINDS
from hub.web.render import today_in
from hub.web.report_pages import PeriodError, period_of


class ProvinceAskError(Exception):
    def __init__(self, status: int, message: str, key: str, parameter: str | None,
                 **values: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.key = key
        self.parameter = parameter
        self.values = values


@dataclass(frozen=True, slots=True)
class ProvinceAsk:
    province: str
    kind: str
    kinds: tuple[str, ...]
    first: date
    last: date
    order: str
    sort: str

    @property
    def query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "kind": self.kind,
                "order": self.order, "sort": self.sort}


def province_ask(request: Request, province: str) -> ProvinceAsk:
    dashboard = dashboard_of(request.app)
    members = dashboard.store.read.offices(province)
    if not members:
        raise ProvinceAskError(404, f"no office of the roster is in province {province!r}",
                               "province.none", "province", province=province)
    kinds = tuple(sorted({str(m["kind"]) for m in members},
                         key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k)))
    query = request.query_params
    kind = query.get("kind") or kinds[0]
    if kind not in kinds:
        raise ProvinceAskError(400, f"kind must be one of the province's ({', '.join(kinds)}), "
                               f"got {kind!r}", "province.error.kind", "kind", kind=kind)
    order = query.get("order") or INDEX
    if order not in FIGURES:
        raise ProvinceAskError(400, f"order must be one of {', '.join(FIGURES)}, got {order!r}",
                               "province.error.order", "order", order=order)
    sort = query.get("sort") or SORTS[0]
    if sort not in SORTS:
        raise ProvinceAskError(400, f"sort must be one of {', '.join(SORTS)}, got {sort!r}",
                               "province.error.sort", "sort", sort=sort)
    try:
        first, last, _by = period_of(request, today_in(dashboard, str(members[0]["id"])))
    except PeriodError as exc:
        raise ProvinceAskError(400, exc.message, exc.key, "from", **exc.values) from None
    return ProvinceAsk(province, kind, kinds, first, last, order, sort)


def province_report(request: Request, ask: ProvinceAsk, integrity: bool) -> ProvinceReport:
    documents = dashboard_of(request.app).documents
    return build_province_report(gather_province(documents, ask.province, ask.kind, ask.first,
                                                 ask.last, ask.order, ask.sort, integrity))


def error_values(exc: ProvinceAskError, day: Any) -> dict[str, object]:
    """The refusal's values as the page prints them (days as people write them)."""
    return {k: day(v) if isinstance(v, date) else v for k, v in exc.values.items()}
