"""Survey imports (admin: ``ADMIN_PATHS``): import a file, list the imports, undo one.

Imports go through hub/admin/survey_imports.py, as the CLI and the surveys page do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hub.admin.survey_imports import import_document, import_survey_file
from hub.admin.surveys import SurveyRejected
from hub.web.context import dashboard_of
from hub.web.params import ApiError

router = APIRouter()


@router.post("/api/v1/surveys", status_code=201,
             summary="Import a survey file (CSV or XLSX body): checked whole, then stored")
async def import_survey(request: Request,
                        channel: Annotated[str | None, Query(
                            description="the file's channel (paper, phone …) for rows that "
                            "leave it blank")] = None,
                        name: Annotated[str, Query(description="the file's name, shown in "
                                                   "the list of imports")] = "upload"
                        ) -> JSONResponse:
    dashboard = dashboard_of(request.app)
    body = await request.body()
    principal = request.state.principal
    try:
        done = await run_in_threadpool(
            import_survey_file, dashboard.store, dashboard.documents.catalog,
            dashboard.survey_channels, dashboard.timezone_of, body, name, channel,
            f"{principal.kind}:{principal.name}")
    except SurveyRejected as exc:
        return JSONResponse({"error": f"the file has {exc.total} problem(s); "
                             "nothing was imported", "parameter": "body",
                             "problems": [str(p) for p in exc.problems]}, status_code=422)
    row = dashboard.store.read.survey_import(done.id)
    assert row is not None
    return JSONResponse({"import": import_document(row), "duplicate": done.duplicate},
                        status_code=200 if done.duplicate else 201)


@router.get("/api/v1/surveys", summary="Survey imports, newest first (undone ones too)")
def survey_imports(request: Request) -> dict[str, Any]:
    read = dashboard_of(request.app).store.read
    return {"imports": [import_document(row) for row in read.survey_imports()]}


@router.delete("/api/v1/surveys/{import_id}", summary="Undo a survey import")
def undo_survey(import_id: int, request: Request) -> dict[str, Any]:
    principal = request.state.principal
    try:
        removed = dashboard_of(request.app).store.undo_import(
            import_id, f"{principal.kind}:{principal.name}", datetime.now().astimezone())
    except LookupError as exc:
        raise ApiError(404, str(exc), "import_id") from None
    return {"undone": import_id, "removed": removed}
