"""``hailong provision …``: kiosk credentials and bundles, revocation, the hub's credentials, a pilot CA.

Runs on the broker/hub server as root (it edits the broker's password file). It prints where
the secrets went, never the secrets themselves.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hailong.cli import add_common


def _id(text: str) -> str:
    from hailong.settings import ID_EXPECTED, check_id

    try:
        return check_id(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {ID_EXPECTED}, got {text!r}") from None


def _settings(args: argparse.Namespace) -> Any:
    from hailong.provision import load_provision_settings
    from hailong.settings import render_settings

    settings = load_provision_settings(args.config)
    if args.check_config:
        print(render_settings(settings))
    return settings.provision


Work = Callable[[argparse.Namespace, Any], None]


def _command(work: Work, with_settings: bool = True) -> Callable[[argparse.Namespace], int]:
    """A handler: settings (and --check-config) first, then ``work``; its mistakes in one line."""

    def handler(args: argparse.Namespace) -> int:
        from hailong.provision import ProvisionError

        settings = _settings(args) if with_settings else None
        if with_settings and args.check_config:
            return 0
        try:
            work(args, settings)
        except ProvisionError as exc:
            print(f"hailong provision: {exc}", file=sys.stderr)
            return 1
        return 0

    return handler


def kiosk(args: argparse.Namespace, settings: Any) -> None:
    from hailong.provision import provision_kiosk

    bundle = provision_kiosk(settings, args.office, args.kiosk, args.counter, args.scanner)
    if bundle.key_created:
        print(f"created the deployment's receipt key in {settings.receipt_key_file}: every kiosk "
              "gets this same key; back it up and keep it off the hub server")
    verb = "new credentials for" if bundle.replaced else "provisioned"
    print(f"{verb} kiosk {bundle.username} (counter {args.counter!r})")
    print(f"bundle (holds its password and the receipt key; copy it to the device, then delete "
          f"it here): {bundle.folder}")


def revoke(args: argparse.Namespace, settings: Any) -> None:
    from hailong.provision import ProvisionError, revoke_kiosk

    revoked = revoke_kiosk(settings, args.kiosk, args.office)
    if not revoked.usernames and not revoked.roster_entries:
        raise ProvisionError(f"no kiosk {args.kiosk!r} in {settings.password_file} or the roster")
    for user in revoked.usernames:
        print(f"revoked {user}: the broker refuses it from now on")
    if revoked.roster_entries:
        entries = "entry" if revoked.roster_entries == 1 else "entries"
        print(f"removed {revoked.roster_entries} roster {entries} (its ratings stay in the hub's "
              "database)")
    for folder in revoked.bundles:
        print(f"deleted its bundle {folder}")


def hub(args: argparse.Namespace, settings: Any) -> None:
    from hailong.provision import provision_hub

    fresh = provision_hub(settings, args.env_file, args.name)
    print(f"{'created' if fresh else 'new password for'} broker user {args.name}; credentials in "
          f"{args.env_file} (0600; the hub's systemd unit reads it)")


def ca(args: argparse.Namespace, _no_settings: Any) -> None:
    from hailong.pilotca import make_pilot_ca

    made = make_pilot_ca(args.out, args.host, force=args.force)
    print(f"{'created a pilot CA' if made.ca_created else 'used the existing CA'} in {made.folder}")
    print(f"CA certificate (goes to every kiosk): {made.ca_cert}")
    print(f"server certificate for {', '.join(args.host)}: {made.server_cert}")
    print(f"server key (0640, group mosquitto when it exists): {made.server_key}")
    if made.ca_created:
        print(f"CA key: {made.folder / 'ca.key'} (0600): move it off the server once the pilot "
              "is set up")


def register(apps: Any) -> None:
    provision = apps.add_parser(
        "provision", help="kiosk credentials and bundles, a pilot CA",
        description="Without --config, the settings come from /etc/hailong/provision.toml when it "
        "exists (see docs/deploy.md), then HAILONG_PROVISION_* variables.")
    commands = provision.add_subparsers(dest="command", required=True)

    parser = commands.add_parser("kiosk", help="credentials, roster entry and device bundle for "
                                 "a kiosk (again: new credentials)")
    add_common(parser)
    parser.set_defaults(handler=_command(kiosk))
    parser.add_argument("--office", required=True, type=_id, help="office id")
    parser.add_argument("--kiosk", required=True, type=_id,
                        help="kiosk id, unique within the office")
    parser.add_argument("--counter", required=True, help="label of the counter it stands beside")
    parser.add_argument("--scanner", default="", metavar="DEVICE",
                        help="serial scanner device on the kiosk, e.g. /dev/hailong-scanner "
                        "(the udev name deploy/kiosk/install.sh sets up)")

    parser = commands.add_parser("revoke", help="take a kiosk's access away")
    add_common(parser)
    parser.set_defaults(handler=_command(revoke))
    parser.add_argument("--kiosk", required=True, type=_id, help="kiosk id")
    parser.add_argument("--office", type=_id,
                        help="office id (needed when several offices have that kiosk id)")

    parser = commands.add_parser("hub", help="the hub's broker credentials, as an environment file")
    add_common(parser)
    parser.set_defaults(handler=_command(hub))
    parser.add_argument("--name", default="hailong-hub", help="broker user (default hailong-hub, "
                        "the user of deploy/mosquitto/acl)")
    parser.add_argument("--env-file", type=Path, default=Path("/etc/hailong/hub-mqtt.env"),
                        help="where to write it (default /etc/hailong/hub-mqtt.env)")

    parser = commands.add_parser("ca", help="a test CA and broker certificate for a pilot")
    parser.set_defaults(handler=_command(ca, with_settings=False))
    parser.add_argument("--out", type=Path, default=Path("/etc/mosquitto/hailong"),
                        help="folder for ca.crt, ca.key, server.crt, server.key "
                        "(default /etc/mosquitto/hailong)")
    parser.add_argument("--host", action="append", default=[], required=True,
                        help="the broker's DNS name or IP address as kiosks write it; repeatable")
    parser.add_argument("--force", action="store_true", help="replace an existing server key")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
