"""Who issues and signs the official report (the ``[report]`` section of hub.toml)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from hailong.settings import Section


def one_line(value: str) -> str:
    if re.search(r"[\x00-\x1f\x7f]", value):
        raise ValueError("expected one line of text, without line breaks or tabs")
    return value


def symbol_letters(value: str) -> str:
    if not re.fullmatch(r"[A-ZĐ0-9-]*", value):
        raise ValueError("expected capital letters, digits and hyphens, e.g. SNV or UBND-VP")
    return value


# One line of a document's header or signature: no line breaks or control characters (the
# layout of NĐ 30 is fixed; a stray newline would push the national title off its line).
Line = Annotated[str, Field(max_length=120), AfterValidator(one_line)]


class ReportSection(Section):
    """The official report (DOCX/PDF, NĐ 30/2020/NĐ-CP): who issues and signs it, and where."""

    body: Line = Field(
        "", description="Issuing body, as printed at the top left in capitals, e.g. "
        "\"SỞ NỘI VỤ\"; empty: the office's own name for an office's report")
    superior: Line = Field(
        "", description="The issuing body's direct superior, printed above it, e.g. "
        "\"UBND TỈNH LÂM ĐỒNG\"; empty: none")
    symbol: Annotated[str, AfterValidator(symbol_letters)] = Field(
        "", max_length=20,
        description="The body's abbreviation in the document's symbol \"Số: …/BC-SYMBOL\" "
        "(capitals), e.g. \"SNV\"; empty: a dotted line")
    place: Line = Field(
        "", description="Place name before the date line \"…, ngày … tháng … năm …\", e.g. "
        "\"Lâm Đồng\"; empty: a dotted line")
    signer_title: Line = Field(
        "", description="Signer's title above the signature, e.g. \"GIÁM ĐỐC\" or "
        "\"KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC\" (a slash starts a second line); empty: a dotted line")
    signer_name: Line = Field("", description="Signer's full name under the signature; optional")
    recipients: list[Line] = Field(
        ["Như trên", "Lưu: VT"], min_length=1, max_length=12,
        description="The \"Nơi nhận\" list, one recipient each")
