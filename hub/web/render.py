"""What every page needs: its texts and language, the template rendered, the office it is about.

The routes of hub/web/*_pages.py import these helpers; nothing here imports a route, so a page
module never has to import another to draw itself.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hailong.settings import ID_PATTERN
from hub.admin.accounts import Session
from hub.i18n import LANGS, Texts, pick_lang
from hub.web.access import LANG_COOKIE, PageDenied, set_cookie
from hub.web.charts import FAIR, GOOD, band, daily_chart, distribution_bar
from hub.web.context import Dashboard, dashboard_of

_OFFICE = re.compile(ID_PATTERN)
# The IANA names of Vietnam's one time zone, old and new: the pages call it by its name.
VIETNAM_ZONES = ("Asia/Ho_Chi_Minh", "Asia/Saigon")


def texts_of(request: Request) -> Texts:
    chosen = request.query_params.get("lang")
    return Texts(pick_lang(chosen if chosen in LANGS else request.cookies.get(LANG_COOKIE)))


def lang_url(request: Request, lang: str) -> str:
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    query["lang"] = lang
    return f"{request.url.path}?{urlencode(query)}"


def safe_next(value: str | None) -> str:
    """Only a path on this hub: never an absolute URL someone slipped into the link."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def render(request: Request, name: str, context: dict[str, Any], status: int = 200,
           session: Session | None = None) -> HTMLResponse:
    dashboard = dashboard_of(request.app)
    texts = texts_of(request)
    response = dashboard.templates.TemplateResponse(request, name, {
        "t": texts.t, "texts": texts, "session": session,
        "lang_urls": {lang: lang_url(request, lang) for lang in LANGS},
        "distribution_bar": distribution_bar,
        "daily_chart": lambda days, label=None: daily_chart(days, dashboard.min_n, texts, label),
        "band": lambda share, n: band(share, n, dashboard.min_n),
        "good": round(GOOD * 100), "fair": round(FAIR * 100),  # the colour scale's marks
        "zone_name": lambda zone: zone_name(texts, zone),
        "province_name": dashboard.roster.province_name,
        **context}, status_code=status)
    remember_lang(request, response)
    return response  # type: ignore[no-any-return]


def remember_lang(request: Request, response: Response) -> None:
    chosen = request.query_params.get("lang")
    if chosen in LANGS and chosen != request.cookies.get(LANG_COOKIE):
        set_cookie(response, request, LANG_COOKIE, str(chosen), max_age=365 * 86400)


def headings(texts: Texts) -> dict[str, str]:
    return {"overall": texts.t("live.overall"), "factor": texts.t("live.factor", factor="{factor}")}


# -- the office a page is about ------------------------------------------------------------
def office_row(dashboard: Dashboard, office: str) -> dict[str, Any] | None:
    return dashboard.store.read.office(office) if _OFFICE.match(office) else None


def known_office(dashboard: Dashboard, session: Session, office: str) -> dict[str, Any]:
    """The office's row; an office assigned to a head but never seen yet is known, and empty."""
    row = office_row(dashboard, office)
    if row is not None:
        return row
    if may_know(office, session.principal.offices):
        return {"id": office, "name": "", "province": "", "registered": False}
    raise PageDenied(404, office)


def may_know(office: str, offices: Collection[str]) -> bool:
    """An office id a caller was given, though the hub has not seen it yet."""
    return bool(_OFFICE.match(office)) and office in offices


def zone_name(texts: Texts, zone: tzinfo, now: datetime | None = None) -> str:
    """A time zone as people name it: "giờ Việt Nam (UTC+7)", else its offset today."""
    offset = (now or datetime.now(zone)).astimezone(zone).utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    text = f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")
    if str(zone) in VIETNAM_ZONES:
        return texts.t("clock.vietnam", offset=text)
    return text


def hub_zone(dashboard: Dashboard) -> ZoneInfo:
    """The hub's own time zone (``[hub] timezone``), for pages about no one office: the zone
    an id that no office has gets (hub/app.py)."""
    return dashboard.timezone_of("")


def today_in(dashboard: Dashboard, office: str) -> date:
    """The office's today, by the clock its documents are built with."""
    return dashboard.documents.today(office)
