"""The ``hailong`` command: ``kiosk run``, ``hub run``, ``demo`` and their helpers.

Each subcommand imports its app only when called, so a kiosk installed with ``.[kiosk]`` never
needs the hub's packages and the other way round. A configuration mistake ends with one line
on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hailong import __version__
from hailong.settings import SettingsError

EXIT_CONFIG = 2


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Migrations and the web server narrate every step at INFO; their warnings still show.
    for noisy in ("alembic", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT such as 1024x600, got {text!r}") from None
    if width < 320 or height < 240:
        raise argparse.ArgumentTypeError("the window must be at least 320x240")
    return width, height


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="TOML settings file (default: built-in defaults)")
    parser.add_argument("--check-config", action="store_true",
                        help="validate the settings, print them (secrets masked) and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


# -- kiosk ------------------------------------------------------------------------------------
def kiosk_run(args: argparse.Namespace) -> int:
    from hailong.questionnaire import find_questionnaire
    from hailong.settings import load_settings, render_settings
    from kiosk.settings import KioskSettings

    settings = load_settings(KioskSettings, args.config)
    questionnaire = find_questionnaire(settings.kiosk.questionnaire)
    if args.check_config:
        print(render_settings(settings))
        print(f"# questionnaire {questionnaire.ref}: {len(questionnaire.enabled_questions)} "
              "questions")
        return 0
    from kiosk.app import KioskApp

    KioskApp(settings, questionnaire, size=args.windowed).run()
    return 0


def kiosk_simulate(args: argparse.Namespace) -> int:
    import signal
    import threading

    from hailong.questionnaire import find_questionnaire
    from hailong.settings import load_settings, render_settings
    from kiosk.settings import KioskSettings
    from kiosk.simulate import run_simulated_kiosks

    settings = load_settings(KioskSettings, args.config)
    questionnaire = find_questionnaire(settings.kiosk.questionnaire)
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


# -- hub --------------------------------------------------------------------------------------
def _hub_settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from hailong.settings import load_settings
    from hub.settings import HubSettings

    return load_settings(HubSettings, args.config)


def hub_run(args: argparse.Namespace) -> int:
    from hailong.settings import render_settings
    from hub.roster import load_roster

    settings = _hub_settings(args)
    roster = load_roster(settings.hub.roster)
    if args.check_config:
        print(render_settings(settings))
        print(f"# roster: {len(roster.offices)} offices, {len(roster.kiosks)} kiosks")
        return 0
    from hub.app import Hub
    from hub.store import SchemaOutOfDate

    try:
        hub = Hub(settings, roster)
    except SchemaOutOfDate as exc:
        raise SettingsError(str(exc)) from None
    hub.serve()
    return 0


def hub_db_upgrade(args: argparse.Namespace) -> int:
    from hub.store import Store

    settings = _hub_settings(args)
    store = Store(settings.database_url())
    store.upgrade()
    print(f"database at revision {store.current_revision()}")
    store.close()
    return 0


# -- demo -------------------------------------------------------------------------------------
def demo(args: argparse.Namespace) -> int:
    from hailong.demo import run_demo

    return run_demo(args.config, check_only=args.check_config, kiosks=args.kiosks,
                    window=args.window)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hailong", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"hailong {__version__}")
    apps = parser.add_subparsers(dest="app", required=True, metavar="{kiosk,hub,demo}")

    kiosk = apps.add_parser("kiosk", help="the citizen's rating kiosk")
    kiosk_cmds = kiosk.add_subparsers(dest="command", required=True)
    run = kiosk_cmds.add_parser("run", help="run the kiosk (full screen unless --windowed)")
    _common(run)
    run.add_argument("--windowed", type=_size, metavar="WxH",
                     help="run in a window of this size, e.g. 1024x600 (development)")
    run.set_defaults(handler=kiosk_run)
    sim = kiosk_cmds.add_parser("simulate", help="simulated kiosks with pretend citizens")
    _common(sim)
    sim.add_argument("--kiosks", type=int, default=3, help="how many kiosks (default 3)")
    sim.add_argument("--interval", type=float, default=4.0,
                     help="mean seconds between two ratings, all kiosks together (default 4)")
    sim.set_defaults(handler=kiosk_simulate)

    hub = apps.add_parser("hub", help="the hub: ingest, scores, dashboard")
    hub_cmds = hub.add_subparsers(dest="command", required=True)
    run = hub_cmds.add_parser("run", help="run the hub (MQTT ingest and web server)")
    _common(run)
    run.set_defaults(handler=hub_run)
    db = hub_cmds.add_parser("db", help="database maintenance")
    db_cmds = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_cmds.add_parser("upgrade", help="create or migrate the schema to this version")
    _common(upgrade)
    upgrade.set_defaults(handler=hub_db_upgrade)

    run = apps.add_parser("demo", help="the whole system on this machine: broker, hub, kiosk(s)")
    _common(run)
    run.add_argument("--kiosks", type=int, default=3,
                     help="simulated kiosks when there is no display (default 3)")
    run.add_argument("--window", choices=("auto", "always", "never"), default="auto",
                     help="open a kiosk window: when a display exists (auto), always, or never")
    run.set_defaults(handler=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(getattr(args, "verbose", False))
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SettingsError as exc:
        print(f"hailong: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
