"""The ``[notify]`` section: the SMTP server, the webhook, the link base and the retry policy."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from hailong.settings import Section

# A webhook secret shorter than this can be guessed: HMAC-SHA256 wants a real key.
MIN_SECRET = 16


class NotifySection(Section):
    """Mail and webhook notifications when an alert opens (setting up: docs/deploy.md)."""

    smtp_host: str = Field("", description="SMTP server; empty: no e-mail is sent")
    smtp_port: int = Field(587, ge=1, le=65535,
                           description="SMTP port: 587 with starttls, 465 with tls, 25 with none")
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls: plain connection upgraded with STARTTLS (refused if "
        "the server does not offer it); tls: TLS from the start (SMTPS); none: no encryption "
        "(a relay on the same machine or network only)")
    user: str = Field("", description="SMTP user name; empty: no authentication")
    password: SecretStr = Field(SecretStr(""), description="SMTP password of user")
    mail_from: str = Field("", description="The mails' From address, e.g. "
                           "\"Hài lòng <hailong@example.gov.vn>\"; needed with smtp_host")
    link_base: str = Field("", description="The dashboard's address as people reach it, e.g. "
                           "https://hailong.example.gov.vn: mails and webhooks link to "
                           "{link_base}/offices/{office}/alerts")
    webhook_url: str = Field("", description="An http(s) URL that gets a signed JSON POST "
                             "per alert (docs/api.md); empty: none")
    webhook_secret: SecretStr = Field(SecretStr(""), description="The HMAC-SHA256 key signing the webhook's "
                                f"body (at least {MIN_SECRET} characters)")
    timeout: float = Field(20, gt=0, le=300,
                           description="Seconds an SMTP dialogue or a webhook call may take")
    retry_base: float = Field(30, gt=0, le=86_400,
                              description="Seconds before the first retry; each next one waits "
                              "twice as long, up to retry_max")
    retry_max: float = Field(3600, gt=0, le=7 * 86_400,
                             description="The longest wait between two attempts, in seconds")
    max_attempts: int = Field(20, ge=1, le=1000,
                              description="Attempts before a notification is given up (shown "
                              "as failed on the alerts page and in /healthz)")

    @model_validator(mode="after")
    def _complete(self) -> NotifySection:
        if self.smtp_host and "@" not in self.mail_from:
            raise ValueError("mail_from: an address is needed to send mail (smtp_host is set)")
        if self.webhook_url:
            if not self.webhook_url.startswith(("http://", "https://")):
                raise ValueError("webhook_url: expected an http:// or https:// URL")
            if len(self.webhook_secret.get_secret_value()) < MIN_SECRET:
                raise ValueError(f"webhook_secret: at least {MIN_SECRET} characters are needed "
                                 "to sign the webhook (e.g. `openssl rand -hex 32`)")
        if self.link_base and not self.link_base.startswith(("http://", "https://")):
            raise ValueError("link_base: expected the dashboard's http:// or https:// address")
        return self

    @property
    def mail(self) -> bool:
        return bool(self.smtp_host)

    @property
    def webhook(self) -> bool:
        return bool(self.webhook_url)
