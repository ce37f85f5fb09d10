"""``hailong hub user …`` and ``hailong hub token …``: dashboard accounts and API tokens."""

from __future__ import annotations

import argparse
import functools
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from hailong.cli import add_common
from hailong.settings import SettingsError

EXIT_REFUSED = 1


@contextmanager
def accounts_of(args: argparse.Namespace) -> Iterator[Any]:
    """The accounts in the hub's database, migrated first on SQLite as ``hub run`` does."""
    from hub.admin.accounts import Accounts
    from hub.settings import settings_from
    from hub.store import SchemaOutOfDate, Store

    store = Store(settings_from(args).database_url())
    try:
        if store.dialect == "sqlite":
            store.upgrade()
        else:
            store.check_schema()
        yield Accounts(store.engine)
    except SchemaOutOfDate as exc:
        raise SettingsError(str(exc)) from None
    finally:
        store.close()


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        text = sys.stdin.read()
        return text[:-1] if text.endswith("\n") else text
    if not sys.stdin.isatty():
        raise SettingsError("no password given: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise SettingsError("the two passwords differ; nothing was changed")
    return first


def refused(message: str) -> int:
    print(f"hailong: {message}", file=sys.stderr)
    return EXIT_REFUSED


Handler = Callable[[argparse.Namespace], int]


def refusing(handler: Handler) -> Handler:
    """A command whose refusal (an unknown user, a bad grant …) ends in one line on stderr and
    exit status 1, never a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from hub.admin.grants import AccountError

        try:
            return handler(args)
        except AccountError as exc:
            return refused(str(exc))

    return run


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _offices(role: str, offices: tuple[str, ...], provinces: tuple[str, ...] = ()) -> str:
    if role == "viewer":
        return "every office of " + ", ".join(provinces)
    return "every office" if role == "admin" else ", ".join(offices)


def _granted(args: argparse.Namespace) -> str:
    return _offices(args.role, tuple(args.office or ()), tuple(args.province or ()))


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [header, *rows]]
    return "\n".join(lines)


@refusing
def user_add(args: argparse.Namespace) -> int:
    from hub.admin.grants import AccountError, check_grant, check_name

    # the cheap checks first, before asking for a password
    check_name(args.name.lower())
    check_grant(args.role, args.office or (), args.province or ())
    if args.role == "linker":
        raise AccountError("a linker is a token for the province's one-stop software, not a "
                           "user: `hailong hub token add NAME --role linker --office ID`")
    password = read_password(args)
    with accounts_of(args) as accounts:
        accounts.add_user(args.name.lower(), args.role, args.office or (), password,
                          args.province or ())
    print(f"user {args.name.lower()} added: {args.role}, {_granted(args)}")
    return 0


@refusing
def user_password(args: argparse.Namespace) -> int:
    password = read_password(args)
    with accounts_of(args) as accounts:
        accounts.set_password(args.name.lower(), password)
    print(f"password of {args.name.lower()} changed; its open sessions were ended")
    return 0


def _listing(rows: list[Any], none_yet: str, last_column: str,
             mail: dict[str, tuple[str, str]] | None = None) -> int:
    """Users or tokens as a table (never a secret), or how to make the first one; with
    ``mail``, each user's address and alert-mail opt-in."""
    if not rows:
        print(none_yet)
        return 0
    extra = ("E-MAIL", "ALERT MAILS") if mail is not None else ()
    print(_table(("NAME", "ROLE", "OFFICES", "CREATED", last_column, *extra),
                 [(r.name, r.role, _offices(r.role, r.offices, r.provinces), _when(r.created_at),
                   _when(r.last_used), *((mail.get(r.name, ("-", "off"))) if mail is not None
                                         else ())) for r in rows]))
    return 0


def user_list(args: argparse.Namespace) -> int:
    from hub.admin.contacts import Contacts

    with accounts_of(args) as accounts:
        rows = accounts.list_users()
        contacts = Contacts(accounts.engine).contacts()
    mail = {name: (c.email or "-", "on" if c.notify else "off") for name, c in contacts.items()}
    return _listing(rows, "no users yet: add one with `hailong hub user add NAME --role admin "
                    "--password-stdin`", "LAST SIGN-IN", mail)


@refusing
def user_set(args: argparse.Namespace) -> int:
    """A user's e-mail address and alert-mail opt-in (docs/dashboard.md)."""
    from hub.admin.contacts import Contacts

    if args.email is None and args.notify is None:
        return refused("nothing to set: give --email ADDRESS and/or --notify on|off")
    with accounts_of(args) as accounts:
        contact = Contacts(accounts.engine).set_contact(
            args.name.lower(), args.email, None if args.notify is None else args.notify == "on")
    mails = "on" if contact.notify else "off"
    print(f"user {contact.name}: e-mail {contact.email or '(none)'}, alert mails {mails}"
          + ("" if contact.role != "viewer" or not contact.notify else
             " (a viewer gets no alert mail: only heads of the office and admins do)"))
    return 0


@refusing
def user_remove(args: argparse.Namespace) -> int:
    with accounts_of(args) as accounts:
        accounts.remove_user(args.name.lower())
    print(f"user {args.name.lower()} removed; its sessions were ended")
    return 0


@refusing
def token_create(args: argparse.Namespace) -> int:
    with accounts_of(args) as accounts:
        secret = accounts.create_token(args.name.lower(), args.role, args.office or (),
                                       args.province or ())
    print(f"token {args.name.lower()} created: {args.role}, {_granted(args)}.")
    print("Send it as `Authorization: Bearer <token>`. It is shown only now; the hub keeps only "
          "its hash. The token:")
    print(secret)
    return 0


def token_list(args: argparse.Namespace) -> int:
    with accounts_of(args) as accounts:
        rows = accounts.list_tokens()
    return _listing(rows, "no tokens yet: create one with `hailong hub token create NAME --role …`",
                    "LAST USED")


@refusing
def token_revoke(args: argparse.Namespace) -> int:
    with accounts_of(args) as accounts:
        accounts.revoke_token(args.name.lower())
    print(f"token {args.name.lower()} revoked")
    return 0


def _grant_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", required=True, choices=("admin", "head", "viewer", "linker"),
                        help="admin: every office; head: only the offices given with --office; "
                        "viewer: reads every office of the provinces given with --province, "
                        "changes nothing; linker (tokens only): makes phone links for the "
                        "offices given with --office (POST /api/v1/links), reads nothing")
    parser.add_argument("--office", action="extend", nargs="+", metavar="ID",
                        help="an office a head may see (repeat or list several); any valid id, "
                        "configured or not yet seen")
    parser.add_argument("--province", action="extend", nargs="+", metavar="ID",
                        help="a province a viewer reads (repeat or list several): every office "
                        "the roster puts in it, now and later")


def register(commands: Any) -> None:
    user = commands.add_parser("user", help="dashboard users (admins, office heads and "
                               "province viewers)")
    users = user.add_subparsers(dest="user_command", required=True)
    parser = users.add_parser("add", help="add a user; the password comes from standard input")
    parser.add_argument("name", metavar="NAME")
    _grant_options(parser)
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input (without it: asked twice on a "
                        "terminal)")
    add_common(parser)
    parser.set_defaults(handler=user_add)
    parser = users.add_parser("password", help="set a new password (ends the user's sessions)")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input")
    add_common(parser)
    parser.set_defaults(handler=user_password)
    parser = users.add_parser("set", help="set a user's e-mail address and whether alert mails "
                              "go to it")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--email", metavar="ADDRESS",
                        help="where alert mails go (\"\" removes it)")
    parser.add_argument("--notify", choices=("on", "off"),
                        help="on: mail this user when an alert opens at one of its offices "
                        "(a head) or anywhere (an admin); off: no mail")
    add_common(parser)
    parser.set_defaults(handler=user_set)
    parser = users.add_parser("list", help="list the users and their offices")
    add_common(parser)
    parser.set_defaults(handler=user_list)
    parser = users.add_parser("remove", help="remove a user (ends the user's sessions)")
    parser.add_argument("name", metavar="NAME")
    add_common(parser)
    parser.set_defaults(handler=user_remove)

    token = commands.add_parser("token", help="API tokens for scripts")
    tokens = token.add_subparsers(dest="token_command", required=True)
    parser = tokens.add_parser("create", aliases=["add"],
                               help="create a token; it is printed once, on the last line")
    parser.add_argument("name", metavar="NAME")
    _grant_options(parser)
    add_common(parser)
    parser.set_defaults(handler=token_create)
    parser = tokens.add_parser("list", help="list the tokens (never their secrets)")
    add_common(parser)
    parser.set_defaults(handler=token_list)
    parser = tokens.add_parser("revoke", help="revoke a token at once")
    parser.add_argument("name", metavar="NAME")
    add_common(parser)
    parser.set_defaults(handler=token_revoke)
