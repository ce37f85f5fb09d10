"""Helpers of the web channel's tests: a hub with a roster, and a phone answering its form over
plain HTTP (the browser tests drive the same pages in Chromium)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import httpx

from hailong.broker import Broker
from tests.support import RunningHub, hub_settings, write_toml

ROSTER = """
[[offices]]
id = "ubnd-a"
name = "UBND phường An Bình"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "UBND xã Bình Minh"
province = "dak-nong"

[[counters]]
office = "ubnd-a"
label = "q3"
name = "Quầy 3 — Tư pháp, hộ tịch"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "q3"
"""
RECEIPT_KEY = "receipt-key-demo"


def receipt_h(code: str, key: str = RECEIPT_KEY) -> str:
    """The receipt hash of docs/protocol.md, as a kiosk or the province's software computes it."""
    return hmac.new(key.encode(), code.strip().upper().encode(), hashlib.sha256).hexdigest()


def web_hub(tmp: Path, broker: Broker, web: str = "", client_id: str = "hailong-hub-web"
            ) -> RunningHub:
    roster = write_toml(tmp / "roster.toml", ROSTER)
    extra = {"web": web} if web else {}
    return RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                   client_id=client_id, **extra))


_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@dataclass
class Phone:
    """A phone's browser without script: follows the form from screen to screen."""

    base: str
    address: str = ""  # the phone's address, as the trusted proxy reports it (X-Forwarded-For)
    client: httpx.Client = field(init=False)
    page: httpx.Response | None = None
    path: str = ""

    def __post_init__(self) -> None:
        headers = {"X-Forwarded-For": self.address} if self.address else {}
        self.client = httpx.Client(base_url=self.base, timeout=30, follow_redirects=False,
                                   headers=headers)

    def open(self, url: str) -> httpx.Response:
        self.path = httpx.URL(url).raw_path.decode()
        self.page = self.client.get(self.path)
        return self.page

    def hidden(self) -> dict[str, str]:
        assert self.page is not None
        return {name: unescape(value) for name, value in _HIDDEN.findall(self.page.text)}

    def tap(self, action: str, choices: tuple[str, ...] = (), origin: bool = True,
            hidden: dict[str, str] | None = None) -> httpx.Response:
        """Press a button of the page on screen (or, with ``hidden``, of an earlier one)."""
        data: dict[str, str | list[str]] = {**(hidden or self.hidden()), "action": action}
        if choices:
            data["a"] = list(choices)
        headers = {"Origin": self.base} if origin else {}
        self.page = self.client.post(self.path, data=data, headers=headers)
        return self.page

    def heading(self) -> str:
        assert self.page is not None
        found = re.search(r"<h1[^>]*>(.*?)</h1>", self.page.text, re.S)
        return unescape(found.group(1)).strip() if found else ""

    def close(self) -> None:
        self.client.close()
