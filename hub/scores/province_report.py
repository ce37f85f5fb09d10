"""The province report as one typed model: every unit of one kind with its five factor indices,
SIPAS index and overall question (n, 95 % interval), its rank on the figure asked for, its
change against the previous period of the same length, kiosk beside survey channels, and the
province's integrity prevalences and needs ranking pooled over its units.

:func:`build_province_report` is a pure function of the API's documents
(:class:`ProvinceInputs`, gathered by hub/scores/province_inputs.py); the page, the CSV, the
XLSX, the JSON (``GET /api/v1/provinces/{p}/report``) and the official documents all render
its :class:`ProvinceReport`; hub/scores/province_facts.py gives it as data and the facts a
document's sentences need (the lowest factor, the units below the province's index…).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hub.scores.aspects import integrity_prevalence, needs_ranking
from hub.scores.change import Change, index_change, share_change
from hub.scores.method import FACTORS, OVERALL, sipas_index
from hub.scores.scores import add_dist, rating_score

INDEX = "index"
# The figures of every unit, in the report's order: the index, the overall question beside it,
# then the five factors. Any of them can order the ranking.
FIGURES = (INDEX, OVERALL, *FACTORS)
SORTS = ("satisfied", "lower")  # by the figure, or by its interval's lower bound


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: the share (or index), its n and 95 % interval, and whether n < min_n."""

    value: float | None
    n: int
    low: float | None
    high: float | None
    too_few: bool


@dataclass(frozen=True, slots=True)
class ChannelFigure:
    """One channel's figure for a unit, and whether it differs from the kiosk's (intervals
    apart, as on the office's channels page; None for the kiosk itself or nothing to compare)."""

    channel: str
    figure: Figure
    differs: bool | None


@dataclass(frozen=True, slots=True)
class Unit:
    office: str
    name: str
    registered: bool
    figures: dict[str, Figure]
    changes: dict[str, Change]
    channels: tuple[ChannelFigure, ...]
    channel_figure: str  # which figure the channels compare (the overall question for the index)
    rank: int | None = None


@dataclass(frozen=True, slots=True)
class UnitInputs:
    """The API's documents of one unit: the index document for the period and the previous
    one (``GET …/index``), its channels document and (for integrity and needs) its aspects."""

    office: Mapping[str, Any]
    index: Mapping[str, Any]
    previous: Mapping[str, Any]
    channels: Mapping[str, Any]
    aspects: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ProvinceInputs:
    province: str
    kind: str
    first: date
    last: date
    min_n: int
    units: Sequence[UnitInputs]
    order: str = INDEX
    sort: str = "satisfied"
    # factor key → {"vi": …, "en": …}; the overall question's wording under "overall"
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProvinceReport:
    province: str
    kind: str
    first: date
    last: date
    previous_first: date
    previous_last: date
    min_n: int
    order: str
    sort: str
    ranked: tuple[Unit, ...]
    too_few: tuple[Unit, ...]  # below min_n on the ordered figure (or without it): never ranked
    totals: dict[str, Figure]  # the province's figures, every unit's answers pooled
    total_changes: dict[str, Change]
    integrity: list[dict[str, Any]]
    needs: dict[str, Any]
    names: Mapping[str, Mapping[str, str]]

    @property
    def units(self) -> tuple[Unit, ...]:
        return (*self.ranked, *self.too_few)


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length just before ``first``..``last``."""
    end = first - timedelta(days=1)
    return end - (last - first), end


# -- figures of one index document -----------------------------------------------------------
def share_figure(score: Mapping[str, Any] | None, min_n: int) -> Figure:
    if not score:
        return Figure(None, 0, None, None, True)
    ci = score.get("satisfied_ci95") or (None, None)
    n = int(score.get("n") or 0)
    return Figure(score.get("satisfied"), n, ci[0], ci[1], n < min_n)


def index_figures(document: Mapping[str, Any], min_n: int) -> dict[str, Figure]:
    """The seven figures of an index document (``GET …/index``)."""
    index = document.get("index") or {}
    ci = index.get("ci95") or (None, None)
    n = int(index.get("n") or 0)
    figures = {INDEX: Figure(index.get("value"), n, ci[0], ci[1],
                             n < min_n or index.get("value") is None),
               OVERALL: share_figure(document.get("overall"), min_n)}
    factors = document.get("factors") or {}
    for key in FACTORS:
        figures[key] = share_figure(factors.get(key), min_n)
    return figures


def changes_of(now: Mapping[str, Any], before: Mapping[str, Any], min_n: int
               ) -> dict[str, Change]:
    """Every figure's change against the previous period's index document."""
    factors_now = now.get("factors") or {}
    factors_before = before.get("factors") or {}
    changes = {INDEX: index_change(factors_now, factors_before, min_n),
               OVERALL: share_change(now.get("overall"), before.get("overall"), min_n)}
    for key in FACTORS:
        changes[key] = share_change(factors_now.get(key), factors_before.get(key), min_n)
    return changes


def channel_figures(document: Mapping[str, Any], figure: str, min_n: int
                    ) -> tuple[ChannelFigure, ...]:
    """Each channel's figure from a channels document (kiosk first)."""
    items = [*document.get("factors", []), *document.get("questions", [])]
    item = next((i for i in items if i["key"] == figure), None)
    if item is None:
        return ()
    return tuple(ChannelFigure(channel, share_figure(item["channels"][channel], min_n),
                               item["differs"].get(channel))
                 for channel in document.get("channels", []) if channel in item["channels"])


def unit_of(inputs: UnitInputs, order: str, min_n: int) -> Unit:
    office = inputs.office
    compared = OVERALL if order == INDEX else order
    return Unit(str(office["id"]), str(office.get("name") or ""), bool(office.get("registered")),
                index_figures(inputs.index, min_n), changes_of(inputs.index, inputs.previous,
                                                               min_n),
                channel_figures(inputs.channels, compared, min_n), compared)


# -- the ranking -------------------------------------------------------------------------------
def rank_units(units: Sequence[Unit], order: str, sort: str, min_n: int
               ) -> tuple[tuple[Unit, ...], tuple[Unit, ...]]:
    """Units ranked by ``order``'s value (or its interval's lower bound), ties by more answers
    then by id; units below ``min_n`` on that figure, or without it, apart and unranked (most
    answers first)."""
    if order not in FIGURES:
        raise ValueError(f"order must be one of {', '.join(FIGURES)}, got {order!r}")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    enough: list[Unit] = []
    apart: list[Unit] = []
    for unit in units:
        figure = unit.figures[order]
        (apart if figure.value is None or figure.n < min_n else enough).append(unit)

    def key(unit: Unit) -> tuple[float, int, str]:
        figure = unit.figures[order]
        value = figure.low if sort == "lower" and figure.low is not None else figure.value
        return (-(value or 0.0), -figure.n, unit.office)

    enough.sort(key=key)
    apart.sort(key=lambda u: (-u.figures[order].n, u.office))
    ranked = tuple(_with_rank(unit, position) for position, unit in enumerate(enough, 1))
    return ranked, tuple(apart)


def _with_rank(unit: Unit, rank: int) -> Unit:
    return Unit(unit.office, unit.name, unit.registered, unit.figures, unit.changes,
                unit.channels, unit.channel_figure, rank)


# -- the province pooled -----------------------------------------------------------------------
def pooled_document(documents: Sequence[Mapping[str, Any]], min_n: int) -> dict[str, Any]:
    """An index document of every unit's answers pooled: each factor's and the overall
    question's distributions added up, the index computed from the pooled factors."""
    dists: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for document in documents:
        for key, score in (document.get("factors") or {}).items():
            if score and score.get("dist"):
                add_dist(dists[key], score["dist"])
        overall = document.get("overall")
        if overall and overall.get("dist"):
            add_dist(dists[OVERALL], overall["dist"])
    factors = {key: rating_score(dists[key]) for key in FACTORS if sum(dists[key])}
    return {"factors": factors,
            "overall": rating_score(dists[OVERALL]) if sum(dists[OVERALL]) else None,
            "index": sipas_index(factors, min_n)}


def pooled_integrity(aspects: Sequence[Mapping[str, Any]], min_n: int) -> list[dict[str, Any]]:
    """Each integrity question's prevalence over the province: yes, no and declined answers
    (and the earlier chips) of its units added up."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    asked: dict[str, str | None] = {}
    chips: dict[str, int] = defaultdict(int)
    texts: dict[str, Any] = {}
    for document in aspects:
        found = document["perceptions"].get("integrity") or {}
        for entry in found.get("questions", []):
            question = entry["question"]
            for answer, key in (("yes", "yes"), ("no", "no"), ("decline", "declined")):
                counts[question][answer] += int(entry[key])
            asked.setdefault(question, entry.get("replaces"))
            if entry.get("replaces"):
                chips[entry["replaces"]] += int(entry["chips"])
            texts.setdefault(question, entry.get("text"))
    entries = integrity_prevalence(counts, asked, chips, min_n)
    for entry in entries:
        entry["text"] = texts.get(entry["question"])
    return entries


def pooled_needs(aspects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The needs question ranked over the province: its units' counts and respondents added."""
    counts: dict[str, int] = defaultdict(int)
    offered: dict[str, Any] = {}
    answered = 0
    max_choices: int | None = None
    asked = False
    for document in aspects:
        needs = document["needs"]
        answered += int(needs["answered"])
        max_choices = max_choices or needs.get("max_choices")
        asked = asked or bool(needs.get("asked"))
        for entry in needs["choices"]:
            counts[entry["choice"]] += int(entry["count"])
            offered.setdefault(entry["choice"], entry.get("text"))
    ranking = needs_ranking(counts, offered, answered, max_choices)
    ranking["asked"] = asked
    for entry in ranking["choices"]:
        entry["text"] = offered.get(entry["choice"])
    return ranking


def build_province_report(inputs: ProvinceInputs) -> ProvinceReport:
    """The report of ``inputs``: every unit with its figures, ranked on ``inputs.order``."""
    min_n = inputs.min_n
    units = [unit_of(u, inputs.order, min_n) for u in inputs.units]
    ranked, apart = rank_units(units, inputs.order, inputs.sort, min_n)
    now = pooled_document([u.index for u in inputs.units], min_n)
    before = pooled_document([u.previous for u in inputs.units], min_n)
    aspects = [u.aspects for u in inputs.units if u.aspects is not None]
    first, last = previous_period(inputs.first, inputs.last)
    return ProvinceReport(
        inputs.province, inputs.kind, inputs.first, inputs.last, first, last, min_n,
        inputs.order, inputs.sort, ranked, apart, index_figures(now, min_n),
        changes_of(now, before, min_n), pooled_integrity(aspects, min_n),
        pooled_needs(aspects), inputs.names)
