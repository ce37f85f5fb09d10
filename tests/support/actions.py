"""A hub for the actions and public page tests: a roster whose officer, counter and kiosk ids
are long and distinctive (so the public page can be checked for each), and ratings dated last
month, the month the public page and the kiosks tell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hailong import contract
from hailong.topics import kiosk_topic
from tests.support import RawClient, RunningHub, hub_settings, wait_until, write_toml
from tests.support.hubdata import response

PASSWORD = "mật khẩu đủ dài"
OFFICE = "ubnd-phuoc"
PROVINCE = "khanh-hoa"
ROSTER = """
[[offices]]
id = "ubnd-phuoc"
name = "UBND phường Phước Hải"
province = "khanh-hoa"

[[counters]]
office = "ubnd-phuoc"
label = "quay-tiep-nhan-7"
name = "Quầy Tiếp Nhận Bảy"

[[officers]]
office = "ubnd-phuoc"
code = "cb-nguyen-van-xuan"
name = "Nguyễn Văn Xuân"

[[kiosks]]
office = "ubnd-phuoc"
id = "kiosk-cua-bac"
counter = "quay-tiep-nhan-7"
"""
# Four ratings last month: 3 of 4 overall answers are 4 or 5 (75 %), officer 2 of 3.
ANSWERS = [{"overall": 5, "officer": 4, "access": 4}, {"overall": 4, "officer": 2},
           {"overall": 2, "officer": 5, "access": 5}, {"overall": 5}]


def last_month_moment() -> datetime:
    """Noon on the 10th of last month in Ho Chi Minh City (05:00 UTC)."""
    first_of_this = datetime.now(UTC).replace(day=1, hour=5, minute=0, second=0, microsecond=0)
    return (first_of_this - timedelta(days=20)).replace(day=10)


def public_hub(tmp: Path, broker_url: str, client_id: str, public: str = "enabled = true"
               ) -> RunningHub:
    """A hub with the roster above, min_n 3, ``[public]`` as given, and last month's ratings."""
    roster = write_toml(tmp / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp / "hub", broker_url, roster=str(roster),
                                      client_id=client_id, hub="min_n = 3", public=public))
    raw = RawClient(broker_url)
    at = last_month_moment()
    for seq, given in enumerate(ANSWERS, start=1):
        raw.publish(kiosk_topic(OFFICE, "kiosk-cua-bac", "response"), contract.encode(
            response(OFFICE, "kiosk-cua-bac", seq, answers=given, counter="quay-tiep-nhan-7",
                     officer="cb-nguyen-van-xuan", at=at + timedelta(minutes=seq))))
    raw.close()
    wait_until(lambda: running.hub.ingestor.counters.stored == len(ANSWERS),
               message="last month's ratings stored")
    return running
