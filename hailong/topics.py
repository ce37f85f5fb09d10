"""The one place MQTT topic names are built and parsed (wire contract v1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ROOT = "hailong/v1"

KioskTopicKind = Literal["response", "ack", "status", "config"]
OfficeTopicKind = Literal["scores", "alerts"]

KIOSK_KINDS: tuple[str, ...] = ("response", "ack", "status", "config")
OFFICE_KINDS: tuple[str, ...] = ("scores", "alerts")

_SEGMENT = r"[a-z0-9][a-z0-9-]{0,62}"
_KIOSK_RE = re.compile(rf"^{ROOT}/({_SEGMENT})/({_SEGMENT})/(response|ack|status|config)$")
_OFFICE_RE = re.compile(rf"^{ROOT}/({_SEGMENT})/(scores|alerts)$")


def kiosk_topic(office: str, kiosk: str, kind: KioskTopicKind) -> str:
    return f"{ROOT}/{office}/{kiosk}/{kind}"


def office_topic(office: str, kind: OfficeTopicKind) -> str:
    return f"{ROOT}/{office}/{kind}"


def kiosk_filter(kind: KioskTopicKind, office: str = "+") -> str:
    """Subscription filter for one kind of kiosk topic, for all kiosks (of one office or all)."""
    return f"{ROOT}/{office}/+/{kind}"


@dataclass(frozen=True, slots=True)
class KioskTopic:
    office: str
    kiosk: str
    kind: str


def parse_kiosk_topic(topic: str) -> KioskTopic | None:
    """The office, kiosk and kind of a kiosk topic, or None when it is not one."""
    match = _KIOSK_RE.match(topic)
    if match is None:
        return None
    return KioskTopic(match.group(1), match.group(2), match.group(3))
