"""The public page tells the integrity questions for the whole province only: pooled over its
offices (3 here), never beside an office. A real hub over real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from tests.support import RawClient, RunningHub, hub_settings, wait_until, write_toml
from tests.support.actions import last_month_moment
from tests.support.hubdata import response

OFFICES = ("xa-mot", "xa-hai", "xa-ba")
ROSTER = "\n".join(f'[[offices]]\nid = "{o}"\nname = "UBND xã {o[3:]}"\nprovince = "lam-dong"\n'
                   for o in OFFICES)
# Per office: harassment yes / no answers last month. Pooled: 1 yes of 6 → 17%.
ANSWERS = {"xa-mot": ["yes", "no"], "xa-hai": ["no", "no"], "xa-ba": ["no", "no"]}


def test_integrity_is_pooled_over_the_province_and_never_shown_per_office(
        tmp_path: Path, broker: Broker) -> None:
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-integrity", hub="min_n = 3",
                                      public="enabled = true"))
    try:
        raw = RawClient(broker.url)
        at = last_month_moment()
        for office, answers in ANSWERS.items():
            for seq, answer in enumerate(answers, start=1):
                raw.publish(kiosk_topic(office, "k1", "response"), contract.encode(response(
                    office, "k1", seq, questionnaire="sipas@3", at=at,
                    answers={"overall": 4, "integrity-harassment": [answer]})))
        raw.close()
        wait_until(lambda: running.hub.ingestor.counters.stored == 6, message="ratings stored")
        page = httpx.get(f"{running.url}/public/lam-dong", timeout=30)
        assert page.status_code == 200
        sections = page.text.split('class="block public-integrity"')
        assert len(sections) == 2
        offices, province = sections
        assert "17% trả lời Có" in province  # 1 of 6, over the three offices
        assert "(khoảng tin cậy 95%" in province
        assert "trả lời Có" not in offices and "sách nhiễu" not in offices
        assert all(f"UBND xã {o[3:]}" in offices for o in OFFICES)
    finally:
        running.stop()
