"""Charts drawn on the server as SVG: pure functions of numbers.

Colours come from Okabe and Ito's palette (hub/scores/bands.py), which stays distinguishable
with every common colour-vision deficiency; every coloured mark also carries its number as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from hub.i18n import Texts

# the bands' home is hub/scores/bands.py (the official report's chart uses them too)
from hub.scores.bands import COLOURS as COLOURS
from hub.scores.bands import FAIR as FAIR
from hub.scores.bands import GOOD as GOOD
from hub.scores.bands import Band as Band
from hub.scores.bands import band as band

# Answers 1..5, from very dissatisfied (vermilion) through neutral (grey) to very satisfied.
SCALE_COLOURS = ("#D55E00", "#E69F00", "#BBBBBB", "#56B4E9", "#0072B2")


@dataclass(frozen=True, slots=True)
class DayPoint:
    day: date
    n: int
    satisfied: float | None
    ci: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class Frame:
    """Geometry of the daily chart in SVG user units (the chart scales to its box)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    plot_bottom: int  # the share axis runs from top (100 %) to plot_bottom (0 %)
    bars_top: int  # the strip of answer counts below
    bars_bottom: int
    font: int  # axis labels, in user units (the style sheet's .chart-wide/.chart-narrow .axis)
    labels: int  # at most this many day labels under the axis, the last day's always
    values: bool  # each point's share printed above it


# An office PC: the chart fills a box about 1,000 px wide, so a unit is about a pixel.
WIDE = Frame(1000, 300, 46, 12, 22, 200, 222, 268, 12, 7, True)
# A phone: drawn for a box about 300 px wide (a 360 px screen less the margins) and never
# scaled up past 26rem, so its 13-unit labels stay at 12 px or more; five day labels, and the
# shares only in the table below (30 of them would overlap).
NARROW = Frame(300, 230, 42, 6, 12, 150, 164, 200, 13, 5, False)


def daily_chart(points: Sequence[DayPoint], min_n: int, texts: Texts,
                label: str | None = None) -> Markup:
    """Satisfied share per day with its 95 % interval, and the number of answers per day:
    drawn twice, for a wide box and for a phone; the style sheet shows the one that fits."""
    name = label or texts.t("live.last30")
    return Markup(_chart(points, min_n, texts, name, WIDE, "chart-wide")
                  + _chart(points, min_n, texts, name, NARROW, "chart-narrow"))


def _chart(points: Sequence[DayPoint], min_n: int, texts: Texts, name: str, f: Frame,
           kind: str) -> str:
    def y_of(share: float) -> float:
        return f.plot_bottom - share * (f.plot_bottom - f.top)

    count = max(len(points), 1)
    step = (f.width - f.left - f.right) / count
    every = -(-count // f.labels)  # ceiling: 30 days → a label every 5 days (wide), 6 (narrow)
    parts = [f'<svg class="chart {kind}" viewBox="0 0 {f.width} {f.height}" role="img" '
             f'aria-label="{escape(name)}" xmlns="http://www.w3.org/2000/svg">']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y_of(tick)
        parts.append(f'<line class="grid" x1="{f.left}" x2="{f.width - f.right}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{f.left - 4}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{int(tick * 100)} %</text>')
    for threshold, band_name in ((GOOD, "good"), (FAIR, "fair")):
        y = y_of(threshold)
        parts.append(f'<line class="threshold threshold-{band_name}" x1="{f.left}" '
                     f'x2="{f.width - f.right}" y1="{y:.1f}" y2="{y:.1f}"/>')
    most = max((p.n for p in points), default=0)
    for i, point in enumerate(points):
        x = f.left + step * (i + 0.5)
        day = texts.day(point.day)
        if point.n:
            detail = (f"{day}: {texts.percent(point.satisfied)} (n = {point.n}, "
                      f"{texts.t('live.ci_short')} {texts.interval(point.ci)})")
        else:
            detail = f"{day}: n = 0"
        parts.append(f'<g class="day"><title>{escape(detail)}</title>')
        if most:
            height = (f.bars_bottom - f.bars_top) * point.n / most
            parts.append(f'<rect class="nbar" x="{x - step * 0.35:.1f}" '
                         f'y="{f.bars_bottom - height:.1f}" width="{step * 0.7:.1f}" '
                         f'height="{height:.1f}"/>')
        if point.n and point.satisfied is not None:
            colour = COLOURS[band(point.satisfied, point.n, min_n)]
            if point.ci:
                parts.append(f'<line class="ci" x1="{x:.1f}" x2="{x:.1f}" '
                             f'y1="{y_of(point.ci[0]):.1f}" y2="{y_of(point.ci[1]):.1f}" '
                             f'stroke="{colour}"/>')
            y = y_of(point.satisfied)
            radius = min(4.5, step * 0.4)
            if point.n >= min_n:
                parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
                             f'fill="{colour}"/>')
            else:
                parts.append(f'<circle class="dot hollow" cx="{x:.1f}" cy="{y:.1f}" '
                             f'r="{radius:.1f}"/>')
            if f.values:
                parts.append(f'<text class="value" x="{x:.1f}" y="{y - 8:.1f}" '
                             f'text-anchor="middle">{texts.number(100 * point.satisfied)}</text>')
        parts.append("</g>")
        if i % every == (len(points) - 1) % every:
            # a label centred under the last day would run off the right edge ("dd/mm" is
            # about three times the font size wide)
            end = x + 1.5 * f.font > f.width
            parts.append(f'<text class="axis" x="{f.width - 1 if end else x:.1f}" '
                         f'y="{f.height - f.font}" text-anchor="{"end" if end else "middle"}">'
                         f'{escape(texts.day_short(point.day))}</text>')
    if most:
        parts.append(f'<text class="axis" x="{f.left - 4}" y="{f.bars_top + f.font * 0.7:.1f}" '
                     f'text-anchor="end">n ≤ {most}</text>')
    parts.append("</svg>")
    # a line per mark: a live update sends only the lines that changed (hub/web/patches.py)
    return "\n".join(parts)


def distribution_bar(dist: Sequence[int], width: int = 160, height: int = 16) -> Markup:
    """A stacked bar of the answers 1..5; the counts are printed beside it by the template."""
    total = sum(dist)
    # hidden from screen readers: the template prints the same counts as text beside it
    parts = [f'<svg class="dist" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">']
    x = 0.0
    for count, colour in zip(dist, SCALE_COLOURS, strict=True):
        if not total or not count:
            continue
        w = width * count / total
        # no tooltip: the counts are printed under the bar and the scale is explained once
        parts.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{colour}"/>')
        x += w
    if not total:
        parts.append(f'<rect class="empty" x="0" y="0" width="{width}" height="{height}"/>')
    parts.append("</svg>")
    return Markup("\n".join(parts))  # a line per segment, as the daily chart (patches)
