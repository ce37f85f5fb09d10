"""An action's factor over a window, as the report's page and workbook word it."""

from __future__ import annotations

import pytest

from hub.i18n import Texts
from hub.web.report_files import window_text


@pytest.mark.parametrize(("score", "lang", "text"), [
    ({"n": 40, "satisfied": 0.75, "ci95": [0.6, 0.875], "too_few": False}, "vi",
     "75% (khoảng tin cậy 95%: 60–88%; 40 lượt)"),
    ({"n": 1234, "satisfied": 0.9, "ci95": [0.88, 0.92], "too_few": False}, "en",
     "90 % (95 % interval: 88–92 %; 1,234 answers)"),
    ({"n": 2, "satisfied": None, "ci95": None, "too_few": True}, "vi", "chưa đủ lượt (2 lượt)"),
    (None, "vi", "chưa đến hạn"),
])
def test_a_window_in_words(score: dict[str, object] | None, lang: str, text: str) -> None:
    assert window_text(score, Texts(lang)) == text  # type: ignore[arg-type]
