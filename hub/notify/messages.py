"""What a notification says, as pure functions: the mail's Vietnamese subject and body, the
webhook's JSON and signature, the retry backoff and the 15-minute rule."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from hub.i18n import Texts

# At most one notification per office per alert kind in this long: a counter in trouble and
# its neighbours do not bury a head's inbox; later alerts are folded into the next mail.
QUIET = timedelta(minutes=15)
# The webhook's signature header: "sha256=" and the hex HMAC-SHA256 of the body (docs/api.md).
SIGNATURE_HEADER = "X-Hailong-Signature"


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """Everything a notification of one alert says, read once when the alert opens."""

    alert: dict[str, Any]  # the alert's API document (hub/scores/documents.py)
    office_name: str
    counter_name: str
    question: str  # the watched question's words
    zone: tzinfo
    link: str
    folded: int  # alerts of this office and kind folded since the last notification


def folds(last_notice: datetime | None, now: datetime) -> bool:
    """Whether an alert opened ``now`` is folded: a notification of its office and kind went
    out less than :data:`QUIET` ago."""
    return last_notice is not None and now - last_notice < QUIET


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next try after ``attempts`` failed ones: base, 2·base, 4·base … cap."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def alert_link(link_base: str, office: str, alert_id: int) -> str:
    path = f"/offices/{office}/alerts#alert-{alert_id}"
    return link_base.rstrip("/") + path if link_base else path


def mail_text(notice: AlertNotice, texts: Texts | None = None) -> tuple[str, str]:
    """The mail's subject and plain-text body, in Vietnamese unless told otherwise."""
    texts = texts or Texts("vi")
    alert = notice.alert
    office = notice.office_name or alert["office"]
    counter = notice.counter_name or texts.t("live.alert_counter", counter=alert["counter"])
    opened = datetime.fromisoformat(alert["opened_at"]).astimezone(notice.zone)
    window = (datetime.fromisoformat(alert["window"]["to"])
              - datetime.fromisoformat(alert["window"]["from"]))
    subject = texts.t("notify.subject", office=office, counter=counter)
    lines = [texts.t("notify.opening", office=office), "",
             texts.t("notify.counter", counter=counter),
             texts.t("notify.tripped", low=alert["low"], n=alert["n"], question=notice.question,
                     minutes=round(window.total_seconds() / 60),
                     time=texts.moment(opened)), "",
             texts.t("notify.link", link=notice.link)]
    if notice.folded:
        lines += ["", texts.t("notify.folded", count=notice.folded)]
    lines += ["", "--", texts.t("notify.footer")]
    return subject, "\n".join(lines) + "\n"


def webhook_body(notice: AlertNotice, subject: str, text: str) -> str:
    """The webhook's JSON: the alert's API document plus the words a gateway can forward."""
    return json.dumps({"v": 1, "event": "alert.opened", "alert": notice.alert,
                       "office_name": notice.office_name, "counter_name": notice.counter_name,
                       "link": notice.link, "folded": notice.folded, "subject": subject,
                       "text": text}, ensure_ascii=False, separators=(",", ":"))


def signature(secret: str, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER` for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
