"""Provinces (admins, and viewers of their own): the provinces of the roster, their offices
ranked, like with like, and the province report (hub/scores/province_report.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from hub.scores.province_facts import province_document
from hub.web.context import dashboard_of
from hub.web.params import (
    KINDS,
    ApiError,
    ChannelParam,
    FromDay,
    ToDay,
    channel_of,
    day_range,
    sees_integrity,
)
from hub.web.province_params import ProvinceAskError, province_ask, province_report

router = APIRouter()


@router.get("/api/v1/provinces", summary="Provinces named in the roster")
def provinces(request: Request) -> dict[str, Any]:
    principal = request.state.principal  # set by the access check, as for every API path
    return {"provinces": sorted(p for p in dashboard_of(request.app).store.read.provinces()
                                if principal.may_see_province(p))}


@router.get("/api/v1/provinces/{province}/ranking",
            summary="Offices of a province ranked by satisfied share; small cells apart")
def ranking(province: str, request: Request, from_: FromDay = None, to: ToDay = None,
            question: Annotated[str, Query(description="the rating question compared")]
            = "overall",
            min_n: Annotated[int | None, Query(description="fewest answers to be ranked "
                                               "(default [hub] min_n)")] = None,
            sort: Annotated[str, Query(description="satisfied (share) or lower (the 95 % "
                                       "interval's lower bound)")] = "satisfied",
            kind: Annotated[str | None, Query(description="admin, hospital or school: "
                                              "needed when the province has several")] = None,
            channel: ChannelParam = None) -> dict[str, Any]:
    dashboard = dashboard_of(request.app)
    documents = dashboard.documents
    members = dashboard.store.read.offices(province)
    if not members:
        raise ApiError(404, f"no office of the roster is in province {province!r}", "province")
    kinds = sorted({row["kind"] for row in members})
    if kind is not None and kind not in KINDS:
        raise ApiError(400, f"kind must be one of {', '.join(KINDS)}, got {kind!r}", "kind")
    if kind is None and len(kinds) > 1:
        raise ApiError(400, f"the offices of {province} are of several kinds "
                       f"({', '.join(kinds)}): rankings compare like with like, so rank one "
                       f"kind at a time with kind={kinds[0]}", "kind")
    if kind is not None and kind not in kinds:
        raise ApiError(404, f"no {kind} office of the roster is in province {province!r}",
                       "kind")
    ranked_kind = kind or kinds[0]
    asked = documents.questions_of_kind(ranked_kind)
    if asked is not None and question not in asked:
        raise ApiError(400, f"{ranked_kind} offices are not asked {question!r}: rank them on "
                       f"a question they share ({', '.join(asked)})", "question")
    if sort not in ("satisfied", "lower"):
        raise ApiError(400, f"sort must be satisfied or lower, got {sort!r}", "sort")
    if min_n is not None and not 1 <= min_n <= 1_000_000:
        raise ApiError(400, "min_n must be between 1 and 1000000", "min_n")
    zone = dashboard.timezone_of(members[0]["id"])
    first, last = day_range(request, zone)
    return documents.ranking(province, first, last, question,
                             min_n if min_n is not None else documents.min_n, sort,
                             kind=ranked_kind, channel=channel_of(request, channel))


@router.get("/api/v1/provinces/{province}/report",
            summary="The province report: every unit of one kind with its factor indices, SIPAS "
            "index, rank, change, channels; the province's integrity and needs (docs/api.md)")
def report(province: str, request: Request,
           from_: FromDay = None, to: ToDay = None,
           kind: Annotated[str | None, Query(description="admin, hospital or school (default: "
                                             "the province's first)")] = None,
           order: Annotated[str, Query(description="the figure ranked on: index, overall or "
                                       "a factor 1–5")] = "index",
           sort: Annotated[str, Query(description="satisfied (the figure) or lower (its "
                                      "interval's lower bound)")] = "satisfied"
           ) -> dict[str, Any]:
    try:
        ask = province_ask(request, province)
    except ProvinceAskError as exc:
        raise ApiError(exc.status, exc.message, exc.parameter) from None
    return province_document(province_report(request, ask, sees_integrity(request)))
