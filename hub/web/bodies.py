"""The size of a request body is checked before it is read, for every write to the hub.

A route that reads ``await request.body()`` and then compares its length has already taken the
whole body into memory. This ASGI middleware refuses with 413 a request whose
``Content-Length`` is over its route's limit before the route runs, and counts the bytes of a
body sent without one (chunked), stopping as soon as it is over.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.admin.surveys import MAX_SURVEY_BYTES
from hub.web.api.offices import MAX_UPLOAD_BYTES

# Sign-in and sign-out forms, an alert's note, a config push: a few hundred bytes. 64 KiB is
# far beyond any of them and still nothing to hold in memory.
DEFAULT_LIMIT = 64 * 1024
# A browser's multipart form wraps the file in a few hundred bytes of headers and fields.
FORM_OVERHEAD = 64 * 1024
# Routes that take files: (method, path) → their limit. Everything else: DEFAULT_LIMIT.
LIMITS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("PUT", re.compile(r"^/api/v1/offices/[^/]+/dossiers$"), MAX_UPLOAD_BYTES),
    ("POST", re.compile(r"^/api/v1/surveys$"), MAX_SURVEY_BYTES),
    ("POST", re.compile(r"^/surveys$"), MAX_SURVEY_BYTES + FORM_OVERHEAD),
)
_READS = ("GET", "HEAD", "OPTIONS")


def limit_for(method: str, path: str) -> int:
    return next((limit for m, pattern, limit in LIMITS if m == method and pattern.match(path)),
                DEFAULT_LIMIT)


class _TooLarge(Exception):
    pass


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "parameter": "body"}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"])
        too_large = f"the request body is over {limit} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 400, "Content-Length is not a number")
                return
            if int(declared) > limit:
                await _refuse(send, 413, too_large)
                return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await _refuse(send, 413, too_large)
