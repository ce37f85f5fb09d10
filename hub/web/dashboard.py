"""Puts the dashboard on the hub's app: access state, pages, live events, static files, headers.

``install_dashboard`` is the one call the hub makes; everything the pages need (store, time
zones, question wording, minimum n, live events) is kept on ``app.state.dashboard``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hailong import __version__, resources
from hailong.questionnaire import load_catalog
from hub.accounts import Accounts
from hub.documents import Documents
from hub.pushconfig import ConfigPusher
from hub.roster import Roster
from hub.store import Store
from hub.web.access import AccessDenied, Gate, PageDenied, access_denied
from hub.web.bodies import BodyLimit
from hub.web.events import LiveEvents
from hub.web.settings import WebSection
from hub.web.views import QuestionLabels

HERE = Path(__file__).resolve().parent
# Everything a page loads comes from the hub itself: no other origin may serve a script, a
# style, a font or an image, and no page may be framed by another site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


@dataclass
class Dashboard:
    store: Store
    timezone_of: Callable[[str], ZoneInfo]
    min_n: int
    labels: QuestionLabels
    events: LiveEvents
    gate: Gate
    templates: Jinja2Templates
    documents: Documents
    roster: Roster
    pusher: ConfigPusher | None = None

    def close(self) -> None:
        """End the live streams so that the web server can stop at once."""
        self.events.close()


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


def install_dashboard(app: FastAPI, store: Store, timezone_of: Callable[[str], ZoneInfo],
                      settings: WebSection, min_n: int, questionnaire_dirs: list[Path],
                      documents: Documents, roster: Roster | None = None,
                      pusher: ConfigPusher | None = None) -> Dashboard:
    from hub.web import admin_pages, pages, report_pages  # the routes need the types above

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    dashboard = Dashboard(
        store=store, timezone_of=timezone_of, min_n=min_n,
        labels=QuestionLabels(load_catalog(questionnaire_dirs).values()),
        events=LiveEvents(), gate=Gate(Accounts(store.engine), settings), templates=templates,
        documents=documents, roster=roster if roster is not None else Roster(), pusher=pusher)
    app.state.dashboard = dashboard
    app.state.gate = dashboard.gate
    app.add_exception_handler(AccessDenied, access_denied)
    app.add_exception_handler(PageDenied, pages.page_denied)
    app.add_exception_handler(report_pages.PeriodError, report_pages.period_failed)
    app.include_router(pages.router)
    app.include_router(report_pages.router)
    app.include_router(admin_pages.router)
    fonts = Path(str(resources.font_path())).parent
    app.mount("/static/fonts", StaticFiles(directory=fonts), name="fonts")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(BodyLimit)  # hub/web/bodies.py: sizes checked before bodies are read
    app.add_middleware(SecurityHeaders)
    return dashboard


def dashboard_of(app: Any) -> Dashboard:
    dashboard: Dashboard = app.state.dashboard
    return dashboard
