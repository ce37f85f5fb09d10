"""The official documents' shared pieces: the header and signature from ``[report]``, figures
written as a person reads them ("83,2% (n = 45; khoảng tin cậy 95%: 75–90%)"), and the parts
left for people's words. Words come from the catalogue (hub/messages.toml, ``doc.*``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from hub.documents.model import BLANK, Part
from hub.documents.settings import ReportSection
from hub.i18n import Texts, catalogue

# How many dotted lines each part left for people's words gets: room to write a paragraph.
BLANK_LINES = 3
# Shares in the documents carry one decimal, as on the printed report ("66,7%").
DECIMALS = 1


def share_text(texts: Texts, share: float | None) -> str:
    return texts.percent(share, DECIMALS)


def figure_text(texts: Texts, share: float | None, n: int, ci: Sequence[float] | None) -> str:
    """A share with its n and 95 % interval, or "no ratings" when nobody answered."""
    if not n or share is None:
        return texts.t("doc.none")
    interval = (f"{share_text(texts, ci[0])}–{share_text(texts, ci[1])}" if ci else "—")
    return texts.t("doc.figure", share=share_text(texts, share), n=texts.number(n),
                   ci=interval)


def score_text(texts: Texts, score: Mapping[str, Any] | None) -> str:
    """:func:`figure_text` of a score of the API (``n``, ``satisfied``, ``satisfied_ci95``)."""
    if not score:
        return texts.t("doc.none")
    return figure_text(texts, score.get("satisfied"), int(score.get("n") or 0),
                       score.get("satisfied_ci95"))


def channel_name(texts: Texts, channel: str) -> str:
    key = f"channel.{channel}"
    return texts.t(key).lower() if key in catalogue() else channel


def period_text(texts: Texts, first: date, last: date) -> str:
    return texts.t("doc.period", first=texts.day(first), last=texts.day(last))


def header_fields(texts: Texts, settings: ReportSection, default_body: str
                  ) -> dict[str, Any]:
    """The header's and signature's fields of :class:`~hub.documents.model.OfficialDocument`."""
    title = [line.strip().upper() for line in settings.signer_title.split("/") if line.strip()]
    return {
        "superior": settings.superior.upper(),
        "body": (settings.body or default_body).upper(),
        "number": texts.t("doc.number", symbol=settings.symbol or BLANK),
        "place_date": texts.t("doc.place_date", place=settings.place or BLANK),
        "kind": texts.t("doc.kind"),
        "recipients_title": texts.t("doc.recipients"),
        "recipients": tuple(f"- {r};" for r in settings.recipients[:-1])
        + tuple(f"- {r}." for r in settings.recipients[-1:]),
        "signer_title": tuple(title) or (BLANK,),
        "signer_name": settings.signer_name,
        "signature_hint": texts.t("doc.signature_hint"),
    }


def people_parts(texts: Texts) -> tuple[Part, ...]:
    """Hạn chế, Nguyên nhân, Giải pháp: headed, and left for people's words."""
    return tuple(Part(texts.t(f"doc.part.{key}"), blank_lines=BLANK_LINES)
                 for key in ("limits", "causes", "solutions"))
