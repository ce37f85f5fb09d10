"""Times as the hub stores them: aware UTC (a module of its own so reads and writes share it)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes, which the hub always wrote as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
