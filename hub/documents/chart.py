"""The official report's trend chart as a PNG, drawn by the hub (Pillow and the bundled Noto
font; nothing fetched): both the DOCX and the PDF embed the same picture."""

from __future__ import annotations

import io

from hailong.resources import font_path
from hub.documents.model import Chart
from hub.scores.bands import COLOURS, FAIR, GOOD

# Pixels of the picture: 16 cm wide at 150 dpi on the page (the text width of an A4 page with
# NĐ 30's margins), 4.5 cm high — small enough to leave the factors on the first page.
WIDTH, HEIGHT = 945, 270
LEFT, RIGHT, TOP, BOTTOM = 70, 15, 20, 62
FONT = 17
GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
# At most this many period labels under the bars (a month's 31 days: every third).
MAX_LABELS = 12


def bar_colour(share: float) -> str:
    return COLOURS["good" if share >= GOOD else "fair" if share >= FAIR else "poor"]


def chart_png(chart: Chart, percent: str = "%") -> bytes:
    """Bars of each period's share (100 % at the top), the n under each, the empty periods
    marked with a thin grey dash."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    small = ImageFont.truetype(str(font_path()), FONT - 2)
    bottom = HEIGHT - BOTTOM
    height = bottom - TOP
    for level in GRID:
        y = bottom - level * height
        draw.line((LEFT, y, WIDTH - RIGHT, y), fill="#d0d0d0", width=1)
        draw.text((LEFT - 8, y), f"{round(level * 100)}{percent}", fill="#333333", font=small,
                  anchor="rm")
    count = len(chart.values)
    step = (WIDTH - LEFT - RIGHT) / max(count, 1)
    every = max(1, -(-count // MAX_LABELS))
    for i, (label, value, n) in enumerate(zip(chart.labels, chart.values, chart.counts,
                                              strict=True)):
        x0 = LEFT + i * step + step * 0.15
        x1 = LEFT + (i + 1) * step - step * 0.15
        middle = (x0 + x1) / 2
        if value is None:
            draw.line((x0, bottom - 2, x1, bottom - 2), fill="#888888", width=2)
        else:
            draw.rectangle((x0, bottom - value * height, x1, bottom), fill=bar_colour(value))
        if i % every == 0 or i == count - 1:
            draw.text((middle, bottom + 6), label, fill="#222222", font=small, anchor="mt")
            draw.text((middle, bottom + 28), f"n={n}", fill="#555555", font=small, anchor="mt")
    draw.line((LEFT, bottom, WIDTH - RIGHT, bottom), fill="#333333", width=2)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
