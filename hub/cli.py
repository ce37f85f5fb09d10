"""``hailong hub …`` subcommands: run the hub, maintain its database."""

from __future__ import annotations

import argparse
from typing import Any

from hailong.cli import add_common
from hailong.settings import SettingsError
from hub.admin import accounts_cli, registry_cli, survey_cli
from hub.settings import settings_from


def run(args: argparse.Namespace) -> int:
    from hailong.settings import render_settings
    from hub.roster import load_roster

    settings = settings_from(args)
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


def db_upgrade(args: argparse.Namespace) -> int:
    from hub.store import Store

    settings = settings_from(args)
    store = Store(settings.database_url())
    store.upgrade()
    print(f"database at revision {store.current_revision()}")
    store.close()
    return 0


def register(apps: Any) -> None:
    hub = apps.add_parser("hub", help="the hub: ingest, scores, dashboard")
    commands = hub.add_subparsers(dest="command", required=True)
    parser = commands.add_parser("run", help="run the hub (MQTT ingest and web server)")
    add_common(parser)
    parser.set_defaults(handler=run)
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    parser = db_commands.add_parser("upgrade", help="create or migrate the schema to this version")
    add_common(parser)
    parser.set_defaults(handler=db_upgrade)
    from hub.admin.backup import register as register_backup

    register_backup(db_commands)
    accounts_cli.register(commands)
    registry_cli.register(commands)
    survey_cli.register(commands)
    from hub.web.poster import register as register_poster

    register_poster(commands)
