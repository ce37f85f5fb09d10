"""The hub's settings: one validated object read from hub.toml and HAILONG_* variables."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hailong.settings import (
    DatabaseSettings,
    DataSettings,
    MqttSettings,
    Section,
    load_settings,
    sqlite_url,
)
from hub.documents.settings import ReportSection
from hub.notify.settings import NotifySection
from hub.web.settings import WebSection

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone such as Asia/Ho_Chi_Minh") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(check_timezone)]


def check_channel(value: str) -> str:
    if value in ("kiosk", "all", "web-poster"):
        raise ValueError(f"{value!r} is reserved: kiosk ratings are the channel kiosk, the "
                         "counter posters' web-poster, and all means every channel")
    return value


SurveyChannel = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,15}$"),
                          AfterValidator(check_channel)]


class HubSection(Section):
    """The hub process and its MQTT session."""

    client_id: str = Field(
        "hailong-hub", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Fixed MQTT client id: the broker keeps this session's queue while the hub "
        "restarts; also names its presence topic hailong/v1/_hub/{client_id}/status")
    roster: str = Field("", description="Roster TOML file of offices, counters, officers and kiosks")
    questionnaires: str = Field(
        "", description="Extra folder of questionnaire TOML files beside the bundled ones")
    timezone: TimeZoneName = Field(
        DEFAULT_TIMEZONE, description="Time zone of offices that do not set their own")
    min_n: int = Field(30, ge=1, le=10_000,
                       description="Below this many answers a cell is shown as too few, never ranked")
    survey_channels: list[SurveyChannel] = Field(
        default_factory=list, max_length=32,
        description="Survey channels an import may name besides paper, phone, postal and web "
        "(lower-case ids, e.g. [\"sms\", \"zalo\"]); kiosk ratings are the channel kiosk")
    shared_group: str = Field(
        "", pattern=r"^[A-Za-z0-9_-]{0,64}$",
        description="Share the response subscription ($share/GROUP/…) with other hub processes of "
        "the same group (each with its own client_id); empty: this hub takes every response. A "
        "secret: a kiosk that knows it can join the group and swallow responses, so use the one "
        "`hailong provision hub` writes to hub-group.env (a name under 20 characters is warned of)")


class CredibilitySection(Section):
    """Credibility flags: shown beside scores, never used to delete anything."""

    burst_count: int = Field(
        5, ge=2, le=1000,
        description="This many identical answers from one kiosk within burst_window seconds is a "
        "burst")
    burst_window: int = Field(120, ge=1, le=86_400,
                              description="Seconds within which identical answers count as a burst")
    skew_seconds: int = Field(
        300, ge=1, le=86_400,
        description="A kiosk clock further off than this from the hub's is flagged as skewed")


class AlertRule(Section):
    """The alert rule (HappyOrNot-style); each office may override any key in the roster."""

    enabled: bool = Field(True, description="Raise alerts at all")
    question: str = Field("overall", min_length=1, max_length=63,
                          description="The rating question the rule watches")
    low_max: int = Field(2, ge=1, le=4, description="Answers at or below this are low")
    share: float = Field(0.5, gt=0, le=1,
                         description="Alert when low answers reach this share of the window's")
    window: int = Field(900, ge=60, le=86_400,
                        description="Seconds of recent answers (by submitted_at) the rule looks at")
    min_responses: int = Field(4, ge=1, le=10_000,
                               description="No alert from fewer answers than this in the window")


class PublicSection(Section):
    """The public page per province (/public/{province}): what citizens are told back."""

    enabled: bool = Field(
        False, description="Serve /public/{province} without sign-in: each office's last "
        "complete month and the actions done in it; off (404) unless a province chooses it")
    # 60 s: a page that changes once a month (and when an action is done, which clears it at
    # once) need not be rebuilt more often, and late uploads of last month's ratings after an
    # outage still show within a minute.
    cache_seconds: int = Field(
        60, ge=1, le=86_400,
        description="Seconds a built page is served (and browsers and proxies may keep it, "
        "Cache-Control max-age) before it is built again; an action done clears it at once")


class HttpSection(Section):
    """The web server for the dashboard and the JSON API."""

    host: str = Field("127.0.0.1", description="Address the web server listens on")
    port: int = Field(8080, ge=1, le=65535, description="Port the web server listens on")
    tls_cert: str = Field("", description="PEM certificate (chain) to serve HTTPS; empty: plain HTTP")
    tls_key: str = Field("", description="PEM private key of tls_cert")
    forwarded_allow_ips: str = Field(
        "127.0.0.1", description="Proxies trusted to report the browser's address "
        "(X-Forwarded-For) and scheme (X-Forwarded-Proto), comma-separated addresses or "
        "networks: sign-in limits count per browser address, so the nginx in front must be "
        "listed and send X-Forwarded-For (docs/deploy.md); nobody else's header is believed")

    @model_validator(mode="after")
    def _tls_pair(self) -> HttpSection:
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("tls_cert and tls_key go together: set both, or neither")
        return self


class HubSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hub: HubSection = Field(default_factory=HubSection)  # type: ignore[arg-type]
    http: HttpSection = Field(default_factory=HttpSection)  # type: ignore[arg-type]
    mqtt: MqttSettings = Field(default_factory=MqttSettings)  # type: ignore[arg-type]
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)  # type: ignore[arg-type]
    credibility: CredibilitySection = Field(default_factory=CredibilitySection)  # type: ignore[arg-type]
    alerts: AlertRule = Field(default_factory=AlertRule)  # type: ignore[arg-type]
    data: DataSettings = Field(default_factory=DataSettings)  # type: ignore[arg-type]
    web: WebSection = Field(default_factory=WebSection)  # type: ignore[arg-type]
    report: ReportSection = Field(default_factory=ReportSection)  # type: ignore[arg-type]
    notify: NotifySection = Field(default_factory=NotifySection)  # type: ignore[arg-type]
    public: PublicSection = Field(default_factory=PublicSection)  # type: ignore[arg-type]

    def data_dir(self) -> Path:
        return self.data.path()

    def database_url(self) -> str:
        return self.database.url or sqlite_url(self.data_dir() / "hub.db")


def settings_from(args: argparse.Namespace) -> HubSettings:
    """The settings of a ``hailong hub …`` command: its ``--config`` file and HAILONG_* variables."""
    return load_settings(HubSettings, args.config)
