"""The dashboard's pure parts: texts in both languages, colour bands, SVG charts, page views."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from hailong.questionnaire import load_catalog
from hub.admin.grants import ROLES
from hub.i18n import LANGS, Texts, catalogue
from hub.scores.actions import PROBLEM_KINDS, STATUSES
from hub.scores.report_model import ASPECTS, PERIODS
from hub.scores.scores import office_scores
from hub.store.alert_reads import ALERT_STATES
from hub.web.alert_actions import OUTCOMES
from hub.web.attention import COMPARED
from hub.web.charts import COLOURS, SCALE_COLOURS, DayPoint, band, daily_chart, distribution_bar
from hub.web.params import KINDS
from hub.web.views import QuestionLabels, live_view
from tests.support import REPO

WEB = REPO / "hub" / "web"
HEADINGS = {"overall": "Overall question", "factor": "Factor {factor}"}


def test_every_text_exists_in_both_languages_and_every_key_used_exists() -> None:
    texts = catalogue()
    for key, languages in texts.items():
        for lang in LANGS:
            assert languages[lang].strip(), f"{key} has no {lang} text"
        assert set(re.findall(r"{(\w+)}", languages["vi"])) == set(
            re.findall(r"{(\w+)}", languages["en"])), f"{key}: placeholders differ"
    used: set[str] = set()
    # the official documents' and the alert mails' words are the catalogue's too
    for path in [*WEB.glob("templates/*.html"), *WEB.rglob("*.py"),
                 *(WEB.parent / "documents").glob("*.py"), *(WEB.parent / "notify").glob("*.py")]:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]*[a-z0-9_])["']""", source))
        used |= set(re.findall(r"""texts\.t\(\s*["']([a-z0-9_.]*[a-z0-9_])["']""", source))
        # a period's errors carry their key to the page that says them (PeriodError), as do
        # the province report's (ProvinceAskError); the long XLSX's headers, the error pages'
        used |= set(re.findall(r'"(period\.error\.[a-z_]+)"', source))
        used |= {k for k in re.findall(r'"((?:province|xlsx|error)\.[a-z0-9_.]*[a-z0-9_])"',
                                       source) if not k.endswith(".html")}  # not a template
    # The report's sections name their texts as catalogue keys (hub/scores/report*.py).
    reports = "".join(p.read_text(encoding="utf-8") for pattern in ("report*.py", "province*.py")
                      for p in (WEB.parent / "scores").glob(pattern))
    used |= set(re.findall(r'"((?:report|province)\.[a-z0-9_.]*[a-z0-9_])"', reports))
    used = {k for k in used if not k.endswith("_")}  # prefixes joined in templates: t("x_" ~ p)
    sections = {k for k in used if k.startswith("report.s.")}
    used |= {f"report.s.by_{p}" for p in PERIODS} | {f"report.col.{p}" for p in PERIODS}
    used |= {f"{s}.sheet" for s in sections | {f"report.s.by_{p}" for p in PERIODS}}
    used |= {"report.too_few", "report.sensitive", "report.differs",  # flags: report.{column}
             "report.significant"}
    # the province report's names joined in code and templates
    used |= {f"province.figure.{f}" for f in ("index", "overall")}
    used |= {f"province.change.{d}" for d in ("up", "down")}
    used |= {f"province.report.sort.{s}" for s in ("satisfied", "lower")}
    used |= {f"province.report.{s}_lead" for s in ("integrity", "needs")}
    # the printed report's appendix is headed as an aspect (hub/web/report_pages.printed_groups)
    used |= {f"report.aspect.{a}{lead}" for a in (*ASPECTS, "appendix") for lead in ("", ".lead")}
    used |= {f"province.kind.{k}" for k in KINDS}
    used |= {f"kiosk.state.{s}" for s in ("online", "offline", "unknown")}
    used |= {f"kiosk.scanner.{s}" for s in ("ok", "absent", "error", "unknown")}
    used |= {f"kiosk.storage.{s}" for s in ("full", "error")}  # the status's storage
    used |= {f"fleet.config.{s}" for s in ("applied", "pending", "error", "none")}
    used |= {f"scale.{level}" for level in range(1, 6)} | {f"role.{r}" for r in ROLES}
    used |= {f"live.compare.{key}" for key in COMPARED}
    used |= {f"live.change.{change}" for change in ("up", "down", "same")}
    # values named by a column's prefix (Column.names): channels, alert states, factors, levels
    used |= {f"alert.state.{s}" for s in ("open", "closed")}
    # the alerts page and its forms (hub/web/alert_pages.py, templates/_alerts*.html)
    used |= {f"alerts.state.{s}" for s in ALERT_STATES} | {f"alerts.done.{o}" for o in OUTCOMES}
    used |= {f"alerts.ev.{a}" for a in ("ack", "close")}
    used |= {f"alerts.notice.{c}" for c in ("email", "webhook")}
    used |= {f"report.factor.{f}" for f in ("overall", "1", "2", "3", "4", "5")}
    used |= {f"report.level.{level}" for level in ("factor", "question")}
    # the official documents' keys joined from a name: a part, a period's chart, a breakdown
    used |= {f"doc.part.{p}" for p in ("results", "limits", "causes", "solutions")}
    used |= {f"doc.chart.{p}" for p in PERIODS} | {"doc.col.counters", "doc.col.officers"}
    # the plan of actions: keys named in code and templates, statuses, kinds and windows joined
    for path in [*WEB.glob("templates/actions*.html"), *WEB.rglob("*.py"),
                 *(WEB.parent / "scores").glob("*actions.py")]:
        used |= {k for k in re.findall(r'"(actions\.[a-z0-9_.]*[a-z0-9_])"',
                                       path.read_text(encoding="utf-8")) if k != "actions.html"}
    used |= {f"actions.status.{s}" for s in STATUSES} | {f"actions.kind.{k}" for k in PROBLEM_KINDS}
    used |= {f"actions.col.{side}{part}" for side in ("before", "after")
             for part in ("", "_n", "_reading")}
    used |= {"actions.title.sheet", "actions.reading.too_few", "actions.error.measure",
             "actions.error.responsible"}  # a sheet's name, a window's reading, fields' errors
    # the phone questionnaire's words joined in code and templates (hub/web/rating_pages.py)
    used |= {f"rate.scale.{level}" for level in range(1, 6)}
    used |= {f"rate.refused.{why}" for why in ("busy", "expired", "form", "limited", "tampered",
                                               "used")}
    used |= {f"rate.problem.{p}" for p in ("choose", "too_many")} | {"channel.web-poster"}
    missing = used - set(texts)
    assert not missing, f"texts used but not in messages.toml: {sorted(missing)}"
    unused = set(texts) - used
    assert not unused, f"texts in messages.toml that nothing uses: {sorted(unused)}"


def test_numbers_and_days_are_written_as_each_language_writes_them() -> None:
    vi, en = Texts("vi"), Texts("en")
    assert vi.number(1234.5, 1) == "1.234,5" and en.number(1234.5, 1) == "1,234.5"
    assert vi.percent(0.8567) == "86%" and vi.percent(None) == "—"  # 83%, never 83 %
    assert vi.interval((0.5812, 0.8249)) == "58–82%" and en.interval(None) == "—"
    assert vi.day(date(2026, 3, 9)) == "09/03/2026" and en.day(date(2026, 3, 9)) == "2026-03-09"
    assert vi.t("signin.locked", minutes=3) == "Đăng nhập sai quá nhiều lần. Hãy thử lại sau 3 phút."


def test_cells_below_the_minimum_n_are_never_coloured() -> None:
    assert band(0.95, 29, 30) == "none" and band(None, 0, 30) == "none"
    assert band(0.80, 30, 30) == "good" and band(0.7999, 30, 30) == "fair"
    assert band(0.60, 100, 30) == "fair" and band(0.59, 100, 30) == "poor"


def test_the_daily_chart_prints_each_value_beside_its_colour() -> None:
    start = date(2026, 11, 1)
    points = [DayPoint(start, 40, 0.85, (0.71, 0.93)), DayPoint(start + timedelta(days=1), 0, None, None),
              DayPoint(start + timedelta(days=2), 5, 0.4, (0.12, 0.77))]
    both = str(daily_chart(points, 30, Texts("vi")))
    wide, narrow = (f"<svg{part}" for part in both.split("<svg")[1:])
    assert 'class="chart chart-wide"' in wide and 'class="chart chart-narrow"' in narrow
    for svg in (wide, narrow):  # the phone's chart says the same, with fewer labels
        assert svg.endswith("</svg>")
        assert 'role="img" aria-label="30 ngày qua: tỷ lệ hài lòng mỗi ngày"' in svg
        assert f'fill="{COLOURS["good"]}"' in svg  # n = 40: coloured
        assert 'class="dot hollow"' in svg  # n = 5: too few, hollow, uncoloured
        assert "01/11/2026: 85% (n = 40, khoảng tin cậy 95% 71–93%)" in svg
        assert "02/11/2026: n = 0" in svg
    assert wide.count('class="value"') == 2  # a printed number for each day with answers
    assert ">85</text>" in wide and ">40</text>" in wide
    assert 'class="value"' not in narrow  # too many to print on a phone: the table has them


def test_the_distribution_bar_has_one_segment_per_answer_given() -> None:
    svg = str(distribution_bar([1, 0, 2, 3, 4]))
    assert svg.count("<rect") == 4 and 'aria-hidden="true"' in svg  # the counts are printed
    assert f'x="96.00" y="0" width="64.00" height="16" fill="{SCALE_COLOURS[4]}"' in svg
    assert "class=\"empty\"" in str(distribution_bar([0, 0, 0, 0, 0]))


def test_the_live_view_labels_questions_and_marks_small_cells() -> None:
    day = date(2026, 11, 23)
    rows = [{"question": "overall", "d1": 1, "d2": 0, "d3": 0, "d4": 10, "d5": 29},
            {"question": "officer", "d1": 0, "d2": 1, "d3": 1, "d4": 2, "d5": 1},
            {"question": "custom-q", "d1": 0, "d2": 0, "d3": 0, "d4": 0, "d5": 1}]
    today = office_scores("ubnd-a", day, day, 41, rows)
    empty = office_scores("ubnd-a", day - timedelta(days=1), day - timedelta(days=1), 0, [])
    view = live_view(today, [empty, today], QuestionLabels(load_catalog().values()), "en", 30,
                     HEADINGS)
    assert view.responses == 41 and view.overall is not None
    assert view.overall.satisfied == 39 / 40 and view.overall.band == "good"
    assert view.overall.heading == "Overall question"
    officer = next(r for r in view.questions if r.id == "officer")
    assert officer.heading == "Factor 3: Officers handling the work"
    assert officer.text == "Attitude and guidance of the receiving officer"
    assert officer.too_few and officer.band == "none" and officer.dist == (0, 1, 1, 2, 1)
    custom = next(r for r in view.questions if r.id == "custom-q")
    assert custom.heading == "custom-q" and custom.text == ""
    assert [(p.n, p.satisfied) for p in view.days] == [(0, None), (40, 39 / 40)]


def test_questions_are_worded_by_the_questionnaire_of_the_offices_kind() -> None:
    labels = QuestionLabels(load_catalog().values())
    hospital, admin = labels.get("overall", "hospital"), labels.get("overall", "admin")
    assert hospital is not None and admin is not None
    assert hospital.text["vi"] == "Nhìn chung, Ông/Bà hài lòng thế nào với lần khám, chữa bệnh hôm nay?"
    assert admin.text["vi"] == "Nhìn chung, Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hôm nay?"
    assert labels.get("overall") == admin  # an admin office unless told otherwise
    reach = labels.get("reach", "hospital")
    assert reach is not None and reach.factor_text["en"] == "Access"
    today = office_scores("bv-1", date(2026, 11, 2), date(2026, 11, 2), 1, [
        {"question": "overall", "d1": 0, "d2": 0, "d3": 0, "d4": 1, "d5": 0}])
    view = live_view(today, (), labels, "en", 30, HEADINGS, "hospital")
    assert view.questions[0].text == "Overall, how satisfied are you with your care today?"


def test_a_time_zone_is_named_as_people_name_it() -> None:
    from zoneinfo import ZoneInfo

    from hub.web.render import zone_name

    assert zone_name(Texts("vi"), ZoneInfo("Asia/Ho_Chi_Minh")) == "giờ Việt Nam (UTC+7)"
    assert zone_name(Texts("en"), ZoneInfo("Asia/Saigon")) == "Vietnam time (UTC+7)"
    assert zone_name(Texts("en"), ZoneInfo("Asia/Kolkata")) == "UTC+5:30"
    assert zone_name(Texts("vi"), ZoneInfo("America/St_Johns"),
                     datetime(2026, 1, 5, tzinfo=UTC)) == "UTC-3:30"
