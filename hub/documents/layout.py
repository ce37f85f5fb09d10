"""The page of an official document as NĐ 30/2020/NĐ-CP sets it (Phụ lục I): A4, margins,
type sizes. One home for the numbers both the DOCX and the PDF renderer use."""

from __future__ import annotations

# A4 portrait, in millimetres.
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
# NĐ 30: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm; the smallest of each leaves
# the most room for the figures (2–3 pages for an office's month).
TOP, BOTTOM, LEFT, RIGHT = 20.0, 20.0, 30.0, 15.0
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT
# NĐ 30: body text 13–14 pt (13 here), Quốc hiệu 12–13 pt, Tiêu ngữ 13–14 pt, the title 13–14
# pt bold, "Nơi nhận" 12 pt and its list 11 pt. Tables are figures, not text: 10.5 pt keeps a
# month of days on one page.
BODY_PT = 13.0
NATIONAL_PT = 12.5
MOTTO_PT = 13.0
TITLE_PT = 14.0
RECIPIENTS_PT = 12.0
RECIPIENT_PT = 11.0
TABLE_PT = 10.5
# The header's two columns: the issuing body (left) and the national title (right), in mm.
HEADER_LEFT = 68.0
# The signature block's two columns: "Nơi nhận" (left) and the signer (right).
SIGN_LEFT = 80.0
# Keep a heading with this much of what follows (mm): a heading never ends a page alone.
KEEP_WITH_NEXT = 35.0
# The font NĐ 30 names (the DOCX asks the word processor for it); the PDF embeds the bundled
# Liberation Serif instead (Times New Roman's metrics, every Vietnamese letter, free to ship).
DOCX_FONT = "Times New Roman"
# NĐ 30: page numbers in Arabic figures, 13–14 pt, centred in the top margin, none on the first
# page. The PDF writes the number this far from the top of the page (mm).
PAGE_NUMBER_PT = 13.0
PAGE_NUMBER_Y = 10.0
# Rows: a table this short never breaks across pages (the five factors, a few counters); a
# longer one may, its header row repeated.
SHORT_TABLE = 8
