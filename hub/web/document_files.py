"""The office's and the province's report as an official document (NĐ 30/2020/NĐ-CP):
``report.docx`` to finish and sign in a word processor, ``report.pdf`` to read as it is. Both
are drawn from one :class:`hub.documents.model.OfficialDocument` over the report the page and
the API show (hub/documents/office_report.py, province_report.py)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.documents.docx_file import document_docx
from hub.documents.model import OfficialDocument
from hub.documents.office_report import office_document
from hub.documents.pdf_file import document_pdf
from hub.documents.province_report import province_document
from hub.web.context import dashboard_of
from hub.web.province_pages import asked_report
from hub.web.province_pages import file_name as province_file_name
from hub.web.report_pages import file_name, office_report

router = APIRouter()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def rendered(document: OfficialDocument, suffix: str) -> tuple[bytes, str]:
    """The document as ``docx`` or ``pdf``, with its media type."""
    if suffix == "docx":
        return document_docx(document), DOCX
    return document_pdf(document), "application/pdf"


def office_file(request: Request, office: str, suffix: str) -> Response:
    _session, report, texts = office_report(request, office)
    document = office_document(report, dashboard_of(request.app).report, texts)
    content, media_type = rendered(document, suffix)
    return attachment(content, media_type, file_name(report, suffix))


@router.get("/offices/{office}/report.docx", include_in_schema=False)
def report_docx(request: Request, office: str) -> Response:
    return office_file(request, office, "docx")


@router.get("/offices/{office}/report.pdf", include_in_schema=False)
def report_pdf(request: Request, office: str) -> Response:
    return office_file(request, office, "pdf")


def province_file(request: Request, province: str, suffix: str) -> Response:
    found = asked_report(request, province)
    if isinstance(found, Response):
        return found  # a malformed question: the error page
    _session, _ask, report, texts = found
    dashboard = dashboard_of(request.app)
    # the document names the province as people do; the model's id stays in URLs and the API
    named = replace(report, province=dashboard.roster.province_name(report.province))
    document = province_document(named, dashboard.report, texts)
    content, media_type = rendered(document, suffix)
    return attachment(content, media_type, province_file_name(report, suffix))


@router.get("/provinces/{province}/report.docx", include_in_schema=False)
def province_docx(request: Request, province: str) -> Response:
    return province_file(request, province, "docx")


@router.get("/provinces/{province}/report.pdf", include_in_schema=False)
def province_pdf(request: Request, province: str) -> Response:
    return province_file(request, province, "pdf")
