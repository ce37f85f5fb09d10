"""Browser writes to the JSON API: a cookie-authenticated POST/PUT/DELETE must prove it comes from
the dashboard itself, with the session's CSRF token or a same-origin ``Origin``.

SameSite=Lax is not enough: sites differ by scheme and registrable domain only, so a page on
another port of the same host, or on another sub-domain, is "same-site" and the browser sends
the session cookie with its POST. A bearer-token call carries no ambient credential and is not
checked here. Forms (sign-in, sign-out, push config, survey upload) check their own token
(hub/web/access.py ``csrf_ok``).
"""

from __future__ import annotations

import secrets

from fastapi import Request

from hub.admin.accounts import Session

# Header a script of the dashboard sends with the session's token (the page has it in its forms).
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def cookie_write_refusal(request: Request, session: Session) -> str | None:
    """Why a cookie-authenticated API request may not write; None when it may."""
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        return f"a write from another origin ({origin[:100]}) is refused"
    given = request.headers.get(CSRF_HEADER, "")
    if given and secrets.compare_digest(given.encode(), session.csrf.encode()):
        return None
    if origin is not None:  # the browser said where the request comes from: this hub
        return None
    return (f"a browser write needs the session's CSRF token in {CSRF_HEADER} or a same-origin "
            "Origin header; scripts use Authorization: Bearer <token>")
