"""Error pages in the page's language: Starlette's own errors (no such page, a method not
allowed) and a mistyped range or parameter of a page, which the API says in English."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.i18n import Texts
from hub.web.access import session_of
from hub.web.params import MAX_RANGE_DAYS, ApiError, http_error
from hub.web.render import render, texts_of

# Paths whose errors stay JSON: the API's, and files a browser fetches for a page.
MACHINE_PATHS = ("/api/", "/static/")
MESSAGES = {404: "error.page_not_found", 403: "error.forbidden"}


async def http_failed(request: Request, exc: Exception) -> Response:
    """JSON for the API (as :func:`hub.web.params.http_error`), the error page for people."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(MACHINE_PATHS):
        return await http_error(request, exc)
    texts = texts_of(request)
    session = await run_in_threadpool(session_of, request)
    key = MESSAGES.get(exc.status_code)
    message = (texts.t(key) if key is not None
               else texts.t("error.other", status=exc.status_code))
    return render(request, "error.html", {"message": message}, exc.status_code, session)


def page_message(texts: Texts, request: Request, exc: ApiError) -> str:
    """A page parameter's refusal (an :class:`ApiError` of hub/web/params.py) in the page's
    language: a day, a range, or the ranking's order."""
    query = request.query_params
    value = query.get(exc.parameter or "") or ""
    if exc.parameter == "sort":
        return texts.t("province.error.sort", sort=value)
    if exc.message.startswith("the range is reversed"):
        first, last = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
        return texts.t("period.error.reversed", first=texts.day(first), last=texts.day(last))
    if exc.message.startswith("the range is longer"):
        return texts.t("period.error.too_long", days=MAX_RANGE_DAYS)
    if exc.parameter in ("from", "to"):
        return texts.t("period.error.day", value=value)
    return texts.t("error.bad_request", reason=exc.message)
