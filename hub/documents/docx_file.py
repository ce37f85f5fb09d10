"""An official document as DOCX (python-docx) for an office to finish and sign in its word
processor: A4, Times New Roman, NĐ 30's margins and sizes (hub/documents/layout.py); headings
kept with what follows, long tables breaking across pages with their header row repeated."""

from __future__ import annotations

import io
from typing import Any

from hub.documents.chart import chart_png
from hub.documents.layout import (
    BODY_PT,
    BOTTOM,
    DOCX_FONT,
    HEADER_LEFT,
    LEFT,
    MOTTO_PT,
    NATIONAL_PT,
    PAGE_HEIGHT,
    PAGE_NUMBER_PT,
    PAGE_WIDTH,
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
from hub.documents.model import DOTS, OfficialDocument, Part, Table

# Space after a body paragraph (pt): NĐ 30 asks for at least 6 pt between paragraphs.
AFTER = 6
# The paragraph properties that follow w:pBdr in WordprocessingML's schema (CT_PPrBase).
AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
                "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def document_docx(document: OfficialDocument) -> bytes:
    from docx import Document
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    normal = doc.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qualified(attribute), DOCX_FONT)
    normal.paragraph_format.space_after = Pt(0)
    page_numbers(section)
    header(doc, document)
    paragraph(doc, document.kind, TITLE_PT, bold=True, align="center", before=12)
    paragraph(doc, document.subject, BODY_PT, bold=True, align="center", after=12)
    figures(doc, document)
    for part in document.parts:
        body_part(doc, part)
    signature(doc, document)
    if document.appendix:
        paragraph(doc, document.appendix_title, TITLE_PT - 1, bold=True, align="center",
                  before=18, keep=True)
        for table in document.appendix:
            draw_table(doc, table)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def qualified(name: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(name))


def paragraph(container: Any, words: str, size: float = BODY_PT, bold: bool = False,
              italic: bool = False, underline: bool = False, align: str = "justify",
              before: float = 0, after: float = 0, indent: bool = False, keep: bool = False,
              first: bool = False) -> Any:
    """One paragraph; ``first`` writes into a table cell's own first paragraph."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    para = container.paragraphs[0] if first else container.add_paragraph()
    run = para.add_run(words)
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    para.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                      "right": WD_ALIGN_PARAGRAPH.RIGHT,
                      "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    form = para.paragraph_format
    form.space_before, form.space_after = Pt(before), Pt(after)
    form.keep_with_next = keep
    if indent:
        form.first_line_indent = Mm(10)
    return para


def plain_table(doc: Any, widths: tuple[float, ...], grid: bool = False) -> Any:
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=len(widths))
    if grid:
        table.style = doc.styles["Table Grid"]
    table.autofit = False
    # the grid's widths (what LibreOffice reads) and the cells' (what Word reads)
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths, strict=True):
        column.width = Mm(width)
        cell.width = Mm(width)
    return table


def header(doc: Any, document: OfficialDocument) -> None:
    table = plain_table(doc, (HEADER_LEFT, TEXT_WIDTH - HEADER_LEFT + 8))
    left, right = table.rows[0].cells
    first = True
    if document.superior:
        paragraph(left, document.superior, NATIONAL_PT, align="center", first=True)
        first = False
    paragraph(left, document.body, NATIONAL_PT, bold=True, align="center", first=first)
    short_rule(paragraph(left, "", 2, align="center"), HEADER_LEFT)
    paragraph(left, document.number, BODY_PT, align="center", before=6)
    paragraph(right, document.national_title, NATIONAL_PT, bold=True, align="center",
              first=True)
    motto = paragraph(right, document.motto, MOTTO_PT, bold=True, underline=True,
                      align="center")
    motto.paragraph_format.space_after = 0
    paragraph(right, document.place_date, BODY_PT, italic=True, align="center", before=12)


def short_rule(para: Any, width: float) -> None:
    """NĐ 30's short solid rule under the body's name: an empty paragraph's bottom border, a
    third as wide as the column."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    para.paragraph_format.left_indent = Mm(width / 3)
    para.paragraph_format.right_indent = Mm(width / 3)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qualified(key), value)
    borders.append(bottom)
    # where the schema puts a border among a paragraph's properties (Word refuses others)
    para._p.get_or_add_pPr().insert_element_before(borders, *AFTER_BORDER)


def figures(doc: Any, document: OfficialDocument) -> None:
    table = plain_table(doc, (TEXT_WIDTH * 0.4, TEXT_WIDTH * 0.6), grid=True)
    head = table.rows[0].cells[0].merge(table.rows[0].cells[1])
    paragraph(head, document.figures_title, TABLE_PT + 1, bold=True, align="left", first=True,
              keep=True)
    for label, value in document.figures:
        cells = table.add_row().cells
        paragraph(cells[0], label, TABLE_PT + 1, align="left", first=True, keep=True)
        paragraph(cells[1], value, TABLE_PT + 1, align="left", first=True, keep=True)
    doc.add_paragraph()


def body_part(doc: Any, part: Part) -> None:
    from docx.shared import Mm

    paragraph(doc, part.heading, BODY_PT, bold=True, align="left", before=6, after=3, keep=True)
    for sentence in part.sentences:
        paragraph(doc, sentence, after=AFTER, indent=True)
    if part.chart is not None:
        paragraph(doc, part.chart.title, TABLE_PT + 1, bold=True, align="center", before=8,
                  keep=True)
        doc.add_picture(io.BytesIO(chart_png(part.chart)), width=Mm(TEXT_WIDTH))
        doc.inline_shapes[-1]._inline.docPr.set("descr", part.chart.alt)
    for table in part.tables:
        draw_table(doc, table)
    for _ in range(part.blank_lines):
        paragraph(doc, DOTS[:95], align="left", after=3)


def draw_table(doc: Any, table: Table) -> None:
    """The title kept with the table; the header row repeated on every page; no row split."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    paragraph(doc, table.title, TABLE_PT + 1.5, bold=True, align="left", before=8, after=3,
              keep=True)
    total = sum(table.widths)
    drawn = plain_table(doc, tuple(w / total * TEXT_WIDTH for w in table.widths), grid=True)
    rows = [table.header, *table.rows]
    for index, cells in enumerate(rows):
        row = drawn.rows[0] if index == 0 else drawn.add_row()
        properties = row._tr.get_or_add_trPr()
        no_split = OxmlElement("w:cantSplit")
        properties.append(no_split)
        if index == 0:
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qualified("w:val"), "true")
            properties.append(repeat)
        for cell, value, numeric, width in zip(row.cells, cells, table.numeric, table.widths,
                                               strict=True):
            cell.width = Mm(width / total * TEXT_WIDTH)
            # the header and the first rows stay with the title; a short table stays whole
            paragraph(cell, value, TABLE_PT, bold=index == 0, first=True,
                      keep=index < (len(rows) - 1 if len(rows) <= SHORT_TABLE + 1 else 2),
                      align="right" if numeric and index else "left")
    if table.note:
        paragraph(doc, table.note, TABLE_PT, italic=True, align="left", before=2)


def signature(doc: Any, document: OfficialDocument) -> None:
    doc.add_paragraph()
    table = plain_table(doc, (SIGN_LEFT, TEXT_WIDTH - SIGN_LEFT))
    left, right = table.rows[0].cells
    paragraph(left, document.recipients_title, RECIPIENTS_PT, bold=True, italic=True,
              align="left", first=True)
    for recipient in document.recipients:
        paragraph(left, recipient, RECIPIENT_PT, align="left")
    for index, line in enumerate(document.signer_title):
        paragraph(right, line, BODY_PT, bold=True, align="center", first=index == 0)
    paragraph(right, document.signature_hint, RECIPIENT_PT, italic=True, align="center")
    paragraph(right, "", after=48)
    paragraph(right, document.signer_name, BODY_PT, bold=True, align="center")
    table.rows[0]._tr.get_or_add_trPr().append(cant_split())


def cant_split() -> Any:
    from docx.oxml import OxmlElement

    return OxmlElement("w:cantSplit")


def page_numbers(section: Any) -> None:
    """NĐ 30: the page's number centred at the top, as the word processor's PAGE field, and
    none on the first page."""
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = 1  # centre
    simple = OxmlElement("w:fldSimple")
    simple.set(qualified("w:instr"), "PAGE")
    run = number.add_run("2")
    run.font.size = Pt(PAGE_NUMBER_PT)
    number._p.remove(run._r)
    simple.append(run._r)
    number._p.append(simple)
