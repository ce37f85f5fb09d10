"""What a notification says and when it is retried, as pure functions with hand-computed
values; the [notify] settings' checks; `hailong hub user set` on a real SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hailong.settings import SettingsError, load_settings
from hub.notify.messages import AlertNotice, alert_link, backoff, folds, mail_text, signature
from hub.settings import HubSettings
from tests.support import hailong_cli, write_toml

OPENED = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)  # 09:30 in Hà Nội
ALERT = {"v": 1, "id": 7, "office": "ubnd-a", "counter": "1", "question": "overall",
         "opened_at": "2026-12-03T02:30:00Z",
         "window": {"from": "2026-12-03T02:15:00Z", "to": "2026-12-03T02:30:00Z"},
         "n": 4, "low": 3, "share": 0.75, "state": "open"}


@pytest.mark.parametrize(("attempts", "expected"), [
    (1, 30.0), (2, 60.0), (3, 120.0), (4, 240.0), (7, 1920.0), (8, 3600.0), (30, 3600.0)])
def test_backoff_doubles_from_the_base_up_to_the_cap(attempts: int, expected: float) -> None:
    assert backoff(attempts, 30, 3600) == expected


@pytest.mark.parametrize(("last", "folded"), [
    (None, False), (OPENED - timedelta(minutes=14, seconds=59), True),
    (OPENED - timedelta(minutes=15), False), (OPENED - timedelta(hours=3), False)])
def test_an_alert_is_folded_within_15_minutes_of_the_last_notice(
        last: datetime | None, folded: bool) -> None:
    assert folds(last, OPENED) is folded


def test_the_mail_names_the_office_the_counter_what_tripped_it_and_links_to_the_alert() -> None:
    notice = AlertNotice(ALERT, "UBND phường Bến Thành", "", "Câu hỏi chung",
                         ZoneInfo("Asia/Ho_Chi_Minh"),
                         alert_link("https://hailong.example.gov.vn/", "ubnd-a", 7), 2)
    subject, body = mail_text(notice)
    assert subject == "[Hài lòng] Cảnh báo tại UBND phường Bến Thành: Quầy 1"
    assert body.splitlines()[:6] == [
        "Có cảnh báo mới tại UBND phường Bến Thành.", "",
        "Quầy: Quầy 1",
        "3 trên 4 lượt gần nhất không hài lòng (Câu hỏi chung), trong 15 phút tính đến "
        "03/12/2026 09:30.", "",
        "Xem và xử lý cảnh báo: https://hailong.example.gov.vn/offices/ubnd-a/alerts#alert-7"]
    assert "Ngoài ra, 2 cảnh báo cùng loại" in body
    assert alert_link("", "ubnd-a", 7) == "/offices/ubnd-a/alerts#alert-7"


def test_the_webhook_signature_is_hmac_sha256_as_rfc_4231_computes_it() -> None:
    # RFC 4231, test case 2
    assert signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


@pytest.mark.parametrize(("body", "expected"), [
    ('smtp_host = "mail.example"\n', "[notify]: mail_from: an address is needed"),
    ('security = "ssl"\n', "[notify] security: expected 'starttls', 'tls' or 'none'"),
    ('webhook_url = "ftp://x"\nwebhook_secret = "0123456789abcdef"\n',
     "webhook_url: expected an http:// or https:// URL"),
    ('webhook_url = "https://gw.example/h"\nwebhook_secret = "short"\npassword = "p4ss"\n',
     "webhook_secret: at least 16 characters"),
])
def test_a_bad_notify_section_says_what_to_fix_and_never_shows_a_secret(
        tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(HubSettings, write_toml(tmp_path / "hub.toml", f"[notify]\n{body}"), env={})
    assert expected in str(caught.value)
    assert "short" not in str(caught.value) and "p4ss" not in str(caught.value)


@pytest.mark.slow  # the CLI in child processes
def test_user_set_records_the_address_and_opt_in_and_refuses_what_cannot_work(
        tmp_path: Path) -> None:
    config = write_toml(tmp_path / "hub.toml", f'[data]\ndir = "{tmp_path}"\n')
    added = hailong_cli("hub", "user", "add", "lan", "--role", "head", "--office", "ubnd-a",
                        "--password-stdin", "--config", str(config), input_text="mật khẩu đủ dài")
    assert added.returncode == 0, added.stderr
    refused = hailong_cli("hub", "user", "set", "lan", "--notify", "on", "--config", str(config))
    assert refused.returncode == 1 and "has no e-mail address" in refused.stderr
    assert "Traceback" not in refused.stderr
    bad = hailong_cli("hub", "user", "set", "lan", "--email", "lan at ubnd", "--config",
                      str(config))
    assert bad.returncode == 1 and "is not an e-mail address" in bad.stderr
    done = hailong_cli("hub", "user", "set", "lan", "--email", "lan@ubnd-a.example.gov.vn",
                       "--notify", "on", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "user lan: e-mail lan@ubnd-a.example.gov.vn, alert mails on"
    listed = hailong_cli("hub", "user", "list", "--config", str(config))
    line = next(x for x in listed.stdout.splitlines() if x.startswith("lan "))
    assert line.split()[-2:] == ["lan@ubnd-a.example.gov.vn", "on"]
    off = hailong_cli("hub", "user", "set", "lan", "--notify", "off", "--config", str(config))
    assert off.stdout.strip() == "user lan: e-mail lan@ubnd-a.example.gov.vn, alert mails off"
    nobody = hailong_cli("hub", "user", "set", "nobody", "--email", "a@b.vn", "--config",
                         str(config))
    assert nobody.returncode == 1 and "no user 'nobody'" in nobody.stderr
