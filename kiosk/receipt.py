"""Receipt codes: recognise a scanned dossier code and turn it at once into its keyed hash.

The clear code never leaves this module: callers get the HMAC-SHA256 (keyed with the
deployment's receipt key, which lives on kiosks only), the receiving unit and the date.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kiosk.settings import KioskSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Receipt:
    h: str
    unit: str | None
    date: str | None

    def as_wire(self) -> dict[str, str | None]:
        return {"h": self.h, "unit": self.unit, "date": self.date}


def normalise(code: str) -> str:
    return code.strip().upper()


def receipt_hash(code: str, key: str) -> str:
    """Lower-case hex HMAC-SHA256 of the normalised code, keyed with the key's UTF-8 bytes."""
    return hmac.new(key.encode("utf-8"), normalise(code).encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _parse_date(yymmdd: str | None) -> str | None:
    if not yymmdd or len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    try:
        return date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])).isoformat()
    except ValueError:
        return None


def parse_receipt(code: str, pattern: re.Pattern[str], key: str) -> Receipt | None:
    """The hashed receipt when ``code`` matches the receipt pattern, else None.

    The pattern may name groups ``unit`` and ``date`` (YYMMDD); the default pattern takes them
    from the last two hyphens, since the unit code itself varies in length and has dots.
    """
    text = normalise(code)
    match = pattern.match(text)
    if match is None:
        return None
    groups = match.groupdict()
    unit = groups.get("unit") or None
    return Receipt(receipt_hash(text, key), unit, _parse_date(groups.get("date")))


@dataclass(frozen=True, slots=True)
class Scanned:
    """A scanned code, classified; a receipt is already hashed and the clear code is gone."""

    kind: Literal["receipt", "officer", "unknown"]
    receipt: Receipt | None = None
    officer: str | None = None


def classify(code: str, receipt_pattern: re.Pattern[str], officer_pattern: re.Pattern[str],
             key: str) -> Scanned:
    """An officer card, a receipt (hashed at once), or a code matching neither pattern."""
    card = officer_pattern.match(code.strip())
    if card is not None:
        officer = (card.groupdict().get("officer") or card.group(0)).strip()
        if 1 <= len(officer) <= 64:
            return Scanned("officer", officer=officer)
    receipt = parse_receipt(code, receipt_pattern, key)
    if receipt is not None:
        return Scanned("receipt", receipt=receipt)
    return Scanned("unknown")


def load_or_create_key(configured: str, key_file: Path) -> tuple[str, bool]:
    """The receipt key from config, else from ``key_file``, else a new one written there.

    Returns the key and whether it was just generated (the caller warns: kiosks of one
    deployment must share one key, or the same dossier hashes differently on each).
    """
    if configured:
        return configured, False
    if key_file.exists():
        key = key_file.read_text(encoding="utf-8").strip()
        if key:
            return key, False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.touch(mode=0o600)
    key_file.write_text(key + "\n", encoding="utf-8")
    return key, True


def deployment_key(settings: KioskSettings) -> str:
    """The deployment's receipt key: configured, or generated once into the data folder."""
    section = settings.kiosk
    path = Path(section.receipt_key_file) if section.receipt_key_file else \
        settings.data_dir() / "receipt.key"
    key, generated = load_or_create_key(section.receipt_key.get_secret_value(), path)
    if generated:
        log.warning("no receipt key configured: generated one in %s. Every kiosk of a "
                    "deployment must share one key, or one dossier hashes differently on "
                    "each: copy it, or set [kiosk] receipt_key", path)
    return key


def scan_patterns(settings: KioskSettings) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The receipt's and the officer card's patterns, compiled once."""
    return (re.compile(settings.scanner.receipt_pattern),
            re.compile(settings.scanner.officer_pattern))
