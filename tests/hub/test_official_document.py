"""The official documents' model (hub/documents/) against hand-computed values: the figures in
words, the lowest factor, the channels said once, the header from ``[report]``, the units below
the province's index; and both renderers read back (python-docx, pypdf)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from hub.documents.chart import chart_png
from hub.documents.docx_file import document_docx
from hub.documents.model import MOTTO, NATIONAL_TITLE, Chart
from hub.documents.office_report import channel_sentence, lowest_factor, office_document
from hub.documents.pdf_file import document_pdf, spanned
from hub.documents.phrases import figure_text, header_fields
from hub.documents.province_report import province_document
from hub.documents.settings import ReportSection
from hub.i18n import Texts
from hub.scores.bands import COLOURS
from hub.scores.change import Change
from hub.scores.method import FACTORS
from hub.scores.province_report import Figure, ProvinceReport, Unit
from hub.scores.report_model import Report, ReportInputs, Section

VI = Texts("vi")
SETTINGS = ReportSection(body="Sở Nội vụ", superior="UBND tỉnh Lâm Đồng", symbol="SNV",
                         place="Lâm Đồng", signer_title="KT. Giám đốc / Phó Giám đốc",
                         signer_name="Trần Văn Bình")


def score(satisfied: int, n: int) -> dict[str, Any]:
    """A share score as the API gives it (the interval is not checked here: any two numbers)."""
    return {"n": n, "satisfied": satisfied / n, "satisfied_ci95": [0.5, 0.9]}


def test_a_figure_reads_with_its_n_and_interval_and_none_says_no_ratings() -> None:
    assert figure_text(VI, 0.659, 71, [0.616, 0.703]) == (
        "65,9% (n = 71; khoảng tin cậy 95%: 61,6%–70,3%)")
    assert figure_text(VI, None, 0, None) == "chưa có lượt đánh giá"
    assert figure_text(Texts("en"), 0.5, 2, [0.1, 0.9]) == "50.0 % (n = 2; 95 % interval: 10.0 %–90.0 %)"


def test_the_lowest_factor_is_the_answered_one_with_the_smallest_share() -> None:
    factors = {"1": score(30, 40), "2": score(10, 40), "3": {"n": 0, "satisfied": None},
               "overall": score(1, 40)}  # the overall question is no factor
    assert lowest_factor(factors) == ("2", factors["2"])
    assert lowest_factor({}) is None


def test_the_channels_are_compared_once_on_the_overall_question() -> None:
    document = {"channels": ["kiosk", "phone", "paper"], "questions": [
        {"key": "overall", "channels": {"kiosk": score(36, 40), "phone": score(10, 20),
                                        "paper": {"n": 0, "satisfied": None}},
         "differs": {"phone": True, "paper": None}}]}
    assert channel_sentence(document, "kiosk", VI) == (
        "So sánh giữa các kênh (câu hỏi đánh giá chung): máy đánh giá 90,0% (n = 40); "
        "khảo sát qua điện thoại 50,0% (n = 20), khác biệt có ý nghĩa thống kê.")
    alone = {"channels": ["kiosk"], "questions": document["questions"]}
    assert channel_sentence(alone, "kiosk", VI).startswith("Trong kỳ chưa có khảo sát")


def test_the_header_and_signature_come_from_the_settings_or_are_left_to_fill_in() -> None:
    fields = header_fields(VI, SETTINGS, "Bộ phận Một cửa")
    assert (fields["superior"], fields["body"], fields["number"], fields["place_date"]) == (
        "UBND TỈNH LÂM ĐỒNG", "SỞ NỘI VỤ", "Số: …/BC-SNV", "Lâm Đồng, ngày … tháng … năm …")
    assert fields["signer_title"] == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert fields["recipients"] == ("- Như trên;", "- Lưu: VT.")
    blank = header_fields(VI, ReportSection(), "Bộ phận Một cửa xã A")
    assert (blank["superior"], blank["body"], blank["number"], blank["place_date"],
            blank["signer_title"]) == ("", "BỘ PHẬN MỘT CỬA XÃ A", "Số: …/BC-…",
                                       "…, ngày … tháng … năm …", ("…",))


def office_report() -> Report:
    """Three days: 3 ratings on the 1st (2 satisfied), none on the 2nd, 1 on the 3rd."""
    overall = score(3, 4)
    factors = {k: score(3, 4) for k in FACTORS} | {"5": score(1, 4)}
    cells = [{"key": "2026-11-01", "responses": 3, "questions": {"overall": score(2, 3)}},
             {"key": "2026-11-02", "responses": 0, "questions": {}},
             {"key": "2026-11-03", "responses": 1, "questions": {"overall": score(1, 1)}}]
    inputs = ReportInputs(
        office={"id": "ubnd-a", "name": "UBND xã A"}, first=date(2026, 11, 1),
        last=date(2026, 11, 3), period="day",
        scores={"min_n": 30, "responses": 4, "questions": {"overall": overall}},
        questions={"cells": [{"key": "overall", "type": "rating", "n": 4, "satisfied": 0.75,
                              "satisfied_ci95": [0.5, 0.9], "text": {"vi": "Nhìn chung"}}]},
        counters={"cells": []}, officers={"cells": []}, periods={"cells": cells}, reasons={},
        flags={}, alerts=[], factor_names={"5": {"vi": "Góp ý"}}, aspects={},
        channels={"channels": ["kiosk"], "questions": []},
        index={"index": {"value": 0.65, "n": 4, "ci95": [0.4, 0.9], "missing": []},
               "factors": factors})
    return Report(inputs, (Section("integrity", "report.s.integrity", (), []),))


def test_the_office_document_says_the_computed_facts_in_sentences() -> None:
    document = office_document(office_report(), SETTINGS, VI)
    results, *others = document.parts
    assert results.heading == "1. Kết quả"
    assert results.sentences == (
        "Trong thời gian từ ngày 01/11/2026 đến ngày 03/11/2026, UBND xã A nhận được 4 lượt "
        "đánh giá qua máy đánh giá.",
        "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS, trung bình cộng của 5 yếu tố) đạt "
        "65,0% (n = 4; khoảng tin cậy 95%: 40,0%–90,0%).",
        "Tỷ lệ hài lòng với câu hỏi đánh giá chung là 75,0% (n = 4; khoảng tin cậy 95%: "
        "50,0%–90,0%).",
        "Yếu tố có tỷ lệ hài lòng thấp nhất là “Góp ý”: 25,0% (n = 4; khoảng tin cậy 95%: "
        "50,0%–90,0%).",
        "Trong kỳ chưa có khảo sát qua kênh khác để so sánh với máy đánh giá.",
        "Số lượt đánh giá dưới 30: các tỷ lệ trên chỉ để tham khảo.")
    assert [(p.heading, p.sentences, p.blank_lines) for p in others] == [
        ("2. Hạn chế", (), 3), ("3. Nguyên nhân", (), 3), ("4. Giải pháp", (), 3)]
    assert dict(document.figures)["Kênh đánh giá"] == "Máy đánh giá"
    # the chart and the appendix say "no ratings" for the empty day, never "too few"
    assert results.chart is not None and results.chart.values == (2 / 3, None, 1.0)
    days = document.appendix[0]
    assert days.rows[1] == ("02/11/2026", "0", "0", "chưa có lượt đánh giá", "")
    assert days.rows[0][3] == "66,7%*"  # 3 answers, under the minimum n: starred once
    assert spanned(days.rows[1])[-1] == ("chưa có lượt đánh giá", 2)


def figure(value: float | None, n: int, min_n: int = 30) -> Figure:
    return Figure(value, n, None if value is None else value - 0.1,
                  None if value is None else value + 0.1, n < min_n)


def unit(office: str, index: float, rank: int | None, n: int = 100) -> Unit:
    figures = {"index": figure(index, n), "overall": figure(index, n),
               **{k: figure(index, n) for k in FACTORS}}
    return Unit(office, f"UBND {office}", True, figures, {}, (), "overall", rank)


def test_the_province_document_names_the_units_below_the_provinces_index() -> None:
    totals = {"index": figure(0.75, 230), "overall": figure(0.8, 230),
              **{k: figure(0.7 + int(k) / 100, 230) for k in FACTORS}}
    report = ProvinceReport(
        "lam-dong", "admin", date(2026, 11, 1), date(2026, 11, 30), date(2026, 10, 2),
        date(2026, 10, 31), 30, "index", "satisfied",
        (unit("a", 0.9, 1), unit("b", 0.6, 2)), (unit("c", 0.5, None, n=12),), totals,
        {k: Change(None, 0, None, None, False) for k in totals}, [], {"choices": []},
        {"1": {"vi": "Tiếp cận"}})
    document = province_document(report, SETTINGS, VI)
    sentences = document.parts[0].sentences
    assert "Các cơ quan có Chỉ số SIPAS thấp hơn của tỉnh: UBND b (60,0%)." in sentences
    assert "Yếu tố có tỷ lệ hài lòng thấp nhất là “Tiếp cận”: 71,0% (n = 230; khoảng tin cậy " \
           "95%: 61,0%–81,0%)." in sentences
    assert "1 cơ quan có dưới 30 lượt đánh giá, được liệt kê riêng và không xếp hạng." in sentences
    ranking = document.parts[0].tables[0]
    assert [row[:2] for row in ranking.rows] == [("1", "UBND a"), ("2", "UBND b"),
                                                 ("—", "UBND c")]


def test_both_renderers_carry_the_same_words() -> None:
    from docx import Document
    from pypdf import PdfReader

    document = office_document(office_report(), SETTINGS, VI)
    docx = Document(io.BytesIO(document_docx(document)))
    words = "\n".join([p.text for p in docx.paragraphs] + [
        c.text for t in docx.tables for r in t.rows for c in r.cells])
    reader = PdfReader(io.BytesIO(document_pdf(document)))
    pdf = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for text in (NATIONAL_TITLE, MOTTO, "SỞ NỘI VỤ", "Số: …/BC-SNV", "PHÓ GIÁM ĐỐC",
                 document.parts[0].sentences[1], "chưa có lượt đánh giá"):
        assert text in words, text
        assert text in pdf, text
    assert len(reader.pages) <= 2


def test_the_chart_draws_a_bar_per_rated_period_in_its_band_colour() -> None:
    from PIL import Image

    png = chart_png(Chart("t", ("01/11", "02/11", "03/11"), (0.9, None, 0.5), (40, 0, 40),
                          "chưa có lượt đánh giá", "alt"))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (945, 270)
    colour = "#{:02X}{:02X}{:02X}".format(*image.getpixel((70 + 145, 200)))
    assert colour == COLOURS["good"]  # 90 %: good
    assert "#{:02X}{:02X}{:02X}".format(*image.getpixel((70 + 2 * 286 + 145, 200))) \
        == COLOURS["poor"]  # 50 %: poor
    assert image.getpixel((70 + 286 + 145, 150)) == (255, 255, 255)  # no bar: no ratings


def test_the_report_settings_refuse_a_mistake_with_a_reason_a_person_can_act_on() -> None:
    import pytest

    from hailong.settings import SettingsError, load_settings
    from hub.settings import HubSettings

    good = load_settings(HubSettings, None, env={"HAILONG_REPORT_SYMBOL": "SNV",
                                                 "HAILONG_REPORT_BODY": "Sở Nội vụ"})
    assert (good.report.symbol, good.report.body) == ("SNV", "Sở Nội vụ")
    assert good.report.recipients == ["Như trên", "Lưu: VT"]
    for key, value, reason in (("SYMBOL", "snv", "capital letters, digits and hyphens"),
                               ("PLACE", "Lâm\nĐồng", "one line of text")):
        with pytest.raises(SettingsError, match=reason):
            load_settings(HubSettings, None, env={f"HAILONG_REPORT_{key}": value})
