"""The index document (``GET …/index``): the SIPAS index, the overall question beside it, the
factor indices with their means on both scales, and a hospital's Ministry of Health figures,
for a range and per period, channel or stage. Part of :class:`hub.scores.documents.Documents`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from hub.scores.method import FACTORS, OVERALL, hospital_figures, sipas_index, with_ten
from hub.scores.scores import (
    PERIODS,
    Period,
    factor_scores,
    period_key,
    period_keys,
    question_scores,
)
from hub.scores.stage_documents import STAGE_KEYS, stage_label
from hub.store.queries import KIOSK, Channel, Reader, StageFilter

# The breakdowns of the index document, as the scores' (docs/api.md).
INDEX_BREAKDOWNS = (*PERIODS, "channel", "stage")
HOSPITAL = "hospital"


class IndexDocuments:
    """The method's figures (docs/method.md) read from the rollups, and for a hospital's
    comprehensive index from the rows."""

    read: Reader
    min_n: int

    if TYPE_CHECKING:  # provided by Documents
        factor_of: Callable[[str, str], str | None]
        _period_bounds: Callable[..., dict[str, str]]

    def figures(self, rating_rows: Sequence[Mapping[str, Any]],
                respondents: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
        """Index, overall question and factors of one set of rows; with ``respondents`` (a
        hospital's rows) the Ministry of Health's figures too."""
        factors = factor_scores(rating_rows, self.factor_of)
        overall = question_scores(rating_rows, self.min_n).get(OVERALL)
        document: dict[str, Any] = {
            "index": sipas_index(factors, self.min_n),
            "overall": with_ten(overall) if overall else None,
            "factors": {key: {**with_ten(factors[key]),
                              "too_few": int(factors[key]["n"]) < self.min_n}
                        for key in FACTORS if key in factors}}
        if respondents is not None:
            document["hospital"] = hospital_figures(
                rating_rows, ((str(r["questionnaire"]), r["answers"]) for r in respondents),
                self.factor_of)
        return document

    def index(self, office: str, first: date, last: date, by: str | None = None,
              channel: Channel = KIOSK, stage: StageFilter = None) -> dict[str, Any]:
        """The index document of an office for a range, with ``by`` one cell per period of
        the range (empty ones included), per channel (every channel, whatever ``channel``) or
        per stage (every stage, whatever ``stage``), as the scores' breakdowns are."""
        row = self.read.office(office)
        kind = str(row["kind"]) if row else "admin"
        picked = None if by == "channel" else channel
        moment = None if by == "stage" else stage
        dimension = by if by in ("channel", "stage") else "day" if by else ""
        rows = self.read.rating_sums(office, first, last, dimension, picked, moment)
        rated = (self.read.rated(office, first, last, picked, moment) if kind == HOSPITAL
                 else None)
        document: dict[str, Any] = {
            "office": office, "from": first.isoformat(), "to": last.isoformat(),
            "channel": picked or "all", "stage": stage_label(moment), "kind": kind,
            "min_n": self.min_n, **self.figures(rows, rated)}
        if by is None:
            return document
        key_of: Callable[[Mapping[str, Any]], str]
        if by == "channel":
            key_of = lambda r: str(r["channel"])  # noqa: E731
            keys: Sequence[str] = sorted({key_of(r) for r in rows}, key=lambda c: (c != KIOSK, c))
        elif by == "stage":
            key_of = lambda r: stage_label(str(r["stage"]))  # noqa: E731
            keys = STAGE_KEYS
        else:
            period: Period = by  # type: ignore[assignment]
            key_of = lambda r: period_key(r["day"], period)  # noqa: E731
            keys = period_keys(first, last, period)
        grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for item in rows:
            grouped[key_of(item)].append(item)
        respondents: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for item in rated or ():
            respondents[key_of(item)].append(item)
        cells = []
        for key in keys:
            cell: dict[str, Any] = {"key": key}
            if by in PERIODS:
                cell.update(self._period_bounds(key, by, first, last))
            cell.update(self.figures(grouped.get(key, []),
                                     respondents.get(key, []) if rated is not None else None))
            cells.append(cell)
        document["by"] = by
        document["cells"] = cells
        return document
