"""Vietnamese means Vietnamese: every page (the province report and the error pages too), the
printed report, the Vietnamese CSV of every table and both XLSX workbooks, rendered in Vietnamese,
show no catalogue key, raw id, English word of the product's own terms or ISO time (issue 15,
item 5). One real hub with ratings (tests/support/site.py's).
"""

from __future__ import annotations

import html as entities
import io
import re

from openpyxl import load_workbook

from hub.i18n import catalogue
from tests.support.site import Site

PAGES = ("/", "/offices/ubnd-a", "/offices/ubnd-a/live", "/offices/ubnd-a/period",
         "/offices/ubnd-a/period?by=week", "/offices/ubnd-a/period?by=month",
         "/offices/ubnd-a/report", "/offices/ubnd-a/channels", "/provinces",
         "/provinces/dak-nong", "/fleet", "/surveys", "/offices/ubnd-x",
         "/provinces/dak-nong/report", "/rejected",
         "/offices/ubnd-a/alerts", "/offices/ubnd-a/alerts/live?state=closed",
         "/offices/ubnd-a/actions")
# Error pages: each with the status it must have, in Vietnamese too.
ERRORS = {"/no-such-page": 404, "/provinces/dak-nong/report?order=speed": 400,
          "/provinces/dak-nong?from=hom-qua": 400, "/offices/ubnd-a/period?by=year": 400}
# The files people open (the Vietnamese CSV of every table, both workbooks).
TABLES = ("summary", "integrity", "perceptions", "reasons", "factors", "items", "channels",
          "stages", "periods", "counters", "officers", "alerts", "needs", "flags")
PROVINCE_TABLES = ("units", "channels", "integrity", "needs")
# The product's own English words and ids (states, channels, question and section ids, roles,
# kinds): none may reach a Vietnamese reader.
ENGLISH = ("kiosk", "kiosks", "online", "offline", "unknown", "open", "closed", "pending",
           "applied", "error", "phone", "paper", "postal", "web", "overall", "access",
           "procedure", "officer", "result", "feedback", "satisfied", "responses", "channel",
           "factor", "none", "true", "false", "admin", "head", "viewer", "hospital", "school",
           "summary", "perceptions", "needs", "reasons", "counters", "officers", "alerts",
           "flags", "items", "periods", "too few", "rating", "ratings", "n/a", "wait",
           "impolite", "ok", "absent")
# The roster's ids that have a name people read (tests/support/site.py's roster).
IDS = ("dak-nong", "ubnd-a")
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\d{2}:\d{2}:\d{2}|T\d{2}:\d{2}")
KEY = re.compile(r"\b[a-z_]+(?:\.[a-z_0-9]+)+\b")


def visible(html: str) -> str:
    """The text a reader sees: no tags, scripts, styles or attributes; the language switch's
    "English" is the one English word meant to be there, and ``<code>`` holds what a person
    must type as it is (a survey file's column names)."""
    html = re.sub(r"<(script|style|code)\b.*?</\1>", " ", html, flags=re.S)
    text = entities.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text.replace("English", ""))


def problems(text: str) -> list[str]:
    found = [f"key {k}" for k in KEY.findall(text) if k in catalogue()]
    found += [f"time {m}" for m in ISO_TIME.findall(text)]
    words = set(re.findall(r"[A-Za-z][A-Za-z/-]*", text))
    lowered = {w.lower() for w in words}
    found += [f"word {w}" for w in ENGLISH if " " not in w and w in lowered]
    found += [f"words {w}" for w in ENGLISH if " " in w and w in text.lower()]
    found += [f"id {i}" for i in IDS if i in text]
    return sorted(set(found))


def test_every_vietnamese_page_and_report_speaks_vietnamese(site: Site) -> None:
    wrong: dict[str, list[str]] = {}
    with site.client("root") as client:
        for path in PAGES:
            reply = client.get(path, params={"lang": "vi"})
            assert reply.status_code == 200, path
            if found := problems(visible(reply.text)):
                wrong[path] = found
        for path, code in ERRORS.items():
            reply = client.get(path + ("&" if "?" in path else "?") + "lang=vi")
            assert reply.status_code == code, path
            if found := problems(visible(reply.text)):
                wrong[path] = found
        for table in TABLES:
            text = client.get("/offices/ubnd-a/report.csv", params={"table": table}).text
            if found := problems(text):
                wrong[f"csv {table}"] = found
        for table in PROVINCE_TABLES:
            text = client.get("/provinces/dak-nong/report.csv", params={"table": table}).text
            if found := problems(text):
                wrong[f"province csv {table}"] = found
        books = {"office": client.get("/offices/ubnd-a/report.xlsx").content,
                 "province": client.get("/provinces/dak-nong/report.xlsx").content}
    with site.client("lan") as head:  # a head on a province path: 403, in Vietnamese
        reply = head.get("/provinces/dak-nong/report", params={"lang": "vi"})
        assert reply.status_code == 403
        if found := problems(visible(reply.text)):
            wrong["403"] = found
    for name, content in books.items():
        for sheet in load_workbook(io.BytesIO(content)).worksheets:
            assert len(sheet.title) <= 31
            cells = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row
                             if isinstance(v, str))
            if found := problems(cells):
                wrong[f"{name} xlsx {sheet.title}"] = found
    assert wrong == {}


def test_the_dashboards_wording() -> None:
    texts = " ".join(entry["vi"] for entry in catalogue().values())
    assert "Bản tin bị từ chối" in texts and "tin nhắn" not in texts.lower()
    assert not re.search(r"\bBạn\b|\bbạn\b", texts)
    assert "ki-ốt" not in texts.lower()  # one name for the kiosk: máy đánh giá
    assert "95 %" not in texts and "KTC" not in texts


def test_sheet_names_fit_without_cutting_a_word() -> None:
    from hub.web.report_files import sheet_name

    titles = {k: v["vi"] for k, v in catalogue().items() if k.endswith(".sheet")}
    assert titles
    for key, title in titles.items():
        assert len(title) <= 31, key
        assert sheet_name(title, set()) == title
    long = "Lý do nhạy cảm trên một trăm lượt đánh giá"
    cut = sheet_name(long, set())
    assert len(cut) <= 31 and long.startswith(cut) and long[len(cut)] == " "
    taken = {cut}
    again = sheet_name(long, taken)
    assert len(again) <= 31 and again.endswith(" 2") and again != cut
