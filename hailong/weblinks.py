"""What a request for a phone link gets: a signed link with its expiry, or a refusal with the
``error`` of the contract's ``link`` message (docs/web-channel.md). Shared by the hub's MQTT
handler (hub/ingest/link_requests.py) and its web layer (hub/web/webchannel.py, the API), which
must not import each other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hailong.contract import LinkError


class LinkRefusal(ValueError):
    """Why no link is given: ``already-rated`` or ``refused``, with a reason for the log."""

    def __init__(self, error: LinkError, reason: str) -> None:
        super().__init__(reason)
        self.error: LinkError = error
        self.reason = reason


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A signed link and when it stops working: what a ``link`` message carries."""

    url: str
    expires: datetime
