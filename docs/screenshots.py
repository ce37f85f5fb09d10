"""Regenerates the pictures in docs/images/ from the real apps: ``make screenshots``.

Each entry of ``SHOTS`` makes one group of pictures: the kiosk's, the dashboard's (through
``tools.dashboard_screenshots.capture``) and the official reports' pages (``capture_documents``).
The kiosk runs for real under SDL's dummy video driver
(no window needed) and is driven by posted pygame events, exactly as a citizen would drive it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

IMAGES = Path(__file__).resolve().parent / "images"
# tools/ (the kiosk driver, the dashboard's screenshots) is not installed: it is found beside docs/.
sys.path.insert(0, str(IMAGES.parent.parent))


def kiosk_app(data_dir: Path, size: tuple[int, int], **kiosk: str):  # type: ignore[no-untyped-def]
    """A real kiosk app with demo settings, its display open, not connected to any broker."""
    from hailong.questionnaire import find_questionnaire
    from hailong.settings import load_settings
    from kiosk.app import KioskApp
    from kiosk.settings import KioskSettings
    from kiosk.speech import Speaker

    env = {"HAILONG_DATA_DIR": str(data_dir), "HAILONG_KIOSK_OFFICE": "ubnd-phuong-1",
           "HAILONG_KIOSK_OFFICE_NAME": "Bộ phận Một cửa UBND phường Bến Thành",
           "HAILONG_KIOSK_COUNTER": "Quầy 3", "HAILONG_KIOSK_OFFICER": "cb-017",
           "HAILONG_KIOSK_OFFICER_NAME": "Nguyễn Thị Lan",
           "HAILONG_KIOSK_COMPLAINT_URL": "https://dichvucong.gov.vn/p/phananhkiennghi",
           "HAILONG_KIOSK_COMPLAINT_HOTLINE": "1900 1234", "HAILONG_KIOSK_MIN_INTERVAL": "0",
           "HAILONG_SCANNER_PORT": str(data_dir / "no-scanner"),
           **{f"HAILONG_KIOSK_{k.upper()}": v for k, v in kiosk.items()}}
    settings = load_settings(KioskSettings, None, env=env)
    app = KioskApp(settings, find_questionnaire("sipas"), size=size,
                   speaker=Speaker("on", binary="espeak-ng"))
    app.open(connect=False)
    return app


def kiosk(out: Path) -> list[Path]:
    from tools.drive import Driver

    written: list[Path] = []

    def save(app, name: str) -> None:  # type: ignore[no-untyped-def]
        import pygame

        path = out / f"{name}.png"
        pygame.image.save(app.screen, str(path))
        written.append(path)

    with tempfile.TemporaryDirectory() as tmp:
        app = kiosk_app(Path(tmp), (1024, 600))
        try:
            drive = Driver(app)
            drive.start()
            save(app, "kiosk-idle")
            drive.key("enter")
            save(app, "kiosk")  # the README picture: the overall question
            drive.keys("2")
            drive.keys("18")
            save(app, "kiosk-reasons")
            drive.keys("\n" "4" "3")  # the five factors on one screen, by keypad
            save(app, "kiosk-factors")
            drive.keys("5" "0" "4")
            save(app, "kiosk-integrity")  # the integrity questions, asked of everyone
            drive.keys("2" "2")
            drive.keys("17")
            save(app, "kiosk-needs")  # needs and visits together
            drive.keys("\n" "2")
            save(app, "kiosk-thanks")
        finally:
            app.close()
    with tempfile.TemporaryDirectory() as tmp:
        app = kiosk_app(Path(tmp), (1024, 600))
        try:
            from kiosk import flow
            from kiosk.receipt import Receipt

            drive = Driver(app)
            drive.start()
            app.dispatch(flow.Scan("receipt", Receipt("c" * 64, "H21.65", "2026-11-23"),
                                   now=drive.now))
            drive.keys("4")
            save(app, "kiosk-stage")  # after a scan at a kiosk of stage "any"
        finally:
            app.close()
    with tempfile.TemporaryDirectory() as tmp:
        app = kiosk_app(Path(tmp), (1080, 1920), language="en")
        try:
            drive = Driver(app)
            drive.start()
            drive.key("enter")
            save(app, "kiosk-portrait")
        finally:
            app.close()
    return written


def dashboard(out: Path) -> list[Path]:
    """The README's dashboard picture: the office page at 1366x768, from a real hub and
    simulated kiosks (tools/dashboard_screenshots.py; every page's screenshots go to a temp folder)."""
    from tools.dashboard_screenshots import capture

    readme = out / "dashboard.png"
    with tempfile.TemporaryDirectory(prefix="hailong-pages-") as tmp:
        shots = capture(Path(tmp), readme=readme)
    problems = [s for s in shots if s.overflow > 0 or s.foreign]
    if problems:
        raise SystemExit(f"pages too wide or fetching elsewhere: {problems}")
    return [readme]


def documents(out: Path) -> list[Path]:
    """The official reports (office and province, the seeded month): the DOCX's pages as
    LibreOffice draws them, and the office's PDF as the hub draws it, in PNG."""
    from tools.dashboard_screenshots import capture_documents

    return capture_documents(out)


SHOTS: dict[str, Callable[[Path], list[Path]]] = {"kiosk": kiosk, "dashboard": dashboard,
                                                  "documents": documents}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[[], *SHOTS], default=[],
                        help="which pictures (default: all)")
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder (default docs/images)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.groups or list(SHOTS):
        for path in SHOTS[name](args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
