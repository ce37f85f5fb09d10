"""The dashboard's texts in Vietnamese and English, from the catalogue ``messages.toml``.

Vietnamese is the default; a ``?lang=en`` link switches and a cookie remembers the choice.
Numbers and dates are written the way each language writes them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Literal

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
DEFAULT_LANG: Lang = "vi"
CATALOGUE = Path(__file__).with_name("messages.toml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    with CATALOGUE.open("rb") as handle:
        data = tomllib.load(handle)
    return {key: {lang: str(value[lang]) for lang in LANGS} for key, value in data.items()}


def pick_lang(value: str | None) -> Lang:
    return "en" if value == "en" else DEFAULT_LANG


@dataclass(frozen=True, slots=True)
class Texts:
    """What a page needs to speak one language: ``t(key, **values)`` and number formats."""

    lang: Lang

    def t(self, key: str, **values: object) -> str:
        text = catalogue()[key][self.lang]
        return text.format(**values) if values else text

    def number(self, value: float, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "vi":  # 1.234,5 in Vietnamese
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def percent(self, share: float | None, decimals: int = 0) -> str:
        return "—" if share is None else f"{self.number(100 * share, decimals)} %"

    def interval(self, ci: list[float] | tuple[float, float] | None) -> str:
        if not ci:
            return "—"
        return f"{self.number(100 * ci[0])}–{self.number(100 * ci[1])} %"

    def day(self, value: date | str) -> str:
        """A day (or an API document's ISO day) as the language writes it."""
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return value.strftime("%d/%m/%Y") if self.lang == "vi" else value.isoformat()

    def day_short(self, value: date) -> str:
        return value.strftime("%d/%m") if self.lang == "vi" else value.strftime("%m-%d")

    def time(self, value: datetime) -> str:
        return value.strftime("%H:%M:%S")

    def moment(self, value: str | datetime | None, zone: tzinfo | None = None) -> str:
        """A time from the API (RFC 3339) as a person reads it, in the office's time zone."""
        if not value:
            return "—"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if zone is not None:
            moment = moment.astimezone(zone)
        return f"{self.day(moment.date())} {moment:%H:%M}"

    def seconds(self, value: float | None) -> str:
        if value is None:
            return "—"
        if abs(value) < 0.05:  # no "-0,0 s"
            return "0 s"
        return f"{'+' if value > 0 else ''}{self.number(value, 1)} s"
