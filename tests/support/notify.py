"""Helpers of the notification tests: a real SMTP server (aiosmtpd's Controller) with a mailbox
that accepts or refuses, and the record of a webhook receiver's calls."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from hailong.broker import free_port


@dataclass
class Mailbox:
    """An aiosmtpd handler: every message accepted, or every one refused with ``refuse``."""

    refuse: str | None = None
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    # each DATA: its time.monotonic() and first recipient
    attempts: list[tuple[float, str]] = field(default_factory=list)

    async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:
        self.attempts.append((time.monotonic(), envelope.rcpt_tos[0]))
        if self.refuse:
            return self.refuse
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


class SmtpServer:
    """aiosmtpd's Controller on a loopback port, started and stopped by the test."""

    def __init__(self, mailbox: Mailbox, port: int | None = None) -> None:
        self.mailbox = mailbox
        self.port = port or free_port()
        self.controller: Any = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@dataclass
class Calls:
    """What a webhook receiver got: each request's headers and body; ``fail_first`` answers
    503 to that many requests before accepting."""

    fail_first: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
