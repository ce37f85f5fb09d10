"""The public page of a province, ``/public/{province}``: no sign-in, only where ``[public]
enabled = true``; each office's last complete month and what it did ("Ông/Bà đã góp ý – chúng
tôi đã làm").

Cached, so that a link shared on a province's portal cannot slow the ingest: a page is built
once per province and language and served for ``[public] cache_seconds`` (60 s by default) with
an ETag and ``Cache-Control: public, max-age``; an action done clears the cache at once. A build
reads only monthly rollups (hub/admin/results.py).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from hub.admin.results import month_told
from hub.scores.public import FACTORS, province_integrity
from hub.settings import PublicSection
from hub.web.context import dashboard_of
from hub.web.render import render, texts_of

router = APIRouter()


@dataclass(frozen=True, slots=True)
class Built:
    body: bytes
    etag: str
    at: float
    status: int


@dataclass
class PublicPages:
    """The built pages, per (province, language)."""

    settings: PublicSection
    clock: Callable[[], float] = time.monotonic
    pages: dict[tuple[str, str], Built] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    builds: int = 0  # how many pages were built: the bench and tests read it

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()

    def fresh(self, key: tuple[str, str]) -> Built | None:
        found = self.pages.get(key)
        if found is not None and self.clock() - found.at < self.settings.cache_seconds:
            return found
        return None

    def get(self, key: tuple[str, str], build: Callable[[], tuple[bytes, int]]) -> Built:
        """The page of ``key``, built when missing or older than the cache time; one build at
        a time, so a burst of requests after expiry builds it once. Only a found province's
        page is kept: made-up names cannot fill the memory."""
        found = self.fresh(key)
        if found is not None:
            return found
        with self.lock:
            found = self.fresh(key)
            if found is None:
                body, status = build()
                found = Built(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                              self.clock(), status)
                self.builds += 1
                if status == 200:
                    self.pages[key] = found
        return found


def province_context(request: Request, province: str) -> dict[str, Any] | None:
    """Every registered office of the province (the roster's) with its month told; None when
    the roster has no office there."""
    dashboard = dashboard_of(request.app)
    documents = dashboard.documents
    texts = texts_of(request)
    members = [o for o in dashboard.store.read.offices(province) if o["registered"]]
    if not members:
        return None
    offices = []
    integrity: list[dict[str, dict[str, int]]] = []
    for row in members:
        office = str(row["id"])
        told = month_told(documents, office)
        counts: dict[str, dict[str, int]] = {}
        for sums in documents.read.integrity_sums(office, told.first, told.last):
            counts.setdefault(str(sums["question"]), {})[str(sums["answer"])] = int(sums["n"])
        integrity.append(counts)
        names = documents.problem_names(office, texts.lang)["factor"]
        offices.append({"name": row["name"] or texts.t("public.unnamed"), "told": told,
                        "month": texts.period(f"{told.first:%Y-%m}"),
                        "factors": [(names.get(k, texts.t(f"report.factor.{k}")),
                                     told.figures["factors"][k]) for k in FACTORS]})
    pooled = province_integrity(integrity, documents.min_n)
    questions = [{**entry, "text": (documents.text_of(entry["question"]) or {})
                  .get(texts.lang, "")} for entry in pooled or ()]
    return {"province": province, "offices": offices, "min_n": documents.min_n,
            "integrity": questions, "integrity_shown": pooled is not None,
            "month": offices[0]["month"]}


def build_page(request: Request, province: str) -> tuple[bytes, int]:
    texts = texts_of(request)
    context = province_context(request, province)
    if context is None:
        response = render(request, "error.html", {
            "message": texts.t("public.none", province=province)}, 404)
    else:
        response = render(request, "public.html", context, 200)
    return bytes(response.body), response.status_code


@router.get("/public/{province}", response_class=HTMLResponse, include_in_schema=False)
async def public_page(request: Request, province: str) -> Response:
    """Served on the event loop when the page is built (a dictionary look-up and the bytes);
    a build, which reads the database, runs in the thread pool."""
    dashboard = dashboard_of(request.app)
    pages: PublicPages = dashboard.public
    texts = texts_of(request)
    if not pages.settings.enabled:
        return render(request, "error.html", {"message": texts.t("public.disabled")}, 404)
    key = (province, texts.lang)
    built = pages.fresh(key)
    if built is None:
        built = await run_in_threadpool(pages.get, key, lambda: build_page(request, province))
    headers = {"ETag": built.etag, "Vary": "Cookie",
               "Cache-Control": f"public, max-age={pages.settings.cache_seconds}"}
    if request.headers.get("if-none-match") == built.etag:
        return Response(status_code=304, headers=headers)
    return HTMLResponse(built.body, built.status, headers=headers)
