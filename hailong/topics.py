"""The one place MQTT topic names are built and parsed (wire contract v1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

ROOT = "hailong/v1"

KioskTopicKind = Literal["response", "ack", "status", "config"]
OfficeTopicKind = Literal["scores", "alerts", "results"]

KIOSK_KINDS: tuple[str, ...] = ("response", "ack", "status", "config")
# results: the last complete month and one action done, retained, for the kiosks' idle line.
OFFICE_KINDS: tuple[str, ...] = ("scores", "alerts", "results")

_SEGMENT = r"[a-z0-9][a-z0-9-]{0,62}"
_KIOSK_RE = re.compile(rf"^{ROOT}/({_SEGMENT})/({_SEGMENT})/(response|ack|status|config)$")
_OFFICE_RE = re.compile(rf"^{ROOT}/({_SEGMENT})/(scores|alerts|results)$")
# Hub presence, an addition to the five topics of the contract: "_hub" can never be an office
# id (ids start with a letter or digit), so these topics never meet a kiosk's or an office's.
HUB_SEGMENT = "_hub"
HUB_CLIENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_HUB_RE = re.compile(rf"^{ROOT}/{HUB_SEGMENT}/({HUB_CLIENT})/status$")
HUB_STATUS_FILTER = f"{ROOT}/{HUB_SEGMENT}/+/status"


def kiosk_topic(office: str, kiosk: str, kind: KioskTopicKind) -> str:
    return f"{ROOT}/{office}/{kiosk}/{kind}"


def office_topic(office: str, kind: OfficeTopicKind) -> str:
    return f"{ROOT}/{office}/{kind}"


def parse_office_topic(topic: str) -> tuple[str, str] | None:
    """The office and kind of an office topic (scores, alerts, results), or None."""
    match = _OFFICE_RE.match(topic)
    return (match.group(1), match.group(2)) if match else None


def kiosk_filter(kind: KioskTopicKind, office: str = "+") -> str:
    """Subscription filter for one kind of kiosk topic, for all kiosks (of one office or all)."""
    return f"{ROOT}/{office}/+/{kind}"


def hub_status_topic(client_id: str) -> str:
    """Where the hub with this MQTT client id says it is online or offline (retained)."""
    if not re.fullmatch(HUB_CLIENT, client_id):
        raise ValueError(f"hub client id {client_id!r} cannot name a topic: use letters, digits, "
                         "'.', '_' or '-' (at most 64)")
    return f"{ROOT}/{HUB_SEGMENT}/{client_id}/status"


def parse_hub_status_topic(topic: str) -> str | None:
    """The hub client id of a hub presence topic, or None when it is not one."""
    match = _HUB_RE.match(topic)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class KioskTopic:
    office: str
    kiosk: str
    kind: str


# The hub parses every message's topic; a kiosk sends on the same two or three all day, so the
# parsed values are kept for the last this many topics (a few MB at most, for 20,000 kiosks).
TOPIC_CACHE = 65_536


@lru_cache(maxsize=TOPIC_CACHE)
def parse_kiosk_topic(topic: str) -> KioskTopic | None:
    """The office, kiosk and kind of a kiosk topic, or None when it is not one."""
    match = _KIOSK_RE.match(topic)
    if match is None:
        return None
    return KioskTopic(match.group(1), match.group(2), match.group(3))
