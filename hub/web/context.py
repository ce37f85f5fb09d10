"""The web side's context, kept on ``app.state.dashboard``: what every API route and page reads.

hub/web/dashboard.py builds it once (:func:`hub.web.dashboard.create_app`); routes reach it with
:func:`dashboard_of` and never through an import of the hub's wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from hub.admin.pushconfig import ConfigPusher
from hub.documents.settings import ReportSection
from hub.roster import Roster
from hub.scores.documents import Documents
from hub.store import Store
from hub.store.probe import DatabaseProbe
from hub.web.access import Gate
from hub.web.events import LiveEvents
from hub.web.patches import LivePatches
from hub.web.views import QuestionLabels
from hub.web.webchannel import WebChannel


@dataclass
class Dashboard:
    store: Store
    timezone_of: Callable[[str], ZoneInfo]
    min_n: int
    labels: QuestionLabels
    events: LiveEvents
    gate: Gate
    templates: Jinja2Templates
    documents: Documents
    roster: Roster
    pusher: ConfigPusher | None = None
    mqtt_connected: Callable[[], bool] = lambda: False
    # Survey channels declared beside the standard ones ([hub] survey_channels).
    survey_channels: tuple[str, ...] = ()
    # Why the ingest cannot store responses right now (None while it can).
    ingest_trouble: Callable[[], str | None] = lambda: None
    # Whether alert notifications are configured ([notify]): /healthz reports on their queue.
    notify_enabled: bool = False
    # Called with an office when one of its actions becomes done (or stops being done): the
    # hub republishes what its kiosks and the public page tell citizens (hub/admin/results.py).
    action_done: Callable[[str], None] = lambda _office: None
    # The public page per province ([public] in hub.toml; hub/web/public_pages.py).
    public: Any = None
    # The live parts recently sent, so that a page gets only what changed (hub/web/patches.py).
    patches: LivePatches = field(default_factory=LivePatches)
    # Who issues and signs the official report ([report] in hub.toml).
    report: ReportSection = field(default_factory=ReportSection)  # type: ignore[arg-type]
    _probe: DatabaseProbe | None = field(default=None, repr=False)

    def database_probe(self) -> DatabaseProbe:
        """/healthz's bounded question to the database (hub/store/probe.py)."""
        if self._probe is None:
            self._probe = DatabaseProbe(self.store.read.office_ids)
        return self._probe
    # The phone questionnaire's links and submissions (hub/web/webchannel.py); None in an app
    # built without a hub around it.
    web: WebChannel | None = None

    def close(self) -> None:
        """End the live streams so that the web server can stop at once."""
        self.events.close()


def dashboard_of(app: Any) -> Dashboard:
    dashboard: Dashboard = app.state.dashboard
    return dashboard
