"""Screenshots of every dashboard page at 1366x768 and at phone size, and the README's picture.

``python -m tools.dashboard_screenshots OUT_DIR [--readme FILE]`` runs a private broker, a real hub and
three simulated kiosks (the kiosk's real outbox and MQTT delivery) that fill 30 days of
ratings, signs in with headless Chromium and photographs each page. ``capture`` is the function
the repository's screenshot script calls for the dashboard's picture.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hailong.broker import Broker, free_port, wait_for_port
from hailong.settings import load_settings
from tools.browser import DESKTOP, PHONE, launch_chromium, page_problems

OFFICE = "ubnd-phuong-1"
OFFICE_NAME = "Bộ phận Một cửa UBND phường 1"
PROVINCE = "lam-dong"
PROVINCE_NAME = "Lâm Đồng"
ADMIN = "admin"
KIOSKS = 3
HUB_START = 30.0


# Who issues the official reports in the pictures (a province's Department of Home Affairs).
REPORT = ('[report]\nbody = "Sở Nội vụ"\nsuperior = "UBND tỉnh Lâm Đồng"\nsymbol = "SNV"\n'
          'place = "Lâm Đồng"\nsigner_title = "KT. Giám đốc / Phó Giám đốc"\n')


def write_configs(home: Path, broker_url: str, port: int) -> Path:
    roster = home / "roster.toml"
    roster.write_text(f'[provinces]\n{PROVINCE} = "{PROVINCE_NAME}"\n\n'
                      f'[[offices]]\nid = "{OFFICE}"\nname = "{OFFICE_NAME}"\n'
                      f'province = "{PROVINCE}"\n', encoding="utf-8")
    hub_toml = home / "hub.toml"
    hub_toml.write_text(
        f'[hub]\nroster = "{roster}"\nclient_id = "hailong-hub-screenshots"\n\n'
        f'[http]\nhost = "127.0.0.1"\nport = {port}\n\n[mqtt]\nurl = "{broker_url}"\n\n'
        f'[data]\ndir = "{home}"\n\n{REPORT}', encoding="utf-8")
    return hub_toml


def create_admin(hub_toml: Path) -> str:
    from hub.admin.accounts import Accounts
    from hub.settings import HubSettings
    from hub.store import Store

    store = Store(load_settings(HubSettings, hub_toml, env={}).database_url())
    try:
        store.upgrade()
        password = secrets.token_urlsafe(12)
        Accounts(store.engine).add_user(ADMIN, "admin", (), password)
        return password
    finally:
        store.close()


@contextmanager
def seeded_kiosks(broker_url: str, home: Path, days: int, per_day: tuple[int, int],
                  seed: int = 7) -> Iterator[tuple[int, list[Any]]]:
    """Rate through three simulated kiosks over the last ``days`` days; yields how many were
    sent and the kiosks' services, still online (the pages show them so) until the block
    ends."""
    from hailong.questionnaire import find_questionnaire
    from kiosk.recorder import ResponseDesk
    from kiosk.settings import KioskSettings
    from kiosk.simulate import PROFILES, pretend_citizen, simulated_settings

    base = load_settings(KioskSettings, None, env={
        "HAILONG_KIOSK_OFFICE": OFFICE, "HAILONG_MQTT_URL": broker_url,
        "HAILONG_DATA_DIR": str(home / "kiosks")})
    questionnaire = find_questionnaire("sipas")
    services = [ResponseDesk(simulated_settings(base, i), questionnaire.ref) for i in range(KIOSKS)]
    for service in services:
        service.start()
    rng = random.Random(seed)
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    now = datetime.now(zone)
    sent = 0
    try:
        for back in range(days - 1, -1, -1):
            opening = (now - timedelta(days=back)).replace(hour=7, minute=30, second=0)
            for _ in range(rng.randint(*per_day)):
                moment = min(opening + timedelta(minutes=rng.uniform(0, 540)),
                             now - timedelta(seconds=rng.uniform(5, 600)))
                index = rng.randrange(KIOSKS)
                services[index].submit(pretend_citizen(questionnaire, rng, PROFILES[index], moment))
                sent += 1
        deadline = time.monotonic() + 60
        while any(s.outbox.stats().depth for s in services) and time.monotonic() < deadline:
            time.sleep(0.1)
        for service in services:
            service.delivery.nudge()  # a fresh status: nothing left in the outbox
        reject_one(services[0])
        yield sent, services
    finally:
        for service in services:
            service.stop()


def reject_one(service: Any) -> None:
    """One malformed response through a kiosk's own MQTT client, so that the page of refused
    messages has something to show."""
    from hailong.topics import kiosk_topic

    section = service.settings.kiosk
    service.publisher.publish(kiosk_topic(section.office, section.id, "response"),
                              b'{"v": 1, "seq": "x"}')


@contextmanager
def running_hub(home: Path) -> Iterator[tuple[str, str, Broker]]:
    """A private broker and a real hub process; yields the hub's URL and the admin password."""
    broker = Broker(home / "broker").start()
    port = free_port()
    hub_toml = write_configs(home, broker.url, port)
    password = create_admin(hub_toml)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    process = subprocess.Popen([sys.executable, "-m", "hailong", "hub", "run", "--config",
                                str(hub_toml)], env=env)
    try:
        if not wait_for_port("127.0.0.1", port, HUB_START):
            raise RuntimeError("the hub did not start")
        yield f"http://127.0.0.1:{port}", password, broker
    finally:
        process.terminate()
        process.wait(15)
        broker.stop()


@contextmanager
def signed_in(url: str, password: str) -> Iterator[Any]:
    """An HTTP client signed in as the admin."""
    import httpx

    from hub.web.access import CSRF_FIELD

    with httpx.Client(base_url=url, timeout=120) as client:
        form = client.get("/signin").text
        token = form.split(f'name="{CSRF_FIELD}" value="', 1)[1].split('"', 1)[0]
        client.post("/signin", data={CSRF_FIELD: token, "name": ADMIN, "password": password})
        yield client


def wait_for_responses(url: str, password: str, expected: int, days: int) -> None:
    """Until the hub has stored every seeded rating (checked through the API, signed in)."""
    with signed_in(url, password) as client:
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        query = f"from={today - timedelta(days=days - 1)}&to={today}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            reply = client.get(f"/api/v1/offices/{OFFICE}/scores?{query}")
            if reply.status_code == 200 and reply.json()["responses"] >= expected:
                return
            time.sleep(0.2)
    raise RuntimeError(f"the hub did not store the {expected} seeded ratings in time")


PAGES = (("signin", "/signin", False), ("home", "/", True), ("office", f"/offices/{OFFICE}", True),
         ("office-en", f"/offices/{OFFICE}?lang=en", True),
         ("period", f"/offices/{OFFICE}/period?by=week", True),
         ("report", f"/offices/{OFFICE}/report", True),
         ("channels", f"/offices/{OFFICE}/channels", True),
         ("alerts", f"/offices/{OFFICE}/alerts", True), ("provinces", "/provinces", True),
         ("province", f"/provinces/{PROVINCE}", True),
         ("province-report", f"/provinces/{PROVINCE}/report", True), ("fleet", "/fleet", True),
         ("rejected", "/rejected", True), ("surveys", "/surveys", True))


@dataclass(frozen=True)
class Shot:
    """One screenshot, with what the page did wrong if anything."""

    page: str
    size: str
    path: Path
    overflow: int  # pixels the page is wider than the screen (0: fits)
    foreign: tuple[str, ...]  # requests that went anywhere but the hub
    problems: tuple[str, ...] = ()  # tools.browser.page_problems (with audit=True)


@contextmanager
def chromium_browser(given: Any = None) -> Iterator[Any]:
    """The browser given (e.g. the tests' one), or a headless Chromium of our own."""
    if given is not None:
        yield given
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


def photograph(url: str, password: str, out_dir: Path, readme: Path | None,
               browser: Any = None, audit: bool = False) -> list[Shot]:
    shots: list[Shot] = []
    with chromium_browser(browser) as chromium:
        for size_name, viewport, scale in (("desktop", DESKTOP, 1), ("phone", PHONE, 2)):
            context = chromium.new_context(viewport=viewport, device_scale_factor=scale)
            page = context.new_page()
            requested: list[str] = []
            page.on("request", lambda request, seen=requested: seen.append(request.url))
            for name, path, signed_in in PAGES:
                if signed_in and "/signin" in page.url:
                    sign_in_page(page, password)
                requested.clear()
                page.goto(url + path)
                page.evaluate("document.fonts.ready")
                target = out_dir / f"{name}-{size_name}.png"
                page.screenshot(path=str(target), full_page=True)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth")
                foreign = tuple(u for u in requested
                                if not u.startswith((url + "/", "data:")))
                problems = tuple(page_problems(page, size_name == "phone")) if audit else ()
                shots.append(Shot(name, size_name, target, int(overflow), foreign, problems))
                if name == "signin":
                    sign_in_page(page, password)
                if readme is not None and name == "office" and size_name == "desktop":
                    readme.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(readme))
                    shots.append(Shot("readme", size_name, readme, int(overflow), foreign))
            context.close()
    return shots


def sign_in_page(page: Any, password: str) -> None:
    page.fill("#name", ADMIN)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#signin-form button[type=submit]")


def capture(out_dir: Path, readme: Path | None = None, days: int = 30,
            per_day: tuple[int, int] = (25, 60), browser: Any = None,
            audit: bool = False) -> list[Shot]:
    """Screenshots of every page at 1366x768 and at phone size into ``out_dir``; with
    ``readme``, also the README's picture of the office page (1366x768, first screen); with
    ``audit``, each page's problems (axe-core, overflow, sideways scrolling, ISO times)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hailong-shots-") as scratch:
        home = Path(scratch)
        with running_hub(home) as (url, password, broker), \
                seeded_kiosks(broker.url, home, days, per_day) as (sent, _):
            wait_for_responses(url, password, sent, days)
            time.sleep(1.5)  # the kiosks' statuses after the last acks
            return photograph(url, password, out_dir, readme, browser, audit)


# The official reports pictured in docs/images (docs/dashboard.md): the office's and the
# province's over the seeded 30 days, the DOCX as LibreOffice draws it (what an office opens
# and finishes) and the office's PDF as the hub draws it; each page one PNG.
DOCUMENTS = (("report-office", f"/offices/{OFFICE}/report"),
             ("report-province", f"/provinces/{PROVINCE}/report"))
# Pixels per PDF point of the pictures: 1.5 is 108 dpi, an A4 page 893 px wide, readable on
# a screen without making the repository heavy.
PAGE_SCALE = 1.5
# LibreOffice's conversion of one DOCX, seconds (a cold start takes a few).
SOFFICE_TIMEOUT = 120


def pdf_pages(pdf: bytes, prefix: Path) -> list[Path]:
    """Each page of ``pdf`` as ``{prefix}-{n}.png`` (PDFium, as a PDF reader draws it), the
    pictures of an earlier run with that prefix removed."""
    import pypdfium2

    for old in prefix.parent.glob(f"{prefix.name}-[0-9]*.png"):
        old.unlink()
    document = pypdfium2.PdfDocument(pdf)
    written = []
    try:
        for number in range(len(document)):
            path = prefix.with_name(f"{prefix.name}-{number + 1}.png")
            document[number].render(scale=PAGE_SCALE).to_pil().save(path, optimize=True)
            written.append(path)
    finally:
        document.close()
    return written


def docx_as_pdf(docx: bytes, scratch: Path) -> bytes:
    """The DOCX as LibreOffice (headless, a private profile) prints it to PDF."""
    import shutil

    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("the DOCX pictures need LibreOffice Writer: "
                         "deploy/dev/system-packages.sh screenshots")
    source = scratch / "report.docx"
    source.write_bytes(docx)
    subprocess.run([soffice, f"-env:UserInstallation={(scratch / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(scratch), str(source)],
                   check=True, capture_output=True, timeout=SOFFICE_TIMEOUT)
    return (scratch / "report.pdf").read_bytes()


def capture_documents(out_dir: Path, days: int = 30, per_day: tuple[int, int] = (25, 60)
                      ) -> list[Path]:
    """The official reports of the seeded ``days``, page by page as PNG into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    query = f"?from={today - timedelta(days=days - 1)}&to={today}"
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="hailong-shots-") as scratch:
        home = Path(scratch)
        with running_hub(home) as (url, password, broker), \
                seeded_kiosks(broker.url, home, days, per_day) as (sent, _):
            wait_for_responses(url, password, sent, days)
            with signed_in(url, password) as client:
                for name, path in DOCUMENTS:
                    docx = client.get(f"{path}.docx{query}")
                    docx.raise_for_status()
                    written += pdf_pages(docx_as_pdf(docx.content, home), out_dir / name)
                pdf = client.get(f"{DOCUMENTS[0][1]}.pdf{query}")
                pdf.raise_for_status()
                written += pdf_pages(pdf.content, out_dir / f"{DOCUMENTS[0][0]}-pdf")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder for the PNG files")
    parser.add_argument("--readme", type=Path, help="also write the README's dashboard picture here")
    args = parser.parse_args(argv)
    problems = 0
    for shot in capture(args.out_dir, args.readme, audit=True):
        print(shot.path)
        if shot.overflow > 0 or shot.foreign or shot.problems:
            problems += 1
            print(f"  {shot.page} at {shot.size}: {shot.overflow} px too wide; requests elsewhere: "
                  f"{', '.join(shot.foreign) or 'none'}", *shot.problems, sep="\n  ",
                  file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
