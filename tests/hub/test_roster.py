"""The roster file: read with clear errors, edited without losing comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from hailong.settings import SettingsError
from hub.roster import add_kiosk, load_roster, remove_kiosk
from tests.support import REPO, write_toml


def test_example_roster_loads() -> None:
    roster = load_roster(REPO / "config" / "roster.example.toml")
    assert roster.offices[0].id == "ubnd-phuong-1"
    assert roster.kiosks[0].counter == "Quầy 3"


def test_a_province_is_shown_by_its_roster_name(tmp_path: Path) -> None:
    roster = load_roster(write_toml(tmp_path / "roster.toml", '[provinces]\ndak-nong = "Đắk Nông"\n'))
    assert roster.province_name("dak-nong") == "Đắk Nông"
    assert roster.province_name("lam-dong") == "Lam Dong"  # unnamed: the id made readable
    assert load_roster(REPO / "config" / "roster.example.toml").province_name("dak-nong") == \
        "Đắk Nông"


def test_errors_name_the_entry(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "r.toml", '[[offices]]\nid = "Bad Id"\n')
    with pytest.raises(SettingsError, match=r"offices\[0\]\.id: expected an id"):
        load_roster(path)
    path = write_toml(tmp_path / "r.toml", '[[offices]]\nid = "a"\ntimezone = "Mars/Base"\n')
    with pytest.raises(SettingsError, match="IANA time zone"):
        load_roster(path)


def test_add_and_remove_kiosks_keep_comments(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "roster.toml", "# our province\n[[offices]]\nid = \"a\"\n")
    add_kiosk(path, "a", "k01", "Quầy 1")
    add_kiosk(path, "a", "k02", "Quầy 2")
    add_kiosk(path, "a", "k01", "Quầy 9")
    roster = load_roster(path)
    assert [(k.id, k.counter) for k in roster.kiosks] == [("k01", "Quầy 9"), ("k02", "Quầy 2")]
    assert path.read_text(encoding="utf-8").startswith("# our province")
    assert remove_kiosk(path, "k01") == 1
    assert remove_kiosk(path, "k01") == 0
    assert [k.id for k in load_roster(path).kiosks] == ["k02"]
