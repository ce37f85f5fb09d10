"""``hailong hub roster …``, ``hub dossiers import`` and ``hub db upgrade`` as a user runs them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hub.roster import load_roster
from hub.store import Store, head_revision
from tests.support import hailong_cli, write_toml


def test_the_roster_is_edited_from_the_command_line_keeping_comments(tmp_path: Path) -> None:
    roster = write_toml(tmp_path / "roster.toml", "# Đắk Nông, updated by hand\n")
    config = write_toml(tmp_path / "hub.toml", f'[hub]\nroster = "{roster}"\n')
    steps = [
        ("add-office", "ubnd-a", "--name", "UBND A", "--province", "dak-nong", "--gating"),
        ("add-counter", "ubnd-a", "3", "--name", "Quầy 3"),
        ("add-officer", "ubnd-a", "cb-017", "--name", "Nguyễn Thị Lan"),
        ("add-kiosk", "ubnd-a", "k03", "--counter", "3"),
        ("add-kiosk", "ubnd-a", "k04"),
        ("remove-kiosk", "ubnd-a", "k04"),
    ]
    for step in steps:
        result = hailong_cli("hub", "roster", *step, "--config", str(config))
        assert result.returncode == 0, result.stderr
    loaded = load_roster(roster)
    assert loaded.offices[0].gating and loaded.offices[0].province == "dak-nong"
    assert [(k.id, k.counter) for k in loaded.kiosks] == [("k03", "3")]
    assert loaded.officers[0].name == "Nguyễn Thị Lan"
    assert roster.read_text(encoding="utf-8").startswith("# Đắk Nông, updated by hand")
    shown = hailong_cli("hub", "roster", "show", "--roster", str(roster))
    assert "kiosk   k03 counter='3'" in shown.stdout

    bad = hailong_cli("hub", "roster", "add-kiosk", "ubnd-a", "K 5", "--roster", str(roster))
    assert bad.returncode == 2 and "expected an id" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    missing = hailong_cli("hub", "roster", "remove-officer", "ubnd-a", "nobody", "--roster",
                          str(roster))
    assert missing.returncode == 1 and "nothing matched" in missing.stdout
    gone = hailong_cli("hub", "roster", "remove-office", "ubnd-a", "--roster", str(roster))
    assert gone.returncode == 0 and "removed 4 entries" in gone.stdout
    none = hailong_cli("hub", "roster", "show")
    assert none.returncode == 2 and "no roster file" in none.stderr


def test_dossier_counts_are_imported_from_csv(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    config = write_toml(tmp_path / "hub.toml", f'[database]\nurl = "{url}"\n')
    assert hailong_cli("hub", "db", "upgrade", "--config", str(config)).returncode == 0
    csv = tmp_path / "dossiers.csv"
    csv.write_text("office,day,count\nubnd-a,2026-11-23,45\nubnd-b,2026-11-23,12\n",
                   encoding="utf-8")
    result = hailong_cli("hub", "dossiers", "import", str(csv), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "stored 2 daily dossier counts for ubnd-a, ubnd-b" in result.stdout
    store = Store(url)
    assert store.read.dossiers("ubnd-a", date(2026, 11, 23), date(2026, 11, 23))[0]["count"] == 45
    store.close()
    csv.write_text("office,day,count\nubnd-a,2026-11-23,45\nubnd-a,23/11/2026,3\n",
                   encoding="utf-8")
    bad = hailong_cli("hub", "dossiers", "import", str(csv), "--config", str(config))
    assert bad.returncode == 2 and "line 3: day must be YYYY-MM-DD" in bad.stderr


def test_db_upgrade_prepares_a_postgresql_database(tmp_path: Path, postgres: object) -> None:
    url = postgres.create_database()  # type: ignore[attr-defined]
    config = write_toml(tmp_path / "hub.toml", f'[database]\nurl = "{url}"\n')
    result = hailong_cli("hub", "db", "upgrade", "--config", str(config))
    assert result.returncode == 0 and f"revision {head_revision()}" in result.stdout, result.stderr
    run = hailong_cli("hub", "run", "--check-config", "--config", str(config))
    assert run.returncode == 0
