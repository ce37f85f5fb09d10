"""The store on SQLite and PostgreSQL: exactly once, rollups with the rows, seq gaps, registry."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from hub.roster import Counter, Kiosk, Office, Officer, Roster
from hub.store import Rejection, Store, head_revision
from hub.store import tables as t
from tests.support.hubdata import NOW, accepted, response, status, status_update


def test_migrations_run_from_the_first_schema_and_keep_data(database_url: str) -> None:
    store = Store(database_url)
    with store.engine.begin() as conn:  # back to the first revision, with data in it
        from alembic import command

        from hub.store import alembic_config
        command.downgrade(alembic_config(conn), "0001")
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO offices (id, name, province, timezone, kind, registered) "
                          "VALUES ('old', '', '', '', 'admin', true)"))
    store.upgrade()
    assert store.current_revision() == head_revision()
    assert store.read.office("old")["gating"] is False
    store.check_schema()
    store.close()


def test_each_response_is_stored_once_with_its_rollups(database_url: str) -> None:
    store = Store(database_url)
    first = response(seq=1, answers={"overall": 5, "access": 2, "reasons": ["wait"]})
    copy = dict(first)
    conflict = {**first, "answers": {"overall": 1}}
    second = response(seq=2, answers={"overall": 1}, officer="cb-1")
    result = store.write_batch([accepted(first), accepted(copy), accepted(second),
                                accepted(conflict)], [])
    assert result.outcomes == ["stored", "duplicate", "stored", "conflict"]
    assert result.offices == {"ubnd-a"}
    result = store.write_batch([accepted(second), accepted(conflict)], [])
    assert result.outcomes == ["duplicate", "conflict"]
    assert sorted(store.read.response_ids()) == sorted([first["id"], second["id"]])

    day = date(2026, 11, 23)
    rows = {r["question"]: r for r in store.read.rating_sums("ubnd-a", day, day)}
    assert (rows["overall"]["n"], rows["overall"]["d1"], rows["overall"]["d5"]) == (2, 1, 1)
    assert rows["access"]["d2"] == 1
    assert store.read.response_totals("ubnd-a", day, day)["n"] == 2
    by_officer = {r["officer"]: r["n"] for r in store.read.response_sums("ubnd-a", day, day,
                                                                          "officer")}
    assert by_officer == {"": 1, "cb-1": 1}
    assert store.read.choice_sums("ubnd-a", day, day)[0]["choice"] == "wait"
    _, rejected = store.read.rejected(10)
    assert [r["reason"].split(":")[0] for r in rejected] == ["conflict", "conflict"]
    store.close()


def test_flags_are_counted_in_the_rollups(database_url: str) -> None:
    store = Store(database_url)
    store.write_batch([accepted(response(seq=1), flags=("clock-skew",)),
                       accepted(response(seq=2), flags=("no-transaction", "unknown-question")),
                       accepted(response(seq=3))], [])
    day = date(2026, 11, 23)
    totals = store.read.response_totals("ubnd-a", day, day)
    assert totals == {"n": 3, "complete": 3, "skewed": 1, "ungated": 1, "unknown": 1}
    store.close()


def test_seq_gaps_are_tracked_per_kiosk(database_url: str) -> None:
    store = Store(database_url)
    store.write_batch([accepted(response(seq=s)) for s in (1, 2, 5, 9)], [])
    store.write_batch([accepted(response(seq=s, kiosk="k02")) for s in (3,)], [])
    gaps = {(g["kiosk"], g["first"], g["last"]) for g in store.read.gaps("ubnd-a")}
    assert gaps == {("k01", 3, 4), ("k01", 6, 8), ("k02", 1, 2)}
    store.write_batch([accepted(response(seq=s)) for s in (3, 7, 4)], [])
    gaps = {(g["kiosk"], g["first"], g["last"]) for g in store.read.gaps("ubnd-a")}
    assert gaps == {("k01", 6, 6), ("k01", 8, 8), ("k02", 1, 2)}
    kiosk = next(k for k in store.read.kiosks("ubnd-a") if k["kiosk"] == "k01")
    assert (kiosk["max_seq"], kiosk["received"]) == (9, 7)
    store.close()


def test_statuses_and_rejections_update_the_kiosk(database_url: str) -> None:
    store = Store(database_url)
    oldest = NOW - timedelta(hours=2)
    store.write_batch([], [], [status_update(status(seq=12, outbox=3, oldest=oldest,
                                                    clock_offset=-600))])
    store.record_rejections([Rejection("hailong/v1/ubnd-a/k01/response", "bad", b"x", NOW)])
    kiosk = store.read.kiosks("ubnd-a")[0]
    assert kiosk["state"] == "online" and kiosk["status_seq"] == 12 and kiosk["outbox"] == 3
    assert kiosk["clock_skew"] == -600.0 and kiosk["rejected"] == 1
    store.write_batch([], [], [status_update(status(state="offline"))])
    kiosk = store.read.kiosks("ubnd-a")[0]
    assert kiosk["state"] == "offline" and kiosk["status_seq"] == 12  # the will's seq is stale
    assert store.read.office("ubnd-a")["registered"] is False
    store.close()


def test_the_roster_registers_and_unregisters(database_url: str) -> None:
    store = Store(database_url)
    store.write_batch([accepted(response(office="seen", kiosk="k9"))], [])
    roster = Roster(offices=[Office(id="ubnd-a", name="A", province="p", gating=True)],
                    counters=[Counter(office="ubnd-a", label="1", name="Quầy 1")],
                    officers=[Officer(office="ubnd-a", code="cb-1", name="Lan")],
                    kiosks=[Kiosk(office="ubnd-a", id="k01", counter="1")])
    store.apply_roster(roster)
    store.apply_roster(roster)  # idempotent
    offices = {o["id"]: o for o in store.read.offices()}
    assert offices["ubnd-a"]["registered"] and offices["ubnd-a"]["gating"]
    assert not offices["seen"]["registered"]
    assert store.read.names(t.officers, "code", "ubnd-a") == {"cb-1": "Lan"}
    store.apply_roster(Roster())
    assert not store.read.office("ubnd-a")["registered"]
    assert store.read.names(t.officers, "code", "ubnd-a") == {}
    store.close()


def test_one_open_alert_per_counter_and_dossier_counts(database_url: str) -> None:
    store = Store(database_url)
    first = store.open_alert("ubnd-a", "1", "overall", NOW, NOW - timedelta(minutes=15), 4, 3)
    assert first is not None
    assert store.open_alert("ubnd-a", "1", "overall", NOW, NOW, 5, 4) is None
    assert store.open_alert("ubnd-a", "2", "overall", NOW, NOW, 5, 4) is not None
    assert store.close_alert("ubnd-a", first, NOW, "talked to the officer")
    assert not store.close_alert("ubnd-a", first, NOW)
    assert store.open_alert("ubnd-a", "1", "overall", NOW, NOW, 6, 6) is not None
    assert sorted(a["counter"] for a in store.read.alerts("ubnd-a", "open", 10)) == ["1", "2"]
    assert [a["note"] for a in store.read.alerts("ubnd-a", "closed", 10)] == ["talked to the officer"]
    day = date(2026, 11, 23)
    assert store.set_dossier_counts([("ubnd-a", day, 40), ("ubnd-a", day + timedelta(1), 10)]) == 2
    store.set_dossier_counts([("ubnd-a", day, 45)])
    assert [r["count"] for r in store.read.dossiers("ubnd-a", day, day + timedelta(1))] == [45, 10]
    store.close()


def test_a_rejected_message_alone_never_makes_a_kiosk(database_url: str) -> None:
    store = Store(database_url)
    store.record_rejections([Rejection("hailong/v1/ubnd-a/phantom/response", "bad", b"x", NOW)])
    assert store.read.kiosks("ubnd-a") == []
    _, rejected = store.read.rejected(10)
    assert [r["topic"] for r in rejected] == ["hailong/v1/ubnd-a/phantom/response"]
    store.close()
