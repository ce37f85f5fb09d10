"""Who is asking and what they may see: bearer tokens and browser sessions, CSRF, cookies.

The JSON API accepts ``Authorization: Bearer <token>`` and the signed-in browser session alike,
with the same per-office rights (:func:`api_access`, applied to the whole app by hub/web/dashboard.py).
Pages accept the session only. A path parameter named ``office`` is always checked against the
caller's offices; paths under :data:`ADMIN_PATHS` need an admin, those under
:data:`PROVINCE_PATHS` an admin or a viewer of the province. A viewer changes nothing: every
write it sends is refused (:data:`READS`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from hub.admin.accounts import Accounts, Principal, Session
from hub.web.ratelimit import SigninLimiter
from hub.web.settings import WebSection

SESSION_COOKIE = "hailong_session"
# Before sign-in there is no session to hold a CSRF token: the sign-in form's token is a random
# value in this cookie, and the form must send it back (double submit).
SIGNIN_COOKIE = "hailong_signin"
LANG_COOKIE = "hailong_lang"
CSRF_FIELD = "csrf"
OPEN_PATHS = ("/healthz",)
# Paths only an admin may use, pages and API alike (a head gets 403): every path starting with
# one of these, and every path matching one of ADMIN_ROUTES (admin actions under an office).
ADMIN_PATHS = ("/api/v1/rejected", "/api/v1/fleet", "/api/v1/surveys", "/fleet", "/rejected",
               "/surveys")
ADMIN_ROUTES = (re.compile(r"^/api/v1/offices/[^/]+/kiosks/[^/]+/config$"),)
# Paths across the offices of a province (rankings): an admin, or a viewer of that province
# (a head gets 403); a viewer sees only its own provinces listed.
PROVINCE_PATHS = ("/api/v1/provinces", "/provinces")
# A linker token (the province's one-stop software) makes phone links and nothing else: it
# reads no score.
LINKER_PATHS = ("/api/v1/links",)
# The only methods a viewer may send: it reads, and changes nothing (no config push, survey
# import, alert closing, dossier count; user admin is the CLI's, on the hub's machine).
READS = ("GET", "HEAD", "OPTIONS")


def admin_only(path: str) -> bool:
    return path.startswith(ADMIN_PATHS) or any(r.match(path) for r in ADMIN_ROUTES)


def province_only(path: str) -> bool:
    return path.startswith(PROVINCE_PATHS)


def province_allowed(principal: Principal, path: str, province: str | None) -> bool:
    """May this principal use a province path (for ``province``, when the path names one)?"""
    if principal.is_admin:
        return True
    if not principal.reads_only:
        return False
    return province is None or principal.may_see_province(province)


@dataclass
class Gate:
    """The dashboard's access state, kept on ``app.state.gate``."""

    accounts: Accounts
    settings: WebSection
    limiter: SigninLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = SigninLimiter(self.settings.signin_max_failures,
                                     float(self.settings.signin_window))

    @property
    def idle(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)


class AccessDenied(Exception):
    """An API call without the right to it: 401 (who are you?) or 403 (not yours)."""

    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


class PageDenied(Exception):
    """A page without the right to it: the sign-in page (no session) or a 403 page."""

    def __init__(self, status: int, office: str | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.office = office


def gate_of(request: Request) -> Gate:
    gate: Gate = request.app.state.gate
    return gate


def session_of(request: Request) -> Session | None:
    """The browser session behind the request's cookie (looked up once per request)."""
    if "session" in request.scope.get("state", {}):
        cached: Session | None = request.state.session
        return cached
    found = gate_of(request).accounts.session(request.cookies.get(SESSION_COOKIE, ""),
                                              gate_of(request).idle)
    request.state.session = found
    return found


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def principal_of(request: Request) -> Principal | None:
    token = bearer(request)
    if token is not None:  # a bearer header given is the only credential considered
        return gate_of(request).accounts.token(token) if token else None
    session = session_of(request)
    return session.principal if session else None


def api_access(request: Request) -> None:
    """The API's gate: every ``/api/`` path needs a token or a session with the right offices."""
    path = request.url.path
    if not path.startswith("/api/") or path in OPEN_PATHS:
        return
    principal = principal_of(request)
    if principal is None:
        message = ("the token is not valid (revoked or mistyped)" if bearer(request)
                   else "sign in, or send Authorization: Bearer <token>")
        raise AccessDenied(401, message)
    office = request.path_params.get("office")
    if office is not None and not principal.may_see(str(office)):
        raise AccessDenied(403, f"{principal.kind} {principal.name!r} may not see office "
                           f"{office!r}", "office")
    if admin_only(path) and not principal.is_admin:
        raise AccessDenied(403, "only an admin may see this", None)
    province = request.path_params.get("province")
    if province_only(path) and not province_allowed(principal, path, province):
        raise AccessDenied(403, "only an admin or a viewer of this province may see this",
                           "province" if province is not None else None)
    if principal.role == "linker" and path not in LINKER_PATHS:
        raise AccessDenied(403, f"linker {principal.name!r} only makes links "
                           "(POST /api/v1/links)", None)
    if principal.reads_only and request.method not in READS:
        raise AccessDenied(403, f"viewer {principal.name!r} reads and changes nothing", None)
    session = session_of(request) if bearer(request) is None else None
    if session is not None:  # a browser's cookie: writes must come from the dashboard
        from hub.web.csrf import cookie_write_refusal

        refusal = cookie_write_refusal(request, session)
        if refusal is not None:
            raise AccessDenied(403, refusal, None)
    request.state.principal = principal


def visible(request: Request, office: str) -> bool:
    """For API handlers that list offices: may the caller see this one?"""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal is not None and principal.may_see(office)


async def access_denied(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessDenied)
    headers = {"WWW-Authenticate": 'Bearer realm="hailong"'} if exc.status == 401 else None
    return JSONResponse({"error": exc.message, "parameter": exc.parameter},
                        status_code=exc.status, headers=headers)


def page_session(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise PageDenied(401)
    return session


def admin_session(request: Request) -> Session:
    """A page under :data:`ADMIN_PATHS`: signed in, and an admin."""
    session = page_session(request)
    if not session.principal.is_admin or not admin_only(request.url.path):
        raise PageDenied(403)
    return session


def province_session(request: Request, province: str | None = None) -> Session:
    """A page under :data:`PROVINCE_PATHS`: an admin, or a viewer (of ``province``)."""
    session = page_session(request)
    if not province_allowed(session.principal, request.url.path, province):
        raise PageDenied(403)
    return session


def office_session(request: Request, office: str) -> Session:
    session = page_session(request)
    if not session.principal.may_see(office):
        raise PageDenied(403, office)
    return session


def is_tls(request: Request, settings: WebSection) -> bool:
    return settings.secure_cookies == "always" or request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None = None, samesite: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite=samesite,  # type: ignore[arg-type]
                        secure=is_tls(request, gate_of(request).settings))


def signin_token(request: Request) -> tuple[str, bool]:
    """The sign-in form's CSRF token, and whether its cookie must be (re)set."""
    current = request.cookies.get(SIGNIN_COOKIE, "")
    if len(current) >= 32:
        return current, False
    return secrets.token_urlsafe(32), True


def same_origin(request: Request) -> bool:
    """Browsers send Origin on every POST; one naming another site is refused outright."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def csrf_ok(request: Request, form: Any, expected: str) -> bool:
    given = form.get(CSRF_FIELD)
    return (isinstance(given, str) and bool(expected) and same_origin(request)
            and secrets.compare_digest(given.encode(), expected.encode()))
