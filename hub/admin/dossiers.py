"""Dossier counts from CSV: how many dossiers each office received each day (response rate).

The CSV has a header row naming ``office`` (optional when one office is implied), ``day`` (or
``date``) as YYYY-MM-DD, and ``count``; a bad line is reported with its number, and nothing is
stored from a file that has one.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from hailong.settings import check_id

# A day's dossiers at one office: the busiest centres take a few hundred; more is a typo.
MAX_DAILY_DOSSIERS = 1_000_000


class DossierError(ValueError):
    pass


def parse_dossier_csv(text: str, default_office: str | None = None) -> list[tuple[str, date, int]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    reader.fieldnames = fields
    day_field = "day" if "day" in fields else "date"
    missing = [name for name in (day_field, "count") if name not in fields]
    if "office" not in fields and default_office is None:
        missing.insert(0, "office")
    if missing:
        raise DossierError(f"line 1: the header must name {', '.join(missing)} "
                           f"(found: {', '.join(fields) or 'nothing'})")
    rows: list[tuple[str, date, int]] = []
    for number, row in enumerate(reader, start=2):
        office = (row.get("office") or default_office or "").strip()
        try:
            check_id(office)
        except ValueError as exc:
            raise DossierError(f"line {number}: office {office!r}: {exc}") from None
        try:
            day = date.fromisoformat((row.get(day_field) or "").strip())
        except ValueError:
            raise DossierError(f"line {number}: {day_field} must be YYYY-MM-DD, got "
                               f"{row.get(day_field)!r}") from None
        try:
            count = int((row.get("count") or "").strip())
        except ValueError:
            raise DossierError(f"line {number}: count must be a whole number, got "
                               f"{row.get('count')!r}") from None
        if not 0 <= count <= MAX_DAILY_DOSSIERS:
            raise DossierError(f"line {number}: count {count} is out of range")
        rows.append((office, day, count))
    if not rows:
        raise DossierError("the file has no rows below its header")
    return rows
