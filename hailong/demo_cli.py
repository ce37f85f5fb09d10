"""``hailong demo``: the whole system on this machine (see hailong/demo.py)."""

from __future__ import annotations

import argparse
from typing import Any

from hailong.cli import add_common


def demo(args: argparse.Namespace) -> int:
    from hailong.demo import run_demo

    return run_demo(args.config, check_only=args.check_config, kiosks=args.kiosks,
                    window=args.window)


def register(apps: Any) -> None:
    parser = apps.add_parser("demo", help="the whole system on this machine: broker, hub, kiosk(s)")
    add_common(parser)
    parser.add_argument("--kiosks", type=int, default=3,
                        help="simulated kiosks when there is no display (default 3)")
    parser.add_argument("--window", choices=("auto", "always", "never"), default="auto",
                        help="open a kiosk window: when a display exists (auto), always, or never")
    parser.set_defaults(handler=demo)
