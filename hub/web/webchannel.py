"""The web channel's shell: signs links, hands phone ratings to the hub's one ingest and waits
for the outcome, tells an office's kiosks a dossier is rated, limits poster ratings.

Kept on ``app.state.dashboard.web`` (hub/web/context.py); hub/app.py builds it with the ingest's
``submit`` and the MQTT ``publish``. The link-request handler (hub/ingest/link_requests.py) and
``POST /api/v1/links`` both sign through :meth:`WebChannel.issue`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hailong import contract
from hailong.questionnaire import Questionnaire
from hailong.settings import SettingsError
from hailong.topics import kiosk_topic, office_topic
from hailong.weblinks import IssuedLink, LinkRefusal
from hub.settings import HubSettings
from hub.store import Store
from hub.store.tables import counters
from hub.web.links import LinkSigner, check_claims, load_or_create_secret, same_moment
from hub.web.ratelimit import WindowLimiter
from hub.web.settings import WebSection

# An office's names and questionnaire are read once per this many seconds, not on every screen
# (a roster change reaches the pages within a minute; 200 phones a second cost no query each).
PLACE_TTL = 60.0
# How long a phone's request waits for the ingest's commit: a batch closes within tens of
# milliseconds; beyond this the database is in trouble and the page says to try again.
SETTLE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Place:
    """What a phone's page says about where it rates: names, and the questionnaire asked."""

    office_name: str
    counter_names: dict[str, str]
    questionnaire: Questionnaire | None


@dataclass
class WebChannel:
    signer: LinkSigner
    settings: WebSection
    public_url: str  # without a trailing slash
    store: Store
    # hands a response to the hub's ingest: topic, payload, channel, and who waits for the
    # outcome (hub/app.py makes the ingest's message of it)
    submit: Callable[[str, bytes, str, Callable[[str], None]], None]
    publish: Callable[[str, bytes], None]
    questionnaire_of: Callable[[str], Questionnaire | None]  # by office
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    per_client: WindowLimiter = field(init=False)
    per_poster: WindowLimiter = field(init=False)
    _waiting: dict[str, threading.Event] = field(default_factory=dict)
    _places: dict[str, tuple[float, Place]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        window = float(self.settings.poster_window)
        self.per_client = WindowLimiter(self.settings.poster_per_client, window)
        self.per_poster = WindowLimiter(self.settings.poster_per_poster, window)

    def place(self, office: str) -> Place:
        """The office's name, its counters' names and its questionnaire (cached a minute)."""
        now = time.monotonic()
        cached = self._places.get(office)
        if cached is not None and now - cached[0] < PLACE_TTL:
            return cached[1]
        row = self.store.read.office(office)
        found = Place((row or {}).get("name") or "",
                      self.store.read.names(counters, "label", office),
                      self.questionnaire_of(office))
        self._places[office] = (now, found)
        return found

    # -- links ------------------------------------------------------------------------------
    def rated(self, h: str, stage: str | None) -> bool:
        """Whether a rating of this dossier at this moment is stored, from any channel."""
        return any(same_moment(stored, stage) for stored in self.store.read.receipt_stages(h))

    def issue(self, office: str, counter: str, stage: str | None, h: str) -> IssuedLink:
        """A signed link for a dossier, or LinkRefusal."""
        try:
            check_claims(office, counter, stage, h)
        except ValueError as exc:
            raise LinkRefusal("refused", str(exc)) from None
        if self.place(office).questionnaire is None:
            raise LinkRefusal("refused", f"no questionnaire is installed for office {office!r}")
        if self.rated(h, stage):
            raise LinkRefusal("already-rated", "this dossier is already rated at this stage")
        expires = (self.clock() + timedelta(days=self.settings.link_days)).replace(microsecond=0)
        token = self.signer.dossier_link(office, counter, stage, h, expires)
        return IssuedLink(f"{self.public_url}/r/{token}", expires)

    def poster_url(self, office: str, counter: str) -> str:
        return f"{self.public_url}/p/{self.signer.poster_link(office, counter)}"

    # -- ratings ----------------------------------------------------------------------------
    def store_rating(self, document: dict[str, object], channel: str) -> str:
        """Hand a phone's response to the ingest and wait for its outcome: ``stored``,
        ``duplicate``, ``conflict``, ``rejected: …`` or ``timeout``. The same response id sent
        twice at once (a double tap) waits for the first instead of racing it."""
        rid = str(document["id"])
        with self._lock:
            running = self._waiting.get(rid)
            if running is None:
                done = self._waiting[rid] = threading.Event()
        if running is not None:
            running.wait(SETTLE_TIMEOUT)
            return "duplicate" if self.store.read.response_stored(rid) else "timeout"
        outcome: list[str] = []

        def settled(result: str) -> None:
            outcome.append(result)
            done.set()

        try:
            office = str(document["office"])
            self.submit(kiosk_topic(office, channel, "response"), contract.encode(document),
                        channel, settled)
            if not done.wait(SETTLE_TIMEOUT):
                return "timeout"
        finally:
            with self._lock:
                self._waiting.pop(rid, None)
            done.set()
        result = outcome[0]
        receipt = document.get("receipt")
        if result == "stored" and isinstance(receipt, dict):
            stage = document.get("stage")
            self.publish(office_topic(office, "rated"),
                         contract.rated_message(str(receipt["h"]),
                                                str(stage) if stage else None))
        return result

    def poster_allowed(self, client: str, office: str, counter: str) -> bool:
        """Whether one more poster rating from this phone, at this poster, is within limits."""
        now = time.monotonic()
        return (self.per_client.allow(f"{client}|{office}", now)
                and self.per_poster.allow(f"{office}|{counter}", now))




def load_signer(settings: HubSettings) -> tuple[LinkSigner, Path, bool]:
    """The hub's link signer from ``[web] link_secret_file`` (made there on first use), the
    file, and whether it was just made; SettingsError when it cannot be read or written."""
    path = Path(settings.web.link_secret_file or settings.data_dir() / "web-link.key")
    try:
        secret, created = load_or_create_secret(path)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"[web] link_secret_file: {exc}") from None
    return LinkSigner(secret), path, created


def public_url(settings: HubSettings) -> str:
    """Where phones open links: ``[web] public_url``, else the hub's own address."""
    http = settings.http
    found = settings.web.public_url or (f"{'https' if http.tls_cert else 'http'}://"
                                        f"{http.host}:{http.port}")
    return found.rstrip("/")
