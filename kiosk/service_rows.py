"""The technician's screen's figures: counts and states only, never an answer, never a code."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hailong import __version__
from kiosk.i18n import t
from kiosk.settings import KioskSettings

if TYPE_CHECKING:
    from kiosk.recorder import ResponseDesk
    from kiosk.scanner import ScannerReader

Rows = tuple[tuple[str, str], ...]


def service_rows(lang: str, settings: KioskSettings, questionnaire: str,
                 desk: ResponseDesk | None, scanner: ScannerReader | None, unmatched: int,
                 config: dict[str, Any] | None) -> Rows:
    """One (label, value) row per figure; ``desk`` is None in the second before it opens."""
    section = settings.kiosk

    def row(key: str, value: str) -> tuple[str, str]:
        return t(lang, f"service.{key}"), value

    if desk is None:
        return row("kiosk", section.id), row("outbox", t(lang, "notice.opening"))
    stats = desk.stats()
    never = t(lang, "service.never")
    last_scan = scanner.last_scan if scanner else None
    return (
        row("kiosk", section.id), row("office", section.office), row("counter", section.counter),
        row("broker", f"{settings.mqtt.effective_url} · "
            + t(lang, "service.broker_ok" if desk.connected else "service.broker_down")),
        row("outbox", str(stats.depth)), row("oldest", stats.oldest or t(lang, "service.none")),
        row("rejected", str(stats.rejected)), row("sent", str(stats.last_seq)),
        row("scanner", t(lang, f"service.scanner_{scanner.state if scanner else 'absent'}")),
        row("last_scan", datetime.fromtimestamp(last_scan).strftime("%H:%M:%S")
            if last_scan else never),
        row("garbage", str(unmatched + (scanner.dropped if scanner else 0))),
        row("questionnaire", questionnaire),
        row("config", f"{config['version']} ({config['state']})" if config else never),
        row("version", __version__),
    )
