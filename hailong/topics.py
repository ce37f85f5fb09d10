"""The one place MQTT topic names are built and parsed (wire contract v1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

ROOT = "hailong/v1"

# link-request (kiosk -> hub) and link (hub -> kiosk): a signed link to the web questionnaire;
# rated (hub -> an office's kiosks): a dossier rated on the web channel (docs/web-channel.md);
# results: the last complete month and one action done, retained, for the kiosks' idle line.
KioskTopicKind = Literal["response", "ack", "status", "config", "link-request", "link"]
OfficeTopicKind = Literal["scores", "alerts", "results", "rated"]

KIOSK_KINDS: tuple[str, ...] = ("response", "ack", "status", "config", "link-request", "link")
OFFICE_KINDS: tuple[str, ...] = ("scores", "alerts", "results", "rated")

_SEGMENT = r"[a-z0-9][a-z0-9-]{0,62}"
_KIOSK_RE = re.compile(rf"^{ROOT}/({_SEGMENT})/({_SEGMENT})/({'|'.join(KIOSK_KINDS)})$")
_OFFICE_RE = re.compile(rf"^{ROOT}/({_SEGMENT})/({'|'.join(OFFICE_KINDS)})$")
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


def office_filter(kind: OfficeTopicKind) -> str:
    """Subscription filter for one kind of office topic, for all offices."""
    return f"{ROOT}/+/{kind}"


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


@dataclass(frozen=True, slots=True)
class OfficeTopic:
    office: str
    kind: str


def parse_office_topic(topic: str) -> OfficeTopic | None:
    """The office and kind of an office topic (scores, alerts, results, rated), or None."""
    match = _OFFICE_RE.match(topic)
    if match is None:
        return None
    return OfficeTopic(match.group(1), match.group(2))
