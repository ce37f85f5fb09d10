"""Makes the hub's web app: the API's routers and the dashboard's pages, access, live events,
static files, headers.

:func:`create_app` is the one call the hub makes; everything the routes need (store, documents,
time zones, question wording, live events) is kept on ``app.state.dashboard``
(hub/web/context.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hailong import __version__
from hub.admin.accounts import Accounts
from hub.admin.fleet import FleetError
from hub.admin.pushconfig import ConfigPusher
from hub.documents.settings import ReportSection
from hub.roster import Roster
from hub.scores.documents import Documents
from hub.settings import PublicSection
from hub.store import Store
from hub.web import (
    action_pages,
    admin_pages,
    alert_pages,
    document_files,
    pages,
    province_pages,
    public_pages,
    rating_pages,
    report_pages,
    survey_pages,
)
from hub.web.access import AccessDenied, Gate, PageDenied, access_denied, api_access
from hub.web.api import actions, events, fleet, links, offices, provinces, surveys, system
from hub.web.assets import Assets
from hub.web.bodies import BodyLimit
from hub.web.context import Dashboard
from hub.web.error_pages import http_failed
from hub.web.events import LiveEvents
from hub.web.params import ApiError, api_error, validation_error
from hub.web.public_pages import PublicPages
from hub.web.settings import WebSection
from hub.web.views import QuestionLabels
from hub.web.webchannel import WebChannel

HERE = Path(__file__).resolve().parent
# Everything a page loads comes from the hub itself: no other origin may serve a script, a
# style, a font or an image, and no page may be framed by another site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'")
# Below this many bytes gzip's header costs more than it saves.
GZIP_MINIMUM = 500
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the headers above to every HTTP response (pure ASGI, so streams stay streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class ServerTiming:
    """Says on each phone questionnaire page how long the hub took, from the request reaching
    the app to the page's first byte (``Server-Timing: app;dur=…``, milliseconds): what
    bench/web_form.py reports, apart from the load generator's own delays."""

    PATHS = ("/r/", "/p/")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.PATHS):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                spent = (time.perf_counter() - started) * 1000
                headers = [*message.get("headers", []),
                           (b"server-timing", f"app;dur={spent:.1f}".encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_timing)


def create_app(store: Store, documents: Documents, timezone_of: Callable[[str], ZoneInfo],
               settings: WebSection, roster: Roster | None = None,
               pusher: ConfigPusher | None = None,
               mqtt_connected: Callable[[], bool] = lambda: False,
               survey_channels: Sequence[str] = (),
               ingest_trouble: Callable[[], str | None] = lambda: None,
               report: ReportSection | None = None,
               notify_enabled: bool = False,
               public: PublicSection | None = None,
               web: WebChannel | None = None) -> FastAPI:
    app = FastAPI(title="hailong hub", version=__version__, docs_url=None, redoc_url=None,
                  description="Scores of the one-stop counters' feedback kiosks (SIPAS scale). "
                  "Days are in each office's time zone; see docs/api.md.",
                  dependencies=[Depends(api_access)])  # tokens and sessions: hub/web/access.py
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    assets = Assets(HERE / "static")
    templates.env.globals["asset"] = assets.url
    dashboard = Dashboard(
        store=store, timezone_of=timezone_of, min_n=documents.min_n,
        labels=QuestionLabels(documents.catalog.values()),
        events=LiveEvents(), gate=Gate(Accounts(store.engine), settings), templates=templates,
        documents=documents, roster=roster if roster is not None else Roster(), pusher=pusher,
        mqtt_connected=mqtt_connected, survey_channels=tuple(survey_channels),
        ingest_trouble=ingest_trouble, notify_enabled=notify_enabled, web=web,
        report=report or ReportSection())  # type: ignore[call-arg]
    dashboard.public = PublicPages(public if public is not None else PublicSection())  # type: ignore[call-arg]
    app.state.dashboard = dashboard
    app.state.gate = dashboard.gate
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(FleetError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_failed)
    app.add_exception_handler(AccessDenied, access_denied)
    app.add_exception_handler(PageDenied, pages.page_denied)
    app.add_exception_handler(report_pages.PeriodError, report_pages.period_failed)
    for module in (system, offices, actions, events, provinces, surveys, fleet, links,
                   pages, alert_pages, report_pages, document_files, admin_pages, province_pages,
                   survey_pages, action_pages, public_pages, rating_pages):
        app.include_router(module.router)
    app.mount("/static", assets, name="static")
    # HTML, CSS, JS and JSON go compressed; Starlette leaves event streams (each event must
    # leave at once) and WOFF2 fonts (already Brotli inside) as they are.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM)
    app.add_middleware(BodyLimit)  # hub/web/bodies.py: sizes checked before bodies are read
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ServerTiming)
    return app
