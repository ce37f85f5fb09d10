"""The hub's JSON API (FastAPI): offices, scores and breakdowns, kiosks, alerts, reasons, ranking.

Errors are JSON ``{"error": message, "parameter": name}`` with a 4xx status, never a 500 for a
caller's mistake. Every office route resolves its office through one dependency
(:func:`create_app`'s ``office_of``), the single place where per-office access control plugs in
(``HubContext.authorize``). Shapes are documented in docs/api.md; later versions may add keys,
never rename them. The OpenAPI document is served at ``/openapi.json``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hailong import __version__
from hailong.settings import check_id
from hub.documents import Documents, alert_document, rfc3339, withhold_small_officers
from hub.fleet import FleetError, add_fleet_routes
from hub.pushconfig import ConfigPusher
from hub.roster import Roster
from hub.store import Store
from hub.web.access import api_access, visible

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A range longer than ten years is a typo, not a question.
MAX_RANGE_DAYS = 3660
BREAKDOWNS = ("counter", "officer", "question", "day", "week", "month", "channel")
KINDS = ("admin", "hospital", "school")
# A dossier-count upload bigger than this is not a province's daily figures.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class ApiError(Exception):
    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


def allow_everyone(_request: Request, _office: str) -> None:
    """No access control yet: the dashboard issue adds users and raises 403 here."""


@dataclass
class HubContext:
    store: Store
    timezone_of: Callable[[str], ZoneInfo]
    mqtt_connected: Callable[[], bool]
    documents: Documents | None = None
    authorize: Callable[[Request, str], None] = field(default=allow_everyone)
    # Survey channels declared beside the standard ones ([hub] survey_channels).
    survey_channels: tuple[str, ...] = ()
    roster: Roster | None = None
    pusher: ConfigPusher | None = None
    # Told of an alert closed through the API (the live pages drop it at once).
    alert_closed: Callable[[str, dict[str, Any]], None] = lambda office, alert: None


def parse_day(value: str | None, parameter: str, default: date) -> date:
    if value is None or value == "":
        return default
    if not _DAY.match(value):
        raise ApiError(400, f"{parameter} must be a date as YYYY-MM-DD, got {value!r}", parameter)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{parameter} is not a real date: {value!r}", parameter) from None


def day_range(request: Request, tz: ZoneInfo) -> tuple[date, date]:
    today = datetime.now(tz).date()
    first = parse_day(request.query_params.get("from"), "from", today)
    last = parse_day(request.query_params.get("to"), "to", first if "from" in request.query_params
                     else today)
    if last < first:
        raise ApiError(400, f"the range is reversed: from {first} is after to {last}", "to")
    if (last - first).days > MAX_RANGE_DAYS:
        raise ApiError(400, f"the range is longer than {MAX_RANGE_DAYS} days", "to")
    return first, last


FromDay = Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD, in the "
                                      "office's time zone (default today)")]
ChannelParam = Annotated[str | None, Query(description="kiosk (default), a survey channel "
                                           "(paper, phone, postal, web …) or all")]
ToDay = Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD (default: "
                                    "`from`, or today)")]


def parse_dossier_upload(body: bytes, content_type: str, office: str) -> list[tuple[date, int]]:
    """Dossier counts from JSON ``{"counts": {"YYYY-MM-DD": N}}`` or CSV ``day,count`` lines."""
    if len(body) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"the upload is over {MAX_UPLOAD_BYTES} bytes", "body")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "the upload is not UTF-8 text", "body") from None
    if "csv" in content_type:
        from hub.dossiers import DossierError, parse_dossier_csv

        try:
            rows = parse_dossier_csv(text, default_office=office)
        except DossierError as exc:
            raise ApiError(400, str(exc), "body") from None
        if any(o != office for o, _, _ in rows):
            raise ApiError(400, "the CSV names another office than the URL", "body")
        return [(d, c) for _, d, c in rows]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not JSON: {exc.msg}", "body") from None
    counts = document.get("counts") if isinstance(document, dict) else None
    if not isinstance(counts, dict) or not counts:
        raise ApiError(400, 'expected {"counts": {"YYYY-MM-DD": number, …}}', "counts")
    parsed = []
    for key, value in counts.items():
        day = parse_day(str(key), "counts", date.min)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
            raise ApiError(400, f"counts.{key}: expected a whole number of dossiers, got {value!r}",
                           "counts")
        parsed.append((day, value))
    return parsed


def create_app(ctx: HubContext) -> FastAPI:
    app = FastAPI(title="hailong hub", version=__version__, docs_url=None, redoc_url=None,
                  description="Scores of the one-stop counters' feedback kiosks (SIPAS scale). "
                  "Days are in each office's time zone; see docs/api.md.",
                  dependencies=[Depends(api_access)])  # tokens and sessions: hub/web/access.py
    documents = ctx.documents

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message, "parameter": exc.parameter},
                            status_code=exc.status)

    @app.exception_handler(FleetError)
    async def _fleet_error(_request: Request, exc: FleetError) -> JSONResponse:
        return JSONResponse({"error": exc.message, "parameter": exc.parameter},
                            status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ())]
        parameter = loc[-1] if loc else None
        return JSONResponse({"error": f"{parameter}: {first.get('msg', 'invalid')}",
                             "parameter": parameter}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail), "parameter": None},
                            status_code=exc.status_code)

    def office_of(office: str, request: Request) -> str:
        """The office of the path, known (configured or seen on the wire) and allowed."""
        try:
            check_id(office)
        except ValueError:
            raise ApiError(404, f"{office!r} is not an office id", "office") from None
        if ctx.store.office(office) is None:
            raise ApiError(404, f"no office {office!r} is configured or has been seen", "office")
        ctx.authorize(request, office)
        return office

    office_dependency = Depends(office_of)

    def docs() -> Documents:
        if documents is None:
            raise ApiError(503, "the hub is starting", None)
        return documents

    def office_range(office: str, request: Request) -> tuple[date, date]:
        return day_range(request, ctx.timezone_of(office))

    def channel_of(value: str | None) -> str | None:
        """The ``channel`` parameter: kiosk by default, ``all`` for every channel pooled."""
        from hub.survey_imports import declared_channels

        if value is None or value == "":
            return "kiosk"
        known = ["kiosk", *declared_channels(ctx.survey_channels)]
        if value == "all":
            return None
        if value not in known:
            raise ApiError(400, f"channel must be all or one of {', '.join(known)}, got "
                           f"{value!r}", "channel")
        return value

    @app.get("/healthz", summary="Liveness: database and broker connection")
    def healthz() -> JSONResponse:
        database = True
        try:
            ctx.store.office_ids()
        except Exception:
            database = False
        ok = database
        return JSONResponse({"status": "ok" if ok else "degraded", "database": database,
                             "mqtt": ctx.mqtt_connected(), "version": __version__},
                            status_code=200 if ok else 503)

    @app.get("/api/v1/offices", summary="Offices of the roster and every office seen on the wire")
    def offices(request: Request) -> dict[str, Any]:
        return {"offices": [{
            "id": row["id"], "name": row["name"], "province": row["province"],
            "kind": row["kind"], "timezone": row["timezone"] or None,
            "registered": bool(row["registered"]), "gating": bool(row["gating"]),
            "first_seen": rfc3339(row["first_seen"]),
        } for row in ctx.store.offices() if visible(request, row["id"])]}

    @app.get("/api/v1/offices/{office}/scores",
             summary="Scores of an office over a range of days, optionally broken down")
    def scores(request: Request, office: str = office_dependency, from_: FromDay = None, to: ToDay = None,
               by: Annotated[str | None, Query(description="counter, officer, question, day, "
                                               "week, month or channel")] = None,
               channel: ChannelParam = None) -> dict[str, Any]:
        first, last = office_range(office, request)
        picked = channel_of(channel)
        if by is None or by == "":
            return docs().scores(office, first, last, picked)
        if by not in BREAKDOWNS:
            raise ApiError(400, f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}", "by")
        document = docs().breakdown(office, first, last, by, picked)
        principal = getattr(request.state, "principal", None)
        if by == "officer" and not (principal is not None and principal.is_admin):
            withhold_small_officers(document)  # heads see officers only above the minimum n
        return document

    @app.get("/api/v1/offices/{office}/channels",
             summary="Kiosk and survey channels side by side, differences marked")
    def channels(request: Request, office: str = office_dependency, from_: FromDay = None,
                 to: ToDay = None) -> dict[str, Any]:
        first, last = office_range(office, request)
        return docs().channels(office, first, last)

    @app.get("/api/v1/offices/{office}/aspects",
             summary="The three aspects: perceptions (sensitive reasons per 100 ratings), "
             "satisfaction (factors and items) and needs (the needs question ranked)")
    def aspects(request: Request, office: str = office_dependency, from_: FromDay = None,
                to: ToDay = None, channel: ChannelParam = None) -> dict[str, Any]:
        first, last = office_range(office, request)
        return docs().aspects(office, first, last, channel_of(channel))

    @app.get("/api/v1/offices/{office}/kiosks",
             summary="Health of an office's kiosks and the responses they have not delivered")
    def kiosks(office: str = office_dependency) -> dict[str, Any]:
        return docs().kiosks(office)

    @app.get("/api/v1/offices/{office}/alerts", summary="Alerts of an office, newest first")
    def alerts(office: str = office_dependency,
               state: Annotated[str, Query(description="open, closed or all")] = "all",
               limit: Annotated[int, Query(description="at most this many (1-1000)")] = 100
               ) -> dict[str, Any]:
        if state not in ("open", "closed", "all"):
            raise ApiError(400, f"state must be open, closed or all, got {state!r}", "state")
        if not 1 <= limit <= 1000:
            raise ApiError(400, "limit must be between 1 and 1000", "limit")
        return docs().alerts(office, state, limit)

    @app.post("/api/v1/offices/{office}/alerts/{alert_id}/close",
              summary="Close an open alert (with an optional note of what was done)")
    async def close_alert(alert_id: int, request: Request, office: str = office_dependency) -> dict[str, Any]:
        note = ""
        body = await request.body()
        if body:
            try:
                document = json.loads(body)
            except ValueError:
                raise ApiError(400, 'the body must be JSON like {"note": "…"}', "note") from None
            if not isinstance(document, dict) or not isinstance(document.get("note", ""), str):
                raise ApiError(400, 'the body must be JSON like {"note": "…"}', "note")
            note = document.get("note", "")
        if not ctx.store.close_alert(office, alert_id, datetime.now().astimezone(), note):
            raise ApiError(404, f"no open alert {alert_id} at {office}", "alert_id")
        ctx.alert_closed(office, alert_document(ctx.store.read.alert(alert_id)))
        return {"closed": alert_id}

    @app.get("/api/v1/offices/{office}/reasons",
             summary="Reasons chosen after low ratings, ranked, with their share of low ratings")
    def reasons(request: Request, office: str = office_dependency, from_: FromDay = None,
                to: ToDay = None) -> dict[str, Any]:
        first, last = office_range(office, request)
        return docs().reasons(office, first, last)

    @app.get("/api/v1/offices/{office}/flags",
             summary="Credibility flags: bursts, ratings without a transaction, skewed clocks, "
             "small officer cells")
    def flags(request: Request, office: str = office_dependency, from_: FromDay = None,
              to: ToDay = None) -> dict[str, Any]:
        first, last = office_range(office, request)
        return docs().flags(office, first, last)

    @app.get("/api/v1/offices/{office}/dossiers",
             summary="Dossiers received per day (the response rate's denominator)")
    def dossiers(request: Request, office: str = office_dependency, from_: FromDay = None,
                 to: ToDay = None) -> dict[str, Any]:
        first, last = office_range(office, request)
        rows = ctx.store.read.dossiers(office, first, last)
        return {"office": office, "from": first.isoformat(), "to": last.isoformat(),
                "counts": {row["day"].isoformat(): row["count"] for row in rows}}

    @app.put("/api/v1/offices/{office}/dossiers",
             summary='Record dossier counts: JSON {"counts": {"YYYY-MM-DD": N}} or CSV day,count')
    async def put_dossiers(request: Request, office: str = office_dependency) -> dict[str, Any]:
        parsed = parse_dossier_upload(await request.body(),
                                      request.headers.get("content-type", ""), office)
        stored = ctx.store.set_dossier_counts([(office, d, c) for d, c in parsed])
        return {"office": office, "stored": stored}

    @app.get("/api/v1/provinces", summary="Provinces named in the roster")
    def provinces() -> dict[str, Any]:
        return {"provinces": sorted(ctx.store.read.provinces())}

    @app.get("/api/v1/provinces/{province}/ranking",
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
        members = ctx.store.read.offices(province)
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
        asked = docs().questions_of_kind(ranked_kind)
        if asked is not None and question not in asked:
            raise ApiError(400, f"{ranked_kind} offices are not asked {question!r}: rank them on "
                           f"a question they share ({', '.join(asked)})", "question")
        if sort not in ("satisfied", "lower"):
            raise ApiError(400, f"sort must be satisfied or lower, got {sort!r}", "sort")
        if min_n is not None and not 1 <= min_n <= 1_000_000:
            raise ApiError(400, "min_n must be between 1 and 1000000", "min_n")
        zone = ctx.timezone_of(members[0]["id"])
        first, last = day_range(request, zone)
        return docs().ranking(province, first, last, question,
                              min_n if min_n is not None else docs().min_n, sort,
                              kind=ranked_kind, channel=channel_of(channel))

    # -- survey imports (admin: ADMIN_PATHS) ------------------------------------------------
    @app.post("/api/v1/surveys", status_code=201,
              summary="Import a survey file (CSV or XLSX body): checked whole, then stored")
    async def import_survey(request: Request,
                            channel: Annotated[str | None, Query(
                                description="the file's channel (paper, phone …) for rows that "
                                "leave it blank")] = None,
                            name: Annotated[str, Query(description="the file's name, shown in "
                                                       "the list of imports")] = "upload"
                            ) -> JSONResponse:
        from hub.survey_imports import import_document, import_survey_file
        from hub.surveys import SurveyRejected

        body = await request.body()
        principal = request.state.principal
        try:
            done = await run_in_threadpool(
                import_survey_file, ctx.store, docs().catalog, ctx.survey_channels,
                ctx.timezone_of, body, name, channel, f"{principal.kind}:{principal.name}")
        except SurveyRejected as exc:
            return JSONResponse({"error": f"the file has {exc.total} problem(s); "
                                 "nothing was imported", "parameter": "body",
                                 "problems": [str(p) for p in exc.problems]}, status_code=422)
        row = ctx.store.read.survey_import(done.id)
        assert row is not None
        return JSONResponse({"import": import_document(row), "duplicate": done.duplicate},
                            status_code=200 if done.duplicate else 201)

    @app.get("/api/v1/surveys", summary="Survey imports, newest first (undone ones too)")
    def survey_imports() -> dict[str, Any]:
        from hub.survey_imports import import_document

        return {"imports": [import_document(row) for row in ctx.store.read.survey_imports()]}

    @app.delete("/api/v1/surveys/{import_id}", summary="Undo a survey import")
    def undo_survey(import_id: int, request: Request) -> dict[str, Any]:
        principal = request.state.principal
        try:
            removed = ctx.store.undo_import(import_id, f"{principal.kind}:{principal.name}",
                                            datetime.now().astimezone())
        except LookupError as exc:
            raise ApiError(404, str(exc), "import_id") from None
        return {"undone": import_id, "removed": removed}

    @app.get("/api/v1/rejected", summary="Refused messages with their reasons, newest first")
    def rejected(limit: int = 100, offset: int = 0) -> dict[str, Any]:
        if not 1 <= limit <= 1000:
            raise ApiError(400, "limit must be between 1 and 1000", "limit")
        if offset < 0:
            raise ApiError(400, "offset must not be negative", "offset")
        total, rows = ctx.store.rejected(limit, offset)
        items = []
        for row in rows:
            item: dict[str, Any] = {"topic": row["topic"], "reason": row["reason"],
                                    "received_at": rfc3339(row["received_at"])}
            raw: bytes = row["payload"]
            try:
                item["payload"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                item["payload"] = base64.b64encode(raw).decode("ascii")
                item["payload_encoding"] = "base64"
            if row["truncated"]:
                item["truncated"] = True
            if row["response_id"]:
                item["id"] = row["response_id"]
            items.append(item)
        return {"total": total, "items": items}

    add_fleet_routes(app, docs, ctx.roster, ctx.pusher, office_dependency, ctx.store.office_ids)
    return app

