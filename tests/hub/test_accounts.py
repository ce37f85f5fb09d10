"""Users, tokens and sessions in real SQLite and PostgreSQL databases: argon2 hashes, hashed
tokens, expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hub.admin.accounts import AccountError, Accounts, now_utc, sessions, tokens, users
from hub.store import Store
from hub.store import tables as t


@pytest.fixture
def accounts(database_url: str) -> Iterator[Accounts]:
    """Accounts on a fresh, migrated database of each kind the hub supports."""
    store = Store(database_url)
    yield Accounts(store.engine)
    store.close()


def test_no_account_exists_until_one_is_created(accounts: Accounts) -> None:
    assert not accounts.has_users()
    assert accounts.list_users() == [] and accounts.list_tokens() == []
    assert accounts.verify_password("admin", "admin") is None
    assert accounts.verify_password("admin", "") is None


def test_passwords_are_stored_as_argon2id_and_verified(accounts: Accounts) -> None:
    accounts.add_user("lan", "head", ["ubnd-a", "ubnd-b", "ubnd-a"], "correct horse")
    with accounts.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    principal = accounts.verify_password("lan", "correct horse")
    assert principal is not None
    assert principal.role == "head" and principal.offices == frozenset({"ubnd-a", "ubnd-b"})
    assert principal.may_see("ubnd-a") and not principal.may_see("ubnd-c")
    assert accounts.verify_password("lan", "correct horsE") is None
    assert accounts.list_users()[0].last_used is not None  # last sign-in recorded


@pytest.mark.parametrize(("name", "role", "offices", "password", "expected"), [
    ("lan", "boss", [], "long enough pw", "role must be admin, head, viewer or linker"),
    ("lan", "viewer", [], "long enough pw", "at least one --province"),
    ("lan", "viewer", ["ubnd-a"], "long enough pw", "only for heads"),
    ("lan", "head", [], "long enough pw", "at least one --office"),
    ("lan", "admin", ["ubnd-a"], "long enough pw", "only for heads"),
    ("lan", "head", ["Bad Office"], "long enough pw", "office id 'Bad Office'"),
    ("Lan Anh", "admin", [], "long enough pw", "not valid"),
    ("lan", "admin", [], "short", "too short"),
])
def test_bad_accounts_are_refused_with_a_reason(accounts: Accounts, name: str, role: str,
                                                offices: list[str], password: str,
                                                expected: str) -> None:
    with pytest.raises(AccountError, match=expected):
        accounts.add_user(name, role, offices, password)
    assert not accounts.has_users()


def test_a_head_may_be_given_an_office_not_yet_seen(accounts: Accounts) -> None:
    accounts.add_user("lan", "head", ["xa-moi-2030"], "long enough pw")
    assert accounts.list_users()[0].offices == ("xa-moi-2030",)


def test_a_user_name_is_taken_once(accounts: Accounts) -> None:
    accounts.add_user("lan", "admin", [], "long enough pw")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_user("lan", "head", ["a"], "long enough pw")


def test_sessions_end_on_sign_out_removal_new_password_and_idleness(accounts: Accounts) -> None:
    accounts.add_user("lan", "admin", [], "long enough pw")
    principal = accounts.verify_password("lan", "long enough pw")
    assert principal is not None
    hour = timedelta(hours=1)

    secret, session = accounts.open_session(principal)
    found = accounts.session(secret, hour)
    assert found is not None and found.principal.name == "lan" and found.csrf == session.csrf
    with accounts.engine.connect() as conn:
        assert secret not in str(conn.execute(select(sessions)).all())  # only its hash is kept
    assert accounts.session(secret + "x", hour) is None
    accounts.close_session(session.id_hash)
    assert accounts.session(secret, hour) is None

    secret, _ = accounts.open_session(principal)
    accounts.set_password("lan", "another long pw")
    assert accounts.session(secret, hour) is None
    assert accounts.verify_password("lan", "long enough pw") is None

    secret, session = accounts.open_session(principal)
    with accounts.engine.begin() as conn:
        conn.execute(update(sessions).values(last_seen=now_utc() - 2 * hour))
    assert accounts.session(secret, hour) is None

    secret, _ = accounts.open_session(principal)
    accounts.remove_user("lan")
    assert accounts.session(secret, hour) is None
    with pytest.raises(AccountError, match="no user"):
        accounts.remove_user("lan")


def test_tokens_are_stored_hashed_scoped_and_revocable(accounts: Accounts) -> None:
    secret = accounts.create_token("nightly-export", "head", ["ubnd-a"])
    assert secret.startswith("hlt_") and len(secret) > 40
    with accounts.engine.connect() as conn:
        assert secret not in str(conn.execute(select(tokens)).all())
    principal = accounts.token(secret)
    assert principal is not None and principal.kind == "token"
    assert principal.may_see("ubnd-a") and not principal.may_see("ubnd-b")
    assert accounts.list_tokens()[0].last_used is not None
    assert accounts.token("hlt_" + "x" * 43) is None and accounts.token("garbage") is None
    with pytest.raises(AccountError, match="already exists"):
        accounts.create_token("nightly-export", "admin", [])
    accounts.revoke_token("nightly-export")
    assert accounts.token(secret) is None
    with pytest.raises(AccountError, match="no token"):
        accounts.revoke_token("nightly-export")


def test_a_viewer_sees_every_office_its_provinces_hold_now(accounts: Accounts) -> None:
    with accounts.engine.begin() as conn:
        conn.execute(t.offices.insert(), [
            {"id": "ubnd-a", "province": "dak-nong"}, {"id": "ubnd-b", "province": "dak-nong"},
            {"id": "ubnd-x", "province": "lam-dong"}, {"id": "seen-only", "province": ""}])
    accounts.add_user("ana", "viewer", [], "long enough pw", ["dak-nong"])
    secret = accounts.create_token("sheet", "viewer", [], ["lam-dong", "dak-nong"])
    ana = accounts.verify_password("ana", "long enough pw")
    assert ana is not None and ana.reads_only and not ana.is_admin
    assert ana.offices == frozenset({"ubnd-a", "ubnd-b"})
    assert ana.may_see_province("dak-nong") and not ana.may_see_province("lam-dong")
    with pytest.raises(AccountError, match="only for viewers"):
        accounts.add_user("lan", "head", ["ubnd-a"], "long enough pw", ["dak-nong"])
    with accounts.engine.begin() as conn:  # the roster puts a new office in the province
        conn.execute(t.offices.insert().values(id="ubnd-c", province="dak-nong"))
    token = accounts.token(secret)
    assert token is not None and token.offices == frozenset({"ubnd-a", "ubnd-b", "ubnd-c",
                                                             "ubnd-x"})
    assert [(r.name, r.provinces) for r in accounts.list_tokens()] == [
        ("sheet", ("dak-nong", "lam-dong"))]
    accounts.remove_user("ana")
    accounts.revoke_token("sheet")
    assert accounts.list_users() == [] and accounts.list_tokens() == []
