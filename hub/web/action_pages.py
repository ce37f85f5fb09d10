"""An office's plan of actions as pages: the list with a form to add one and one to update each,
and its CSV and XLSX export. Forms post and redirect, so they work without JavaScript.

Heads change their own offices' plans and admins any; a province viewer reads the page (no
forms) and every write it sends is refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hub.admin.accounts import Session
from hub.admin.actions import ActionError, save_action
from hub.i18n import Texts
from hub.scores.actions import FIELDS, PROBLEM_KINDS, STATUSES
from hub.scores.report_actions import plan_section
from hub.web.access import PageDenied, csrf_ok, office_session
from hub.web.context import dashboard_of
from hub.web.render import known_office, render, texts_of, today_in
from hub.web.report_files import people_csv, sections_xlsx

router = APIRouter()


def plan_context(request: Request, office: str, session: Session, texts: Texts
                 ) -> dict[str, Any]:
    dashboard = dashboard_of(request.app)
    row = known_office(dashboard, session, office)
    documents = dashboard.documents
    names = documents.problem_names(office, texts.lang)
    return {"office": row, "actions": documents.named_actions(office, texts.lang),
            "problems": [(f"{kind}:{ref}", kind, name) for kind in PROBLEM_KINDS
                         for ref, name in names[kind].items()],
            "statuses": STATUSES, "today": today_in(dashboard, office).isoformat(),
            "writes": not session.principal.reads_only, "csrf": session.csrf,
            "zone": dashboard.timezone_of(office)}


@router.get("/offices/{office}/actions", response_class=HTMLResponse, include_in_schema=False)
def actions_page(request: Request, office: str) -> Response:
    session = office_session(request, office)
    texts = texts_of(request)
    context = plan_context(request, office, session, texts)
    saved = request.query_params.get("saved")
    context["notice"] = texts.t("actions.saved") if saved else None
    return render(request, "actions.html", context, 200, session)


def form_fields(form: Any) -> dict[str, str]:
    """The action's fields of a posted form; its problem select holds ``kind:ref``."""
    fields = {k: str(form.get(k)) for k in FIELDS
              if form.get(k) is not None and k not in ("problem_kind", "problem_ref")}
    link = str(form.get("problem_link") or "")
    if link:
        kind, _, ref = link.partition(":")
        fields.update(problem_kind=kind, problem_ref=ref)
    return fields


async def write_session(request: Request, office: str) -> tuple[Session, Any] | Response:
    session = await run_in_threadpool(office_session, request, office)
    form = await request.form()
    if not csrf_ok(request, form, session.csrf) or session.principal.reads_only:
        return HTMLResponse(texts_of(request).t("signin.csrf" if not session.principal.reads_only
                                                else "error.forbidden"), 403)
    return session, form


async def _save(request: Request, office: str, action_id: int | None) -> Response:
    checked = await write_session(request, office)
    if isinstance(checked, Response):
        return checked
    session, form = checked
    dashboard = dashboard_of(request.app)
    texts = texts_of(request)
    try:
        saved = await run_in_threadpool(save_action, dashboard.store, dashboard.documents,
                                        office, form_fields(form), session.principal.name,
                                        action_id, dashboard.action_done)
    except ActionError as exc:
        context = await run_in_threadpool(plan_context, request, office, session, texts)
        context.update(error=texts.t(exc.key), error_for=action_id,
                       entered={k: str(form.get(k) or "") for k in (*FIELDS, "problem_link")})
        return render(request, "actions.html", context, 400, session)
    except LookupError:
        raise PageDenied(404, office) from None
    return RedirectResponse(f"/offices/{office}/actions?{urlencode({'saved': saved['id']})}"
                            f"#action-{saved['id']}", 303)


@router.post("/offices/{office}/actions", include_in_schema=False)
async def add_action(request: Request, office: str) -> Response:
    return await _save(request, office, None)


@router.post("/offices/{office}/actions/{action_id}", include_in_schema=False)
async def change_action(request: Request, office: str, action_id: int) -> Response:
    return await _save(request, office, action_id)


def export(request: Request, office: str) -> tuple[Any, Texts, str, str]:
    """The plan as a section, the texts, a file name and a title for the workbook."""
    session = office_session(request, office)
    dashboard = dashboard_of(request.app)
    row = known_office(dashboard, session, office)
    texts = texts_of(request)
    section = plan_section(dashboard.documents.named_actions(office, texts.lang))
    name = f"{office}_actions_{today_in(dashboard, office).isoformat()}"
    return section, texts, name, f"{texts.t('actions.title')} — {row.get('name') or office}"


@router.get("/offices/{office}/actions.csv", include_in_schema=False)
def actions_csv(request: Request, office: str) -> Response:
    section, texts, name, _title = export(request, office)
    zone = dashboard_of(request.app).timezone_of(office)
    # A byte-order mark lets Excel open the UTF-8 file with its Vietnamese letters intact.
    return Response("\ufeff" + people_csv(section, texts, zone),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@router.get("/offices/{office}/actions.xlsx", include_in_schema=False)
def actions_xlsx(request: Request, office: str) -> Response:
    section, texts, name, title = export(request, office)
    dashboard = dashboard_of(request.app)
    return Response(sections_xlsx([section], texts, title, {"min_n": dashboard.min_n},
                                  dashboard.timezone_of(office)),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
