"""The webhook target: a JSON POST signed with HMAC-SHA256 (standard library urllib, so the hub
needs no other HTTP client at run time)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from hailong import __version__
from hub.notify.mail import DeliveryError
from hub.notify.messages import SIGNATURE_HEADER, signature
from hub.notify.settings import NotifySection

# What the receiver tells about a refusal, at most: enough to read on the alerts page.
REASON_CHARS = 200


def post_webhook(settings: NotifySection, notice: dict[str, Any]) -> None:
    """POST the notice's JSON to its URL; any 2xx is delivered, anything else a DeliveryError."""
    body = notice["body"].encode("utf-8")
    request = urllib.request.Request(notice["recipient"], data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"hailong-hub/{__version__}",
        SIGNATURE_HEADER: signature(settings.webhook_secret.get_secret_value(), body),
        # the same for every try of one notice: a receiver can drop a repeat
        "X-Hailong-Delivery": str(notice["id"])})
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as reply:
            reply.read(REASON_CHARS)
    except urllib.error.HTTPError as exc:
        reason = exc.read(REASON_CHARS).decode("utf-8", "replace").strip()
        raise DeliveryError(f"the webhook answered {exc.code} {reason}".strip()) from None
    except (urllib.error.URLError, OSError) as exc:
        cause: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise DeliveryError(f"cannot reach the webhook: {cause}") from None
