"""An official Vietnamese administrative report (NĐ 30/2020/NĐ-CP) as plain values.

The DOCX and the PDF (hub/documents/docx_file.py, pdf_file.py) are drawn from one
:class:`OfficialDocument`, so both carry the same words and figures. Nothing here knows a
file format, a font or a page: the model says *what* the document holds and in which order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Quốc hiệu and Tiêu ngữ, exactly as NĐ 30/2020/NĐ-CP (Phụ lục I) prints them; the motto is
# underlined by the renderers.
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
# What a person fills in by hand: a number, a day, a name.
BLANK = "…"
DOTS = "." * 150  # one line of dots across the text width, left for people's words


@dataclass(frozen=True, slots=True)
class Table:
    """A table of text cells; ``numeric`` columns are right-aligned. A long table may break
    across pages, its header row repeated on each."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    # relative column widths (the renderers scale them to the text width)
    widths: tuple[float, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    """A small bar chart: one bar per period (None: no ratings, no bar), its n under it."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]  # shares 0..1
    counts: tuple[int, ...]
    empty_label: str  # said under a period without ratings
    alt: str  # what the chart shows, in words


@dataclass(frozen=True, slots=True)
class Part:
    """One numbered part of the body (Kết quả, Hạn chế, Nguyên nhân, Giải pháp): sentences,
    then its chart and its tables; a part with no sentences is left as dotted lines for people's words."""

    heading: str
    sentences: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    chart: Chart | None = None
    blank_lines: int = 0  # dotted lines after the sentences


@dataclass(frozen=True, slots=True)
class OfficialDocument:
    superior: str  # the issuing body's superior ("" for none)
    body: str  # the issuing body, in capitals
    number: str  # "Số: …/BC-…"
    place_date: str  # "…, ngày … tháng … năm …"
    kind: str  # "BÁO CÁO"
    subject: str  # the line under it
    figures_title: str
    figures: tuple[tuple[str, str], ...]  # the box of key figures: label, value
    parts: tuple[Part, ...]
    recipients_title: str  # "Nơi nhận:"
    recipients: tuple[str, ...]
    signer_title: tuple[str, ...]  # one or two lines in capitals ("KT. GIÁM ĐỐC", "PHÓ …")
    signer_name: str
    signature_hint: str  # "(Ký, ghi rõ họ tên, đóng dấu)"
    appendix_title: str = ""
    appendix: tuple[Table, ...] = field(default_factory=tuple)
    national_title: str = NATIONAL_TITLE
    motto: str = MOTTO

    def text(self) -> str:
        """Every word of the document in reading order: what a search or a test reads."""
        lines = [self.superior, self.body, self.number, self.national_title, self.motto,
                 self.place_date, self.kind, self.subject, self.figures_title]
        lines += [f"{label}: {value}" for label, value in self.figures]
        for part in self.parts:
            lines += [part.heading, *part.sentences]
            for table in part.tables:
                lines += table_text(table)
        lines += [self.recipients_title, *self.recipients, *self.signer_title, self.signer_name]
        lines.append(self.appendix_title)
        for table in self.appendix:
            lines += table_text(table)
        return "\n".join(line for line in lines if line)


def table_text(table: Table) -> list[str]:
    return [table.title, " | ".join(table.header), *(" | ".join(row) for row in table.rows),
            table.note]
