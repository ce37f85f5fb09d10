"""The idle screen's line of last month's results: the hub's retained ``results`` message
(config/schema/results.schema.json) read once and worded from the catalogues.

Pure, apart from the contract's validator: a payload in, a typed value or None out, and lines
of text for one language; no pygame, no MQTT.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hailong import contract
from kiosk.i18n import t

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MonthResults:
    """An office's last complete month as its kiosks tell it."""

    month: str  # YYYY-MM
    n: int
    satisfied: float | None
    action: str  # one action done that month ("" when none)


def read_results(payload: bytes, office: str) -> MonthResults | None:
    """The message's results, or None (logged) when it breaks the contract or names another
    office; an empty payload (the retained message cleared) is None too."""
    if not payload:
        return None
    try:
        document = contract.decode_document("results", payload, limit=16 * 1024)
    except contract.ContractError as exc:
        log.warning("ignored a malformed results message: %s", exc.reason)
        return None
    if document["office"] != office:
        log.warning("ignored the results of office %r on this office's topic",
                    document["office"])
        return None
    action = document["action"]
    share = None if document["too_few"] else document["satisfied"]
    return MonthResults(document["month"], int(document["n"]), share,
                        str(action["measure"]) if action else "")


def _percent(share: float, lang: str) -> str:
    return f"{round(100 * share)}%" if lang == "vi" else f"{round(100 * share)} %"


def _number(n: int, lang: str) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "vi" else text


def idle_lines(results: MonthResults | None, lang: str) -> tuple[str, ...]:
    """"Tháng 11/2026: 92% người dân hài lòng (184 lượt)" and, when there is one, the action
    done; nothing without results."""
    if results is None:
        return ()
    year, month = results.month.split("-")
    name = f"{month}/{year}" if lang == "vi" else f"{year}-{month}"
    n = _number(results.n, lang)
    if results.satisfied is None:
        lines = [t(lang, "results.too_few", month=name, n=n)]
    else:
        lines = [t(lang, "results.month", month=name, share=_percent(results.satisfied, lang),
                   n=n)]
    if results.action:
        lines.append(t(lang, "results.action", measure=results.action))
    return tuple(lines)
