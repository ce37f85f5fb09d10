"""A light dashboard over real HTTP: compressed answers, fonts as WOFF2 subsets, versioned static
files kept a year, and live events that are never compressed (so never held back)."""

from __future__ import annotations

import re

import httpx
from fontTools.ttLib import TTFont

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from hub.web.assets import LONG_LIVED, content_version
from tests.support import PASSWORD, REPO, RawClient, RunningHub, sign_in, wait_until
from tests.support.hubdata import response

STATIC = REPO / "hub" / "web" / "static"
# Every letter of Vietnamese, upper and lower case, and the signs the pages print.
VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
              "–—…“”‘’·")


def test_the_fonts_are_woff2_subsets_with_every_vietnamese_letter() -> None:
    for name in ("NotoSans-Regular", "NotoSans-Bold"):
        path = STATIC / "fonts" / f"{name}.woff2"
        assert path.read_bytes()[:4] == b"wOF2"
        assert path.stat().st_size < 40_000, path  # the TTF is 500 KB
        font = TTFont(str(path))
        letters = font.getBestCmap()
        missing = [c for c in VIETNAMESE + VIETNAMESE.upper() if ord(c) not in letters]
        assert missing == [], (name, missing)
    assert "SIL Open Font License" in (STATIC / "fonts" / "OFL.txt").read_text()


def test_pages_and_json_are_compressed_static_files_are_versioned_events_are_not(
        broker: Broker, hub: RunningHub) -> None:
    Accounts(hub.hub.store.engine).add_user("root", "admin", [], PASSWORD)
    raw = RawClient(broker.url)
    raw.publish(kiosk_topic("ubnd-a", "k01", "response"),
                contract.encode(response(office="ubnd-a")))
    raw.close()
    wait_until(lambda: hub.hub.ingestor.counters.stored == 1, message="the rating stored")
    with httpx.Client(base_url=hub.url, timeout=10) as client:
        sign_in(client, "root", PASSWORD)
        page = client.get("/offices/ubnd-a")
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
        assert page.headers["content-security-policy"]  # still secured once compressed
        api = client.get("/api/v1/offices/ubnd-a/scores")
        assert api.headers["content-encoding"] == "gzip" and api.json()["office"] == "ubnd-a"

        version = content_version(STATIC)
        links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
        assert {f"/static/{version}/dashboard.css", f"/static/{version}/dashboard.js"} <= set(links)
        css = client.get(f"/static/{version}/dashboard.css")
        assert css.headers["cache-control"] == LONG_LIVED.decode()
        assert css.headers["content-encoding"] == "gzip"
        fonts = re.findall(r'url\("([^"]+\.woff2)"\)', css.text)
        assert sorted(fonts) == ["fonts/NotoSans-Bold.woff2", "fonts/NotoSans-Regular.woff2"]
        for font in fonts:  # relative to the style sheet: the same version
            reply = client.get(f"/static/{version}/{font}")
            assert reply.status_code == 200 and reply.headers["content-type"] == "font/woff2"
            assert reply.headers["cache-control"] == LONG_LIVED.decode()
            assert "content-encoding" not in reply.headers  # WOFF2 is compressed already
        for stale in ("/static/dashboard.css", "/static/000000000000/dashboard.css"):
            reply = client.get(stale)  # a page cached before an upgrade still gets its style
            assert reply.status_code == 200 and reply.headers["cache-control"] == "no-cache"
        assert client.get(f"/static/{version}/nothing.css").status_code == 404

        with client.stream("GET", "/api/v1/offices/ubnd-a/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in stream.headers
            assert next(line for line in stream.iter_lines() if line.startswith("data: "))
