"""The phone questionnaire's pages: ``/r/{token}`` (a dossier's signed link, channel ``web``) and
``/p/{token}`` (a counter poster, channel ``web-poster``). Public: the link is the credential.

One form per screen, no script and no session: the answers so far travel in a signed hidden
field (hub/web/rating_form.py has the rules), and the only cookie is the form's CSRF token
(double submit, with a same-origin check). The last screen hands the response to the hub's
ingest, the same path as a kiosk's (hub/web/webchannel.py); its id, made when the form opened,
makes a double tap, a refresh or a resubmission store it once. A tampered, expired or used link
gets a page saying so in Vietnamese (or English), and nothing is stored.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from hailong.questionnaire import Questionnaire
from hub.i18n import Texts, pick_lang
from hub.store import tables as t
from hub.web.access import same_origin
from hub.web.context import dashboard_of
from hub.web.links import LinkClaims, LinkRefused
from hub.web.rating_form import FormState, Step, apply, current_question, progress, response_document
from hub.web.webchannel import WebChannel

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

FORM_COOKIE = "hailong_form"
STATE_LABEL = "form-state"
# Every screen holds a fresh state and a CSRF token: never from a cache, never shared.
PAGE_HEADERS = {"Cache-Control": "no-store"}


def _web(request: Request) -> WebChannel:
    web = dashboard_of(request.app).web
    if web is None:
        raise RuntimeError("the web channel is not set up")
    return web


def _page(request: Request, texts: Texts, context: dict[str, Any], status: int = 200,
          csrf: str = "") -> HTMLResponse:
    dashboard = dashboard_of(request.app)
    response = dashboard.templates.TemplateResponse(request, "rate.html", {
        "t": texts.t, "texts": texts, "csrf": csrf, "question": None, "problem": None,
        "refused": False, "retry_state": None, "office_name": "", "counter_name": "",
        **context}, status_code=status, headers=PAGE_HEADERS)
    if csrf and request.cookies.get(FORM_COOKIE) != csrf:
        response.set_cookie(FORM_COOKIE, csrf, path="/", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
    return response


def _names(web: WebChannel, claims: LinkClaims) -> dict[str, str]:
    place = web.place(claims.office)
    return {"office_name": place.office_name or claims.office,
            "counter_name": place.counter_names.get(claims.counter) or claims.counter}


def _refused(request: Request, texts: Texts, why: str, status: int,
             claims: LinkClaims | None = None, **more: Any) -> HTMLResponse:
    names = _names(_web(request), claims) if claims is not None else {}
    return _page(request, texts, {"heading": texts.t("rate.refused.title"),
                                  "message": texts.t(f"rate.refused.{why}"), "refused": True,
                                  **names, **more}, status)


def _claims(request: Request, kind: str, token: str) -> LinkClaims:
    web = _web(request)
    return web.signer.read("poster" if kind == "p" else "dossier", token, web.clock())


def _csrf(request: Request) -> str:
    current = request.cookies.get(FORM_COOKIE, "")
    return current if len(current) >= 32 else secrets.token_urlsafe(32)


def _screen(request: Request, texts: Texts, claims: LinkClaims, questionnaire: Questionnaire,
            state: FormState, action: str, csrf: str, problem: str | None = None
            ) -> HTMLResponse:
    web = _web(request)
    question = current_question(questionnaire, state, claims.stage)
    state = replace(state, current=question.id)
    chosen = state.answers.get(question.id)
    note = questionnaire.group_note(question.group)
    problem_text = None
    if problem is not None:
        problem_text = texts.t(f"rate.problem.{problem}", n=question.max_choices or 0)
    return _page(request, texts, {
        "heading": question.text.get(texts.lang), "question": question, "problem": problem_text,
        "chosen": chosen if isinstance(chosen, int) else None,
        "chosen_list": chosen if isinstance(chosen, list) else [],
        "note": note.get(texts.lang) if note else None, "action": action,
        "step": progress(questionnaire, state, claims.stage),
        "state": web.signer.seal(STATE_LABEL, state.sealed()), **_names(web, claims)},
        csrf=csrf)


def _open(request: Request, kind: str, token: str, lang: str | None
          ) -> tuple[Texts, LinkClaims | None, Questionnaire | None, HTMLResponse | None]:
    """The link's claims and questionnaire, or the page that refuses it."""
    texts = Texts(pick_lang(lang))
    web = _web(request)
    try:
        claims = _claims(request, kind, token)
    except LinkRefused as exc:
        return texts, None, None, _refused(request, texts, exc.why,
                                           410 if exc.why == "expired" else 404)
    questionnaire = web.place(claims.office).questionnaire
    if questionnaire is None:
        return texts, claims, None, _refused(request, texts, "tampered", 404)
    return texts, claims, questionnaire, None


def _start(request: Request, kind: str, token: str, lang: str | None) -> HTMLResponse:
    texts, claims, questionnaire, refusal = _open(request, kind, token, lang)
    if refusal is not None or claims is None or questionnaire is None:
        return refusal or _refused(request, texts, "tampered", 404)
    web = _web(request)
    if claims.h is not None and web.rated(claims.h, claims.stage):
        return _refused(request, texts, "used", 409, claims)
    zone = dashboard_of(request.app).timezone_of(claims.office)
    started = web.clock().astimezone(zone).isoformat(timespec="seconds")
    state = FormState(str(uuid.uuid4()), started, texts.lang)
    return _screen(request, texts, claims, questionnaire, state, request.url.path,
                   _csrf(request))


def _step(request: Request, kind: str, token: str, action: str, values: list[str], state: str,
          csrf: str) -> HTMLResponse:
    texts, claims, questionnaire, refusal = _open(request, kind, token, None)
    if refusal is not None or claims is None or questionnaire is None:
        return refusal or _refused(request, texts, "tampered", 404)
    web = _web(request)
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not (csrf and cookie and secrets.compare_digest(csrf.encode(), cookie.encode())
            and same_origin(request)):
        return _refused(request, texts, "form", 403, claims)
    try:
        form = FormState.unsealed(web.signer.open(STATE_LABEL, state))
    except (LinkRefused, KeyError, TypeError, ValueError):
        return _refused(request, texts, "form", 400, claims)
    texts = Texts(pick_lang(form.lang))
    if web.store.read.response_stored(form.response_id):
        return _thanks(request, texts, claims)  # a refresh or a resubmission: stored once
    if claims.h is not None and web.rated(claims.h, claims.stage):
        return _refused(request, texts, "used", 409, claims)
    verb, _, value = action.partition(":")
    step = apply(questionnaire, form, claims.stage, verb, [value] if value else values)
    if not step.finished:
        return _screen(request, Texts(pick_lang(step.state.lang)), claims, questionnaire,
                       step.state, request.url.path, csrf, step.problem)
    return _finish(request, texts, claims, questionnaire, step, csrf)


def _finish(request: Request, texts: Texts, claims: LinkClaims, questionnaire: Questionnaire,
            step: Step, csrf: str) -> HTMLResponse:
    web = _web(request)
    channel = t.WEB_CHANNEL if claims.kind == "dossier" else t.POSTER_CHANNEL
    client = request.client.host if request.client else ""
    if claims.kind == "poster" and not web.poster_allowed(client, claims.office, claims.counter):
        return _refused(request, texts, "limited", 429, claims)
    zone = dashboard_of(request.app).timezone_of(claims.office)
    now = web.clock().astimezone(zone)
    document = response_document(questionnaire, step.state, office=claims.office,
                                 counter=claims.counter, channel=channel, stage=claims.stage,
                                 receipt_h=claims.h,
                                 submitted_at=max(now.isoformat(timespec="seconds"),
                                                  step.state.started_at))
    outcome = web.store_rating(document, channel)
    if outcome in ("stored", "duplicate", "conflict"):
        return _thanks(request, texts, claims)
    if outcome == "timeout":
        retry = web.signer.seal(STATE_LABEL, step.state.sealed())
        return _refused(request, texts, "busy", 503, claims, retry_state=retry,
                        action=request.url.path, csrf=csrf)
    log.warning("a web rating for %s was refused by the ingest: %s", claims.office, outcome)
    return _refused(request, texts, "form", 422, claims)


def _thanks(request: Request, texts: Texts, claims: LinkClaims) -> HTMLResponse:
    return _page(request, texts, {"heading": texts.t("rate.thanks.title"),
                                  "message": texts.t("rate.thanks.body"),
                                  **_names(_web(request), claims)})


Token = Annotated[str, "a signed link"]
FormText = Annotated[str, Form()]


class Tap:
    """A screen's form as posted: the button pressed, the signed state, the CSRF token and the
    choices ticked."""

    def __init__(self, action: FormText = "", state: FormText = "", csrf: FormText = "",
                 a: Annotated[list[str] | None, Form()] = None) -> None:
        self.action, self.state, self.csrf, self.values = action, state, csrf, a or []


Tapped = Annotated[Tap, Depends()]


@router.get("/r/{token}", response_class=HTMLResponse)
def dossier_form(request: Request, token: Token, lang: str | None = None) -> HTMLResponse:
    return _start(request, "r", token, lang)


@router.post("/r/{token}", response_class=HTMLResponse)
def dossier_step(request: Request, token: Token, tap: Tapped) -> HTMLResponse:
    return _step(request, "r", token, tap.action, tap.values, tap.state, tap.csrf)


@router.get("/p/{token}", response_class=HTMLResponse)
def poster_form(request: Request, token: Token, lang: str | None = None) -> HTMLResponse:
    return _start(request, "p", token, lang)


@router.post("/p/{token}", response_class=HTMLResponse)
def poster_step(request: Request, token: Token, tap: Tapped) -> HTMLResponse:
    return _step(request, "p", token, tap.action, tap.values, tap.state, tap.csrf)
