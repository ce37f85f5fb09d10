"""The two moments of a dossier (receiving it, handing back its result) as pure functions.

A dossier may be rated once at each moment (docs/kiosk.md). For an office and a period, the
stages document counts the dossiers rated at both and how their overall answer moved between
the two, **as counts only**: which dossier moved which way never leaves this function (the
receipt hash pairs the two ratings and is dropped here).

A dossier counts in a period when its result rating falls in the period; its receipt rating may
be earlier (a dossier takes days or weeks), so the caller reads the rows from
``LOOKBACK_DAYS`` before the period's first day. Nothing here touches a database: tested with
hand-computed tables (tests/hub/test_stages.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

# How far before a period a receipt rating is still paired with a result rating in it: the
# longest processing times of one-stop procedures run to a few weeks; 92 days (three months)
# covers them with room to spare and bounds the rows read.
LOOKBACK_DAYS = 92
STAGES = ("receive", "result")
OVERALL = "overall"


def _overall(answers: str | Mapping[str, Any]) -> int | None:
    found = (json.loads(answers) if isinstance(answers, str) else answers).get(OVERALL)
    return found if isinstance(found, int) and not isinstance(found, bool) else None


def stage_moves(rows: Iterable[Mapping[str, Any]], first: date, min_n: int) -> dict[str, Any]:
    """Dossiers rated at both stages with their result rating on or after ``first`` (rows
    before ``first`` only pair), and how the overall answer moved from receipt to result.

    Rows: ``receipt_h``, ``stage``, ``day``, ``submitted_at``, ``answers``. When a dossier was
    rated twice at one stage (two kiosks), its latest rating of that stage counts."""
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in rows:
        if row["stage"] not in STAGES or not row["receipt_h"]:
            continue
        key = (str(row["receipt_h"]), str(row["stage"]))
        if key not in latest or row["submitted_at"] > latest[key]["submitted_at"]:
            latest[key] = row
    both = up = same = down = 0
    for (receipt, stage), result in latest.items():
        received = latest.get((receipt, "receive"))
        if stage != "result" or received is None or result["day"] < first \
                or received["submitted_at"] > result["submitted_at"]:
            continue
        both += 1
        before, after = _overall(received["answers"]), _overall(result["answers"])
        if before is None or after is None:
            continue
        if after > before:
            up += 1
        elif after < before:
            down += 1
        else:
            same += 1
    compared = up + same + down
    return {"both": both, "compared": compared, "up": up, "same": same, "down": down,
            "too_few": compared < min_n,
            "shares": {"up": up / compared, "same": same / compared, "down": down / compared}
            if compared else None}
