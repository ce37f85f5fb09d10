"""``hailong hub roster …`` and ``hailong hub dossiers import``: edit the registry from a shell.

Roster edits go through ``hub/roster.py`` (comments and layout of the TOML file are kept, and a
roster the hub could not read is never written); the running hub picks them up at its next
start. Dossier counts go to the database through the store.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hailong.cli import add_common
from hailong.settings import SettingsError


def _roster_path(args: argparse.Namespace) -> Path:
    if args.roster:
        return Path(args.roster)
    from hub.settings import settings_from

    configured = settings_from(args).hub.roster
    if not configured:
        raise SettingsError("no roster file: pass --roster FILE or set [hub] roster")
    return Path(configured)


def show(args: argparse.Namespace) -> int:
    from hub.roster import load_roster

    path = _roster_path(args)
    roster = load_roster(path if path.exists() else None)
    print(f"# {path}")
    for office in roster.offices:
        extra = " gating" if office.gating else ""
        print(f"office  {office.id}  {office.name!r} province={office.province or '-'} "
              f"timezone={office.timezone or '(default)'} kind={office.kind}{extra}")
        for counter in (c for c in roster.counters if c.office == office.id):
            print(f"  counter {counter.label!r} {counter.name!r}")
        for officer in (o for o in roster.officers if o.office == office.id):
            print(f"  officer {officer.code} {officer.name!r}")
        for kiosk in (k for k in roster.kiosks if k.office == office.id):
            print(f"  kiosk   {kiosk.id} counter={kiosk.counter!r}")
    listed = {o.id for o in roster.offices}
    for kind, entries in (("counter", roster.counters), ("officer", roster.officers),
                          ("kiosk", roster.kiosks)):
        for entry in entries:
            if entry.office not in listed:
                print(f"{kind} of unlisted office {entry.office}: {entry}")
    return 0


def _set(args: argparse.Namespace, table: str, values: dict[str, Any]) -> int:
    from hub.roster import set_entry

    path = _roster_path(args)
    added = set_entry(path, table, {k: v for k, v in values.items() if v is not None})
    print(f"{'added' if added else 'updated'} {table[:-1]} in {path}")
    return 0


def _remove(args: argparse.Namespace, table: str, key: dict[str, str]) -> int:
    from hub.roster import remove_entries

    path = _roster_path(args)
    removed = remove_entries(path, table, key)
    if table == "offices" and removed:
        for dependent in ("counters", "officers", "kiosks"):
            removed += remove_entries(path, dependent, {"office": key["id"]})
    if not removed:
        print(f"nothing matched in {path}")
        return 1
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {path}")
    return 0


def dossiers_import(args: argparse.Namespace) -> int:
    from hub.admin.dossiers import DossierError, parse_dossier_csv
    from hub.settings import settings_from
    from hub.store import Store

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SettingsError(f"{args.file}: cannot read the file ({exc.strerror})") from None
    try:
        rows = parse_dossier_csv(text, default_office=args.office)
    except DossierError as exc:
        raise SettingsError(f"{args.file}: {exc}") from None
    store = Store(settings_from(args).database_url())
    try:
        store.check_schema()
        stored = store.set_dossier_counts(rows)
    finally:
        store.close()
    offices = sorted({office for office, _, _ in rows})
    print(f"stored {stored} daily dossier counts for {', '.join(offices)}")
    return 0


def _parser(commands: Any, name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    add_common(parser)
    parser.set_defaults(handler=handler)
    return parser


def register(commands: Any) -> None:
    """Add ``roster`` and ``dossiers`` under ``hailong hub``."""
    roster = commands.add_parser("roster", help="show or edit the roster (offices, counters, "
                                 "officers, kiosks)")
    edits = roster.add_subparsers(dest="roster_command", required=True)

    def entry(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser = _parser(edits, name, help_text, handler)
        parser.add_argument("--roster", metavar="FILE", help="roster file (default [hub] roster)")
        return parser

    entry("show", "print the roster", show)
    parser = entry("add-office", "add or update an office", lambda a: _set(a, "offices", {
        "id": a.id, "name": a.name, "province": a.province, "timezone": a.timezone,
        "kind": a.kind, "gating": a.gating}))
    parser.add_argument("id")
    parser.add_argument("--name")
    parser.add_argument("--province")
    parser.add_argument("--timezone", help="IANA zone, e.g. Asia/Ho_Chi_Minh")
    parser.add_argument("--kind", choices=("admin", "hospital", "school"))
    parser.add_argument("--gating", action=argparse.BooleanOptionalAction, default=None,
                        help="kiosks open only on a receipt scan or the officer's signal")
    parser = entry("remove-office", "remove an office with its counters, officers and kiosks",
                   lambda a: _remove(a, "offices", {"id": a.id}))
    parser.add_argument("id")
    parser = entry("add-counter", "add or update a counter", lambda a: _set(a, "counters", {
        "office": a.office, "label": a.label, "name": a.name}))
    parser.add_argument("office")
    parser.add_argument("label", help="the label kiosks send, e.g. 3 or Quầy 3")
    parser.add_argument("--name")
    parser = entry("remove-counter", "remove a counter", lambda a: _remove(
        a, "counters", {"office": a.office, "label": a.label}))
    parser.add_argument("office")
    parser.add_argument("label")
    parser = entry("add-officer", "add or update an officer", lambda a: _set(a, "officers", {
        "office": a.office, "code": a.code, "name": a.name}))
    parser.add_argument("office")
    parser.add_argument("code")
    parser.add_argument("--name")
    parser = entry("remove-officer", "remove an officer", lambda a: _remove(
        a, "officers", {"office": a.office, "code": a.code}))
    parser.add_argument("office")
    parser.add_argument("code")
    parser = entry("add-kiosk", "add or update a kiosk", lambda a: _set(a, "kiosks", {
        "office": a.office, "id": a.id, "counter": a.counter}))
    parser.add_argument("office")
    parser.add_argument("id")
    parser.add_argument("--counter", default="")
    parser = entry("remove-kiosk", "remove a kiosk", lambda a: _remove(
        a, "kiosks", {"office": a.office, "id": a.id}))
    parser.add_argument("office")
    parser.add_argument("id")

    dossiers = commands.add_parser("dossiers", help="daily dossier counts (response rate)")
    dossier_commands = dossiers.add_subparsers(dest="dossiers_command", required=True)
    parser = _parser(dossier_commands, "import", "import a CSV of office,day,count", dossiers_import)
    parser.add_argument("file", help="CSV with a header: office,day,count (or day,count with "
                        "--office)")
    parser.add_argument("--office", help="the office, when the CSV has no office column")
