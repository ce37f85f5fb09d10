"""The people's CSV cells (hub/web/report_files.py): how a Vietnamese reader sees a figure."""

from __future__ import annotations

from hub.i18n import Texts
from hub.scores.report_model import Column
from hub.web.report_files import people_value

VI = Texts("vi")
SHARE = Column("change", "province.col.change", "share")


def test_shares_read_as_percentages_and_a_negative_one_is_no_formula() -> None:
    assert people_value({"change": 0.4}, SHARE, VI, None) == "40,0%"
    assert people_value({"change": -0.123}, SHARE, VI, None) == "\u221212,3%"
    value = Column("value", "report.col.value", "share")
    assert people_value({"value": 0.8}, value, VI, None) == "80,0%"
    # the summary's value column says per row whether it is a share
    number = Column("value", "report.col.value", "number")
    assert people_value({"value": 120}, number, VI, None) == 120
    assert people_value({"value": 0.5, "kind": "share"}, number, VI, None) == "50,0%"


def test_none_at_all_is_not_too_few() -> None:
    flag = Column("too_few", "report.col.too_few", "flag")
    assert people_value({"too_few": True, "n": 0}, flag, VI, None) == "chưa có lượt đánh giá"
    assert people_value({"too_few": True, "n": 4}, flag, VI, None) == "chưa đủ số lượt đánh giá"
    assert people_value({"too_few": False, "n": 40}, flag, VI, None) == ""
