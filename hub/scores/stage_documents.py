"""The stages document: an office's ratings per moment of the dossier, and how the dossiers
rated at both moments moved. Part of :class:`hub.scores.documents.Documents`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hub.scores.stages import LOOKBACK_DAYS, STAGES, stage_moves
from hub.store import tables as t
from hub.store.queries import KIOSK, Reader, StageFilter

# The API's names of the stages: the two moments, and "unknown" for responses that name none
# (kiosks before stages, imported surveys); "all" (None) pools them.
UNKNOWN = "unknown"
STAGE_KEYS = (*STAGES, UNKNOWN)


def stage_label(stage: StageFilter) -> str:
    """The API's name of a stored stage filter (None: all; t.NO_STAGE: unknown)."""
    if stage is None:
        return "all"
    return stage or UNKNOWN


def stage_filter(label: str) -> StageFilter:
    """The stored stage filter of an API name (the inverse of :func:`stage_label`)."""
    return None if label == "all" else t.NO_STAGE if label == UNKNOWN else label


class StageDocuments:
    """Ratings per stage and the moves of the dossiers rated at both."""

    read: Reader
    min_n: int

    def stages(self, office: str, first: date, last: date) -> dict[str, Any]:
        """Kiosk responses per stage over the range, and the dossiers whose result was rated in
        the range after their receipt was: how many, and up / same / down on the overall
        question (counts only: which dossier moved never leaves the hub's memory)."""
        rows = self.read.response_sums(office, first, last, "stage", KIOSK)
        responses = dict.fromkeys(STAGE_KEYS, 0)
        for row in rows:
            responses[stage_label(str(row["stage"]))] += int(row["n"])
        pairs = self.read.rated_stages(office, first - timedelta(days=LOOKBACK_DAYS), last)
        return {"office": office, "from": first.isoformat(), "to": last.isoformat(),
                "channel": KIOSK, "min_n": self.min_n, "lookback_days": LOOKBACK_DAYS,
                "responses": responses, "dossiers": stage_moves(pairs, first, self.min_n)}
