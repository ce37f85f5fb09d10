"""Cells a spreadsheet must show as text: every CSV and XLSX hailong writes passes through here.

Counter and officer labels come from kiosks (any 1–64 characters by contract), names from the
roster and alert notes from people. A text cell starting with ``=``, ``+``, ``-`` or ``@`` is a
formula to Excel and LibreOffice (tab and carriage return too, which they strip before parsing):
``=HYPERLINK(…)`` in a counter label would become a live link, ``+1+1`` a sum. OWASP's rule for
CSV injection: prefix such a cell with a single quote, so that it shows as the text it is.
Numbers are never touched, so a negative figure stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The characters a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """The value as a cell may hold it: text that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutral_row(values: Iterable[Any]) -> list[Any]:
    return [neutral(v) for v in values]
