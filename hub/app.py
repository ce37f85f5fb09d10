"""``hailong hub run``: wires store, ingest, live scores, MQTT and the web server, and stops cleanly.

The imperative shell of the hub. uvicorn owns the main thread and its SIGINT/SIGTERM handling;
when it returns, MQTT is disconnected first (no new messages), then the ingest finishes the
batch at hand, so a stop takes a few seconds at most and loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

import uvicorn

from hailong.hubgroup import guessable
from hailong.questionnaire import Questionnaire, load_catalog
from hub.admin.pushconfig import ConfigPusher
from hub.admin.results import ResultsPublisher
from hub.i18n import Texts
from hub.ingest.ingest import AnswerChecks, Ingestor
from hub.ingest.link_requests import LinkRequests
from hub.ingest.subscriber import Message, MqttSubscriber
from hub.notify.planner import AlertNotifier
from hub.notify.sender import NotifySender
from hub.roster import Roster, load_roster
from hub.scores.documents import Documents
from hub.scores.live import LiveScores
from hub.settings import AlertRule, HubSettings
from hub.store import Store
from hub.web.context import Dashboard, dashboard_of
from hub.web.dashboard import create_app
from hub.web.render import headings
from hub.web.views import question_heading
from hub.web.webchannel import WebChannel, load_signer, public_url

log = logging.getLogger(__name__)


class _GracefulServer(uvicorn.Server):
    """uvicorn re-raises SIGTERM after its shutdown, which would kill the process before the
    ingest has flushed; the hub finishes its own shutdown and exits 0 instead. Open live pages'
    streams are ended first, or uvicorn would wait for them."""

    def __init__(self, config: uvicorn.Config, before_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._before_exit = before_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._before_exit()
        super().handle_exit(sig, frame)
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()


class Hub:
    """Everything the hub runs, built from settings; tests start and stop it in-process."""

    def __init__(self, settings: HubSettings, roster: Roster | None = None) -> None:
        self.settings = settings
        self.roster = roster if roster is not None else load_roster(settings.hub.roster)
        self.store = Store(settings.database_url())
        if self.store.dialect == "sqlite":
            self.store.upgrade()
        else:
            self.store.check_schema()
        self.store.apply_roster(self.roster)
        default_tz = ZoneInfo(settings.hub.timezone)
        zones = {o.id: ZoneInfo(o.timezone) for o in self.roster.offices if o.timezone}

        @cache
        def timezone_of(office: str) -> ZoneInfo:
            return zones.get(office, default_tz)

        self.timezone_of = timezone_of
        extra = [Path(settings.hub.questionnaires)] if settings.hub.questionnaires else []
        self.catalog = load_catalog(extra)
        self.documents = Documents(self.store.read, timezone_of, self.catalog, settings.hub.min_n,
                                   settings.credibility)
        if guessable(settings.hub.shared_group):
            log.warning("[hub] shared_group %r can be guessed: a kiosk subscribing to it would "
                        "swallow a share of the responses; use the group `hailong provision hub` "
                        "writes to hub-group.env (docs/deploy.md)", settings.hub.shared_group)
        self.subscriber = MqttSubscriber(settings.mqtt, settings.hub.client_id, self._received,
                                         shared_group=settings.hub.shared_group)
        # Notifications of opened alerts: queued with the alert, sent on a thread of their own
        self.sender = NotifySender(self.store, settings.notify)
        self.notifier = AlertNotifier(settings.notify, timezone_of, self.question_words,
                                      self.sender.wake)
        self.live = LiveScores(self.store, self.documents,
                               lambda topic, payload, retain: self.subscriber.publish(
                                   topic, payload, retain=retain), self.alert_rule,
                               self.notifier)
        self.ingestor = Ingestor(
            self.store, timezone_of=timezone_of,
            publish=lambda topic, payload: self.subscriber.publish(topic, payload),
            ack=self.subscriber.ack, on_committed=self.live.changed,
            on_status=lambda offices: self.dashboard.events.kiosks_changed(offices),
            checks=AnswerChecks(self.catalog, self.roster.gated), ack_all=self.subscriber.ack_all)
        self.web = self._web_channel(settings)
        self.link_requests = LinkRequests(self.web.issue, self.subscriber.publish,
                                          self.subscriber.ack)
        self.pusher = ConfigPusher(lambda topic, payload, retain: self.subscriber.publish(
            topic, payload, retain=retain))
        self.app = create_app(self.store, self.documents, timezone_of, settings.web,
                              roster=self.roster, pusher=self.pusher,
                              mqtt_connected=lambda: self.subscriber.connected,
                              survey_channels=settings.hub.survey_channels,
                              ingest_trouble=lambda: self.ingestor.trouble,
                              report=settings.report,
                              notify_enabled=self.notifier.enabled,
                              public=settings.public, web=self.web)
        self.dashboard: Dashboard = dashboard_of(self.app)
        # what citizens are told: the kiosks' retained results and the public page
        self.results = ResultsPublisher(
            self.documents, self.store.read.office_ids,
            lambda topic, payload, retain: self.subscriber.publish(topic, payload, retain=retain),
            self.subscriber.wait_connected)
        self.dashboard.action_done = self._action_done
        self.live.listen(self.dashboard.events.publish)
        self.live.listen_alerts(self.dashboard.events.publish_alert)

    def alert_rule(self, office: str) -> AlertRule:
        entry = self.roster.office(office)
        return entry.alert_rule(self.settings.alerts) if entry else self.settings.alerts

    def question_words(self, office: str, question: str) -> str:
        """The words of an alert's question in its mail (Vietnamese, as the pages say it)."""
        row = self.store.read.office(office)
        return question_heading(question, self.dashboard.labels, "vi", headings(Texts("vi")),
                                str(row["kind"]) if row else "admin")

    def _action_done(self, office: str) -> None:
        self.results.changed(office)
        self.dashboard.public.clear()

    def _web_channel(self, settings: HubSettings) -> WebChannel:
        """The phone questionnaire's links and submissions, with the hub's own link secret."""
        signer, secret_file, created = load_signer(settings)
        if created:
            log.info("made the web link secret %s (keep it private, back it up)", secret_file)

        def questionnaire_of(office: str) -> Questionnaire | None:
            row = self.store.read.office(office)
            return self.documents.by_kind.get(row["kind"] if row else "admin")

        return WebChannel(signer, settings.web, public_url(settings), self.store,
                          lambda topic, payload, channel, settled: self.ingestor.submit(
                              Message(topic, payload, 0, 0, False, channel, settled)),
                          lambda topic, payload: self.subscriber.publish(topic, payload),
                          questionnaire_of)

    def _received(self, message: Message) -> None:
        if message.topic.endswith("/link-request"):
            self.link_requests.handle(message)
            return
        self.ingestor.submit(message)

    def start_background(self) -> None:
        self.ingestor.start()
        self.live.start()
        self.sender.start()
        self.subscriber.start()
        self.results.start()

    def stop_background(self) -> None:
        self.results.stop()
        self.subscriber.stop()
        self.ingestor.stop()
        self.live.stop()
        self.sender.stop()
        self.store.close()

    def serve(self) -> None:
        """Run until SIGINT/SIGTERM."""
        self.start_background()
        http = self.settings.http
        config = uvicorn.Config(self.app, host=http.host, port=http.port, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=2,
                                ssl_certfile=http.tls_cert or None, ssl_keyfile=http.tls_key or None,
                                proxy_headers=True, forwarded_allow_ips=http.forwarded_allow_ips)
        server = _GracefulServer(config, self.dashboard.close)
        log.info("hub listening on %s://%s:%d", "https" if http.tls_cert else "http", http.host,
                 http.port)
        try:
            server.run()
        finally:
            self.stop_background()
            log.info("hub stopped")
