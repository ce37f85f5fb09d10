"""An official document as PDF (fpdf2, the bundled Liberation Serif embedded: Times New Roman's
metrics as NĐ 30 asks, Vietnamese letters and diacritics as they are), laid out as
hub/documents/layout.py says."""

from __future__ import annotations

import io
from typing import Any

from hailong.resources import serif_font_path
from hub.documents.chart import chart_png
from hub.documents.layout import (
    BODY_PT,
    BOTTOM,
    HEADER_LEFT,
    KEEP_WITH_NEXT,
    LEFT,
    MOTTO_PT,
    NATIONAL_PT,
    PAGE_NUMBER_PT,
    PAGE_NUMBER_Y,
    RECIPIENT_PT,
    RECIPIENTS_PT,
    RIGHT,
    SHORT_TABLE,
    SIGN_LEFT,
    TABLE_PT,
    TEXT_WIDTH,
    TITLE_PT,
    TOP,
)
from hub.documents.model import DOTS, Chart, OfficialDocument, Part, Table

FONT = "Serif"
LINE = 0.44  # line height per point of type, mm: 1.25 lines (NĐ 30: single to 1.5 lines)
CHART_HEIGHT = TEXT_WIDTH * 270 / 945  # the chart's picture keeps its proportions
SIGN_SPACE = 16.0  # mm left for the signature and the seal
ROW = 6.0  # mm a table's row takes, a wrapped name's two lines counted in


def document_pdf(document: OfficialDocument) -> bytes:
    """The document; from the second page on, its number at the top centre (NĐ 30: in the
    top margin, centred, the first page unnumbered)."""
    from fpdf import FPDF

    class Pdf(FPDF):
        def header(self) -> None:
            if self.page_no() > 1:
                self.set_y(PAGE_NUMBER_Y)
                self.set_font(FONT, "", PAGE_NUMBER_PT)
                self.cell(0, 5, str(self.page_no()), align="C")
                self.set_y(TOP)

    pdf = Pdf(format="A4", unit="mm")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, BOTTOM)
    pdf.add_font(FONT, "", str(serif_font_path()))
    pdf.add_font(FONT, "B", str(serif_font_path(bold=True)))
    pdf.set_title(f"{document.kind} {document.subject}")
    pdf.set_lang("vi")
    pdf.add_page()
    header(pdf, document)
    title(pdf, document)
    figures(pdf, document)
    for part in document.parts:
        body_part(pdf, part)
    signature(pdf, document)
    if document.appendix:
        keep(pdf, KEEP_WITH_NEXT)
        pdf.ln(4)
        text(pdf, document.appendix_title, TITLE_PT - 1, "B", align="C")
        for table in document.appendix:
            draw_table(pdf, table)
    return bytes(pdf.output())


def text(pdf: Any, words: str, size: float, style: str = "", align: str = "J",
         width: float = 0, indent: float = 0) -> None:
    """A paragraph; ``indent`` (mm) on its first line only, as Vietnamese documents do."""
    pdf.set_font(FONT, style, size)
    if not width:
        pdf.set_x(LEFT)
    if indent:
        words = " " * 4 + words
    pdf.multi_cell(width, size * LINE, words, align=align, new_x="LMARGIN" if not width else
                   "RIGHT", new_y="NEXT")


def keep(pdf: Any, height: float) -> None:
    """A new page unless ``height`` mm fit below: keeps a heading with what follows it."""
    if pdf.will_page_break(height):
        pdf.add_page()


def header(pdf: Any, document: OfficialDocument) -> None:
    """Left: superior, body (bold, a short rule), number. Right: Quốc hiệu, Tiêu ngữ, place and
    date."""
    top = pdf.get_y()
    pdf.set_xy(LEFT - 8, top)
    if document.superior:
        text(pdf, document.superior, NATIONAL_PT, align="C", width=HEADER_LEFT)
        pdf.set_x(LEFT - 8)
    text(pdf, document.body, NATIONAL_PT, "B", align="C", width=HEADER_LEFT)
    rule_y = pdf.get_y() + 0.5
    middle = LEFT - 8 + HEADER_LEFT / 2
    pdf.line(middle - 12, rule_y, middle + 12, rule_y)
    pdf.set_xy(LEFT - 8, rule_y + 2)
    text(pdf, document.number, BODY_PT, align="C", width=HEADER_LEFT)
    left_bottom = pdf.get_y()
    right = LEFT - 8 + HEADER_LEFT
    width = pdf.w - RIGHT - right + 4
    pdf.set_xy(right, top)
    text(pdf, document.national_title, NATIONAL_PT, "B", align="C", width=width)
    pdf.set_x(right)
    text(pdf, document.motto, MOTTO_PT, "BU", align="C", width=width)
    pdf.set_xy(right, max(pdf.get_y(), left_bottom - BODY_PT * LINE) + 2)
    text(pdf, document.place_date, BODY_PT, align="C", width=width)
    pdf.set_xy(LEFT, max(pdf.get_y(), left_bottom) + 4)


def title(pdf: Any, document: OfficialDocument) -> None:
    text(pdf, document.kind, TITLE_PT, "B", align="C")
    text(pdf, document.subject, BODY_PT, "B", align="C")
    pdf.ln(3)


def figures(pdf: Any, document: OfficialDocument) -> None:
    """The figures box: a bordered two-column table under its title."""
    pdf.set_font(FONT, "B", TABLE_PT + 0.5)
    rows = [(document.figures_title, "")] + [(f"{k}", v) for k, v in document.figures]
    with pdf.table(col_widths=(2, 3), first_row_as_headings=True, line_height=5.2, align="LEFT",
                   text_align=("LEFT", "LEFT"), padding=1) as table:
        for i, (label, value) in enumerate(rows):
            row = table.row()
            if i == 0:
                row.cell(label, colspan=2)
                continue
            pdf.set_font(FONT, "", TABLE_PT + 0.5)
            row.cell(label)
            row.cell(value)
    pdf.ln(3)


def body_part(pdf: Any, part: Part) -> None:
    keep(pdf, KEEP_WITH_NEXT)
    text(pdf, part.heading, BODY_PT, "B", align="L")
    for sentence in part.sentences:
        text(pdf, sentence, BODY_PT, indent=10)
        pdf.ln(0.8)
    if part.chart is not None:  # the trend before the factors, as a reader asks "how is it going"
        draw_chart(pdf, part.chart)
    for table in part.tables:
        draw_table(pdf, table)
    pdf.set_font(FONT, "", BODY_PT)
    dots = DOTS[:int(TEXT_WIDTH / pdf.get_string_width("."))]
    for _ in range(part.blank_lines):
        pdf.cell(0, BODY_PT * LINE + 1, dots, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def draw_chart(pdf: Any, chart: Chart) -> None:
    keep(pdf, CHART_HEIGHT + 8)
    pdf.ln(1)
    text(pdf, chart.title, TABLE_PT + 0.5, "B", align="C")
    pdf.image(io.BytesIO(chart_png(chart)), x=LEFT, w=TEXT_WIDTH, h=CHART_HEIGHT,
              alt_text=chart.alt)
    pdf.ln(1)


def draw_table(pdf: Any, table: Table) -> None:
    """A table that may break across pages, its header row repeated; its title kept with it."""
    # a short table stays whole (its rows are read together), a long one keeps its title, header
    # and first rows together and breaks after them
    keep(pdf, 8 + ROW * (len(table.rows) + 1 if len(table.rows) <= SHORT_TABLE else 4))
    pdf.ln(2)
    text(pdf, table.title, TABLE_PT + 1, "B", align="L")
    pdf.set_font(FONT, "", TABLE_PT)
    total = sum(table.widths)
    with pdf.table(col_widths=tuple(w / total * TEXT_WIDTH for w in table.widths),
                   width=TEXT_WIDTH, align="LEFT", line_height=TABLE_PT * 0.42,
                   padding=(0.3, 0.8),
                   text_align=tuple("RIGHT" if n else "LEFT" for n in table.numeric),
                   repeat_headings=1, headings_style=heading_style()) as drawn:
        drawn.row(table.header)
        for cells in table.rows:
            row = drawn.row()
            spans = spanned(cells)
            for value, span in spans:
                row.cell(value, colspan=span)
    if table.note:
        text(pdf, table.note, TABLE_PT - 0.5, align="L")


def spanned(cells: tuple[str, ...]) -> list[tuple[str, int]]:
    """The cells with their spans: an empty last cell joins the one before it (a period
    without ratings says so across the share and interval columns)."""
    if len(cells) > 1 and cells[-1] == "":
        return [*((c, 1) for c in cells[:-2]), (cells[-2], 2)]
    return [(c, 1) for c in cells]


def heading_style() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", fill_color=(235, 235, 235))


def signature(pdf: Any, document: OfficialDocument) -> None:
    """Left: "Nơi nhận:" and the list. Right: the signer's title, the hint, room to sign, the
    name."""
    signer = document.signer_title
    height = (len(document.recipients) + 1) * 5 + SIGN_SPACE + 12
    keep(pdf, max(height, 14 + len(signer) * 6 + 28))
    pdf.ln(3)
    top = pdf.get_y()
    text(pdf, document.recipients_title, RECIPIENTS_PT, "B", align="L", width=SIGN_LEFT)
    for recipient in document.recipients:
        pdf.set_x(LEFT)
        text(pdf, recipient, RECIPIENT_PT, align="L", width=SIGN_LEFT)
    right = LEFT + SIGN_LEFT
    width = pdf.w - RIGHT - right
    pdf.set_xy(right, top)
    for line in signer:
        text(pdf, line, BODY_PT, "B", align="C", width=width)
        pdf.set_x(right)
    text(pdf, document.signature_hint, RECIPIENT_PT, align="C", width=width)
    pdf.set_xy(right, pdf.get_y() + SIGN_SPACE)
    text(pdf, document.signer_name, BODY_PT, "B", align="C", width=width)
    pdf.set_xy(LEFT, pdf.get_y() + 2)
