"""The ``hailong`` command: ``kiosk …``, ``hub …``, ``demo``.

Each app adds its own subcommands (``kiosk/cli.py``, ``hub/cli.py`` …) and imports its heavy
parts only when a command runs, so a kiosk installed with ``.[kiosk]`` never needs the hub's
packages and the other way round. A configuration mistake ends with one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hailong import __version__
from hailong.settings import SettingsError

EXIT_CONFIG = 2
# Modules that add subcommands, by the app each adds: each has ``register(subparsers)``.
COMMAND_MODULES = {"kiosk": "kiosk.cli", "hub": "hub.cli", "demo": "hailong.demo_cli",
                   "provision": "hailong.provision_cli"}


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from hailong.logsafe import EscapingFilter  # kiosk labels, typed names: one line each

    for handler in logging.getLogger().handlers:
        handler.addFilter(EscapingFilter())
    # Migrations and the web server narrate every step at INFO; their warnings still show.
    for noisy in ("alembic", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


def add_common(parser: argparse.ArgumentParser) -> None:
    """``--config``, ``--check-config`` and ``-v``: every command that reads settings has them."""
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="TOML settings file (default: built-in defaults)")
    parser.add_argument("--check-config", action="store_true",
                        help="validate the settings, print them (secrets masked) and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def build_parser(app: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``app`` alone when it is one (a kiosk starting does not import the hub's
    settings models: 20-60 ms of its start), else of every app (``hailong --help``)."""
    parser = argparse.ArgumentParser(
        prog="hailong", description="Citizen feedback kiosks and the hub that scores them.")
    parser.add_argument("--version", action="version", version=f"hailong {__version__}")
    apps = parser.add_subparsers(dest="app", required=True)
    for name in [COMMAND_MODULES[app]] if app in COMMAND_MODULES else COMMAND_MODULES.values():
        importlib.import_module(name).register(apps)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    setup_logging(getattr(args, "verbose", False))
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
