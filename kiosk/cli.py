"""``hailong kiosk …`` subcommands: run the kiosk, or simulated kiosks for the demo."""

from __future__ import annotations

import argparse
from typing import Any

from hailong.cli import add_common


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT such as 1024x600, got {text!r}") from None
    if width < 320 or height < 240:
        raise argparse.ArgumentTypeError("the window must be at least 320x240")
    return width, height


def run(args: argparse.Namespace) -> int:
    from hailong.questionnaire import find_questionnaire
    from hailong.settings import load_settings, render_settings
    from kiosk.settings import KioskSettings

    settings = load_settings(KioskSettings, args.config)
    questionnaire = find_questionnaire(settings.kiosk.questionnaire_name())
    if args.check_config:
        print(render_settings(settings))
        print(f"# questionnaire {questionnaire.ref}: {len(questionnaire.enabled_questions)} "
              "questions")
        return 0
    import os
    import sys

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    # pygame's pkgdata imports setuptools' pkg_resources (60-150 ms, a fifth of a start) only
    # to find data files of its own, which it finds without it; nothing else in the kiosk's
    # process uses it. A None entry makes that import fail at once, and pygame carries on.
    sys.modules.setdefault("pkg_resources", None)  # type: ignore[arg-type]
    from kiosk.app import KioskApp

    KioskApp(settings, questionnaire, size=args.windowed).run()
    return 0


def hash_pin(args: argparse.Namespace) -> int:
    """Print the argon2 hash of a service PIN, for ``[kiosk] service_pin_hash``."""
    import getpass
    import sys

    from argon2 import PasswordHasher

    from hailong.settings import SettingsError

    pin = args.pin
    if pin is None:
        if sys.stdin.isatty():
            pin = getpass.getpass("Service PIN (digits): ")
            if getpass.getpass("Again: ") != pin:
                raise SettingsError("the two PINs differ")
        else:
            pin = sys.stdin.readline().strip()
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise SettingsError("a service PIN is 4 to 12 digits (the kiosk's keypad has only digits)")
    if len(pin) < 6:  # docs/kiosk.md: 5 guesses a day find 4 digits in years, 6 in centuries
        print("note: a PIN of 6 digits or more is recommended", file=sys.stderr)
    print(PasswordHasher().hash(pin))
    return 0


def simulate(args: argparse.Namespace) -> int:
    import signal
    import threading

    from hailong.questionnaire import find_questionnaire
    from hailong.settings import load_settings, render_settings
    from kiosk.settings import KioskSettings
    from kiosk.simulate import run_simulated_kiosks

    settings = load_settings(KioskSettings, args.config)
    questionnaire = find_questionnaire(settings.kiosk.questionnaire_name())
    if args.check_config:
        print(render_settings(settings))
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_simulated_kiosks(settings, questionnaire, args.kiosks, args.interval, stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def register(apps: Any) -> None:
    kiosk = apps.add_parser("kiosk", help="the citizen's rating kiosk")
    commands = kiosk.add_subparsers(dest="command", required=True)
    parser = commands.add_parser("run", help="run the kiosk (full screen unless --windowed)")
    add_common(parser)
    parser.add_argument("--windowed", type=_size, metavar="WxH",
                        help="run in a window of this size, e.g. 1024x600 (development)")
    parser.set_defaults(handler=run)
    parser = commands.add_parser(
        "hash-pin", help="hash a service-screen PIN for [kiosk] service_pin_hash (argon2)")
    parser.add_argument("pin", nargs="?",
                        help="the PIN (default: asked for, or read from standard input)")
    parser.set_defaults(handler=hash_pin)
    parser = commands.add_parser("simulate", help="simulated kiosks with pretend citizens")
    add_common(parser)
    parser.add_argument("--kiosks", type=int, default=3, help="how many kiosks (default 3)")
    parser.add_argument("--interval", type=float, default=4.0,
                        help="mean seconds between two ratings, all kiosks together (default 4)")
    parser.set_defaults(handler=simulate)
