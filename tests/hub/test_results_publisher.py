"""The hub republishes an office's results when its month closes and when an action is done:
a real SQLite store and the real documents; only the publish (the MQTT client) is a list."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hailong import contract
from hailong.questionnaire import load_catalog
from hub.admin.actions import save_action
from hub.admin.results import ResultsPublisher
from hub.roster import Roster
from hub.scores.documents import Documents
from hub.settings import CredibilitySection
from hub.store import Store

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_closed_month_and_a_done_action_are_published(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.upgrade()
    store.apply_roster(Roster.model_validate({"offices": [{"id": "ubnd-a", "name": "A"}]}))
    now = [datetime(2026, 11, 30, 16, 0, tzinfo=UTC)]  # 23:00 on 30 November in Vietnam
    documents = Documents(store.read, lambda _office: VN, load_catalog(), 30,
                          CredibilitySection(), clock=lambda: now[0])
    sent: list[tuple[str, bytes, bool]] = []
    publisher = ResultsPublisher(documents, store.read.office_ids,
                                 lambda topic, payload, retain: sent.append((topic, payload, retain)))
    try:
        assert publisher.check_months() == ["ubnd-a"]  # at start: every office
        assert publisher.check_months() == []  # the same month: nothing new
        now[0] = datetime(2026, 11, 30, 17, 1, tzinfo=UTC)  # 00:01 on 1 December in Vietnam
        assert publisher.check_months() == ["ubnd-a"]
        months = [contract.decode_document("results", p)["month"] for _, p, _ in sent]
        assert months == ["2026-10", "2026-11"]
        assert {(topic, retain) for topic, _, retain in sent} == {
            ("hailong/v1/ubnd-a/results", True)}

        now[0] = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
        saved = save_action(store, documents, "ubnd-a", {
            "problem_kind": "factor", "problem_ref": "1", "measure": "Thêm ghế",
            "responsible": "Văn phòng", "due": "2026-11-30", "status": "in_progress"},
            "lan", done=publisher.changed)
        assert len(sent) == 2  # not done yet: nothing to tell
        save_action(store, documents, "ubnd-a", {"status": "done", "result": "Đủ chỗ"}, "lan",
                    saved["id"], done=publisher.changed)
        assert len(sent) == 3  # told at once (done in December: the month that closes next)
        told = contract.decode_document("results", sent[-1][1])
        assert (told["month"], told["action"]) == ("2026-11", None)
        now[0] = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # December has closed
        assert publisher.check_months() == ["ubnd-a"]
        told = contract.decode_document("results", sent[-1][1])
        assert (told["month"], told["action"]) == (
            "2026-12", {"measure": "Thêm ghế", "result": "Đủ chỗ"})
        row = store.read.action("ubnd-a", saved["id"])
        assert row is not None and row["done_at"] is not None
        assert row["updated_by"] == "lan" and row["due"] == date(2026, 11, 30)
    finally:
        store.close()
