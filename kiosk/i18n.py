"""The kiosk's translation catalogues (kiosk/locale/{vi,en}.toml): every word it shows or says.

Questions come with their own wording from the questionnaire file; everything around them
(buttons, scale labels, notices, the service screen) is looked up here by a dotted key.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("vi", "en")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise KeyError(f"no catalogue for language {lang!r}")
    text = (resources.files("kiosk") / "locale" / f"{lang}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def t(lang: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``lang``, with ``{name}`` fields filled in (``{receipt}``: the
    catalogue's name of the receipt, unless a ``receipt`` value is given)."""
    text = catalogue(lang)[key]
    if "{receipt}" in text:
        values = {"receipt": catalogue(lang)["receipt_name"], **values}
    return text.format(**values) if values else text


def other(lang: str) -> str:
    """The language the switch button offers."""
    return "en" if lang == "vi" else "vi"
