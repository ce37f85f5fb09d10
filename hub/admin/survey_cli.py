"""``hailong hub survey import|list|undo``: survey results (paper, phone, postal, web …) from a shell.

A file is checked as a whole first: any problem is printed as ``row N, column X: problem``, one
line each, the command exits 1 and nothing of the file is imported. See docs/survey-import.md.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hailong.cli import add_common
from hailong.settings import SettingsError

EXIT_REJECTED = 1


def _open(args: argparse.Namespace) -> tuple[Any, Any]:
    from hub.settings import settings_from
    from hub.store import SchemaOutOfDate, Store

    settings = settings_from(args)
    store = Store(settings.database_url())
    try:
        store.check_schema()
    except SchemaOutOfDate as exc:
        store.close()
        raise SettingsError(str(exc)) from None
    return settings, store


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:?"


def survey_import(args: argparse.Namespace) -> int:
    from hailong.questionnaire import load_catalog
    from hub.admin.survey_imports import import_survey_file
    from hub.admin.surveys import SurveyRejected
    from hub.roster import load_roster

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the file ({exc.strerror})") from None
    settings, store = _open(args)
    try:
        roster = load_roster(settings.hub.roster)
        zones = {o.id: ZoneInfo(o.timezone) for o in roster.offices if o.timezone}
        default = ZoneInfo(settings.hub.timezone)
        extra = [Path(settings.hub.questionnaires)] if settings.hub.questionnaires else []
        done = import_survey_file(store, load_catalog(extra), settings.hub.survey_channels,
                                  lambda office: zones.get(office, default), data, path.name,
                                  args.channel, _who(), datetime.now(UTC), roster)
    except SurveyRejected as exc:
        for problem in exc.problems:
            print(f"{path.name}: {problem}", file=sys.stderr)
        print(f"{path.name}: {exc.total} problem(s); nothing was imported",
              file=sys.stderr)
        return EXIT_REJECTED
    finally:
        store.close()
    if done.duplicate:
        print(f"{path.name} was already imported as import {done.id} ({done.rows} respondents): "
              "nothing new was imported")
    else:
        print(f"imported {done.rows} respondents from {path.name} as import {done.id} "
              f"(undo: hailong hub survey undo {done.id})")
    return 0


def survey_list(args: argparse.Namespace) -> int:
    from hub.admin.survey_imports import import_document

    _settings, store = _open(args)
    try:
        rows = store.read.survey_imports()
    finally:
        store.close()
    if not rows:
        print("no survey has been imported")
        return 0
    print("id\tstate\timported_at\timported_by\trows\tchannels\toffices\tfrom\tto\tfile")
    for row in rows:
        doc = import_document(row)
        print("\t".join(str(v) for v in (
            doc["id"], doc["state"], doc["imported_at"], doc["imported_by"], doc["rows"],
            ",".join(doc["channels"]), ",".join(doc["offices"]), doc["from"], doc["to"],
            doc["file_name"])))
    return 0


def survey_undo(args: argparse.Namespace) -> int:
    _settings, store = _open(args)
    try:
        removed = store.undo_import(args.id, _who(), datetime.now(UTC))
    except LookupError as exc:
        print(f"hailong: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        store.close()
    print(f"undid import {args.id}: {removed} respondents removed")
    return 0


def register(commands: Any) -> None:
    """Add ``survey`` under ``hailong hub``."""
    survey = commands.add_parser("survey", help="survey results beside the kiosk ratings "
                                 "(paper, phone, postal, web …)")
    actions = survey.add_subparsers(dest="survey_command", required=True)
    parser = actions.add_parser("import", help="check a CSV or XLSX survey file and import it")
    add_common(parser)
    parser.add_argument("file", help="CSV (UTF-8) or XLSX: one row per respondent "
                        "(docs/survey-import.md)")
    parser.add_argument("--channel", help="the file's channel, for rows that leave it blank "
                        "(paper, phone, postal, web or one of [hub] survey_channels)")
    parser.set_defaults(handler=survey_import)
    parser = actions.add_parser("list", help="list every import (undone ones too)")
    add_common(parser)
    parser.set_defaults(handler=survey_list)
    parser = actions.add_parser("undo", help="take an import's respondents out again")
    add_common(parser)
    parser.add_argument("id", type=int, help="the import's id (see `hailong hub survey list`)")
    parser.set_defaults(handler=survey_undo)
