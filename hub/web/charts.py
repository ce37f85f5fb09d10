"""Charts drawn on the server as SVG, and the colour bands: pure functions of numbers.

Colours come from Okabe and Ito's palette, which stays distinguishable with every common
colour-vision deficiency; every coloured mark also carries its number as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from markupsafe import Markup, escape

from hub.i18n import Texts

Band = Literal["good", "fair", "poor", "none"]
# National SIPAS results run at 80-85 % satisfied; under 60 % many citizens leave unhappy.
GOOD = 0.80
FAIR = 0.60
COLOURS: dict[Band, str] = {"good": "#0072B2", "fair": "#E69F00", "poor": "#D55E00",
                            "none": "#6b6b6b"}
# Answers 1..5, from very dissatisfied (vermilion) through neutral (grey) to very satisfied.
SCALE_COLOURS = ("#D55E00", "#E69F00", "#BBBBBB", "#56B4E9", "#0072B2")


def band(share: float | None, n: int, min_n: int) -> Band:
    """The colour band of a satisfied share; cells below the minimum n are never coloured."""
    if share is None or n < min_n:
        return "none"
    if share >= GOOD:
        return "good"
    return "fair" if share >= FAIR else "poor"


@dataclass(frozen=True, slots=True)
class DayPoint:
    day: date
    n: int
    satisfied: float | None
    ci: tuple[float, float] | None


# Geometry of the daily chart, in SVG user units (the chart scales to its box).
WIDTH, HEIGHT = 1000, 300
LEFT, RIGHT, TOP = 46, 12, 22
PLOT_BOTTOM = 200  # the share axis runs from TOP (100 %) to PLOT_BOTTOM (0 %)
BARS_TOP, BARS_BOTTOM = 222, 268  # the strip of answer counts below


def _y(share: float) -> float:
    return PLOT_BOTTOM - share * (PLOT_BOTTOM - TOP)


def daily_chart(points: Sequence[DayPoint], min_n: int, texts: Texts) -> Markup:
    """Satisfied share per day with its 95 % interval, and the number of answers per day."""
    count = max(len(points), 1)
    step = (WIDTH - LEFT - RIGHT) / count
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="chart-title">{escape(texts.t("live.last30"))}</title>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{int(tick * 100)} %</text>')
    for threshold, name in ((GOOD, "good"), (FAIR, "fair")):
        y = _y(threshold)
        parts.append(f'<line class="threshold threshold-{name}" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>')
    most = max((p.n for p in points), default=0)
    for i, point in enumerate(points):
        x = LEFT + step * (i + 0.5)
        label = texts.day(point.day)
        if point.n:
            detail = (f"{label}: {texts.percent(point.satisfied)} (n = {point.n}, "
                      f"{texts.t('live.ci_short')} {texts.interval(point.ci)})")
        else:
            detail = f"{label}: n = 0"
        parts.append(f'<g class="day"><title>{escape(detail)}</title>')
        if most:
            height = (BARS_BOTTOM - BARS_TOP) * point.n / most
            parts.append(f'<rect class="nbar" x="{x - step * 0.35:.1f}" y="{BARS_BOTTOM - height:.1f}" '
                         f'width="{step * 0.7:.1f}" height="{height:.1f}"/>')
        if point.n and point.satisfied is not None:
            colour = COLOURS[band(point.satisfied, point.n, min_n)]
            if point.ci:
                parts.append(f'<line class="ci" x1="{x:.1f}" x2="{x:.1f}" '
                             f'y1="{_y(point.ci[0]):.1f}" y2="{_y(point.ci[1]):.1f}" '
                             f'stroke="{colour}"/>')
            y = _y(point.satisfied)
            if point.n >= min_n:
                parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4.5" '
                             f'fill="{colour}"/>')
            else:
                parts.append(f'<circle class="dot hollow" cx="{x:.1f}" cy="{y:.1f}" r="4"/>')
            parts.append(f'<text class="value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">'
                         f'{texts.number(100 * point.satisfied)}</text>')
        parts.append("</g>")
        if i % 5 == (len(points) - 1) % 5:
            parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 16}" text-anchor="middle">'
                         f'{escape(texts.day_short(point.day))}</text>')
    if most:
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{BARS_TOP + 8}" text-anchor="end">'
                     f'n ≤ {most}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def distribution_bar(dist: Sequence[int], texts: Texts, width: int = 160, height: int = 16
                     ) -> Markup:
    """A stacked bar of the answers 1..5; the counts are printed beside it by the template."""
    total = sum(dist)
    parts = [f'<svg class="dist" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" xmlns="http://www.w3.org/2000/svg">']
    x = 0.0
    for level, (count, colour) in enumerate(zip(dist, SCALE_COLOURS, strict=True), start=1):
        if not total or not count:
            continue
        w = width * count / total
        parts.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{colour}">'
                     f'<title>{level} — {escape(texts.t(f"scale.{level}"))}: {count}</title></rect>')
        x += w
    if not total:
        parts.append(f'<rect class="empty" x="0" y="0" width="{width}" height="{height}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
