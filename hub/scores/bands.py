"""The colour bands of a satisfied share, one home for the dashboard's charts and the official
report's (hub/web/charts.py, hub/documents/chart.py). Colours come from Okabe and Ito's palette,
which stays distinguishable with every common colour-vision deficiency."""

from __future__ import annotations

from typing import Literal

Band = Literal["good", "fair", "poor", "none"]
# National SIPAS results run at 80-85 % satisfied; under 60 % many citizens leave unhappy.
GOOD = 0.80
FAIR = 0.60
COLOURS: dict[Band, str] = {"good": "#0072B2", "fair": "#E69F00", "poor": "#D55E00",
                            "none": "#6b6b6b"}


def band(share: float | None, n: int, min_n: int) -> Band:
    """The colour band of a satisfied share; cells below the minimum n are never coloured."""
    if share is None or n < min_n:
        return "none"
    if share >= GOOD:
        return "good"
    return "fair" if share >= FAIR else "poor"
