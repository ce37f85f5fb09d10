"""The survey upload page and the channels side by side in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import PASSWORD, RunningHub, wait_until
from tests.support.browser import (
    Tab,
    upload,
)
from tests.support.surveys import EXAMPLE, seed_kiosk


@pytest.fixture
def tab(chromium: Any, survey_site: RunningHub) -> Iterator[Tab]:
    opened = Tab(chromium, survey_site.url)
    yield opened
    opened.close()


def test_an_admin_uploads_sees_the_problems_then_the_survey_beside_the_kiosk(
        survey_site: RunningHub, tab: Tab, tmp_path: Path) -> None:
    seed_kiosk(survey_site)
    tab.sign_in("root", PASSWORD, "/signin?next=/surveys&lang=en")
    assert tab.page.url.endswith("/surveys")
    assert tab.page.inner_text("label[for=survey-channel]") == "Channel"
    # a forged upload without the form's CSRF token is refused, and nothing is imported
    status = tab.page.evaluate("""async () => {
        const body = new FormData(); body.append('channel', 'phone');
        body.append('file', new Blob(['office,date,overall\\ndemo,2026-11-05,4\\n']), 'x.csv');
        const reply = await fetch('/surveys', {method: 'POST', body});
        return reply.status; }""")
    assert status == 403

    broken = tmp_path / "broken.csv"
    broken.write_text("office,date,overall,speed\ndemo,2026-11-05,9,\n", encoding="utf-8")
    upload(tab, broken, "phone")
    problems = tab.page.locator("#survey-problems li").all_inner_texts()
    assert problems == [
        "row 1, column speed: unknown question 'speed': a column is office, date, channel, "
        "respondent or a rating question id (access, amenities, feedback, information, "
        "learning, listening, notices, officer, outcome, overall, premises, procedure, reach, "
        "result, staff, teachers)",
        "row 2, column overall: '9' is not an answer of the 5-level scale (1–5 or its labels, "
        "blank when skipped)"]
    assert "nothing was imported" in tab.page.inner_text("#survey-problems")
    assert tab.page.locator("#imports").count() == 0

    upload(tab, EXAMPLE, "phone")
    assert tab.page.inner_text("#survey-message").startswith(
        "Imported 80 respondents from example-phone.csv (import ")
    row = tab.page.locator("#imports tbody tr")
    assert row.count() == 1 and row.get_attribute("data-state") == "imported"

    with tab.page.expect_navigation():
        tab.page.click("#imports a[href='/offices/demo/channels']")
    assert "/offices/demo/channels" in tab.page.url
    overall = tab.page.locator("#channels-questions tr[data-key=overall]")
    assert overall.get_attribute("class") == "marked"
    phone = overall.locator("td[data-channel=phone]")
    assert "differs" in (phone.get_attribute("class") or "")
    assert phone.locator(".share").inner_text() == "30 %"
    assert overall.locator(".differs-note").inner_text() == (
        "Difference: kiosk 91 % (n 44) vs phone survey 30 % (n 80)")
    # one question per factor (SIPAS): the same rows by factor are not shown a second time
    assert tab.page.locator("#channels-factors").count() == 0
    assert tab.page.locator("#channels-once").count() == 1

    # undo from the list asks first: "no" leaves the import, "yes" undoes it and the survey
    # is gone from the side-by-side view
    tab.goto("/surveys")
    asked: list[str] = []
    tab.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    tab.page.click("#imports form button")
    wait_until(lambda: asked, interval=0.05, message="the question before undoing")
    assert asked == ["Undo the import of “example-phone.csv” (80 respondents)? Its results will "
                     "no longer count."]
    tab.goto("/surveys")
    assert tab.page.locator("#imports tbody tr").get_attribute("data-state") == "imported"
    tab.page.once("dialog", lambda dialog: dialog.accept())
    with tab.page.expect_navigation():
        tab.page.click("#imports form button")
    assert tab.page.locator("#imports tbody tr").get_attribute("data-state") == "undone"
    tab.goto("/offices/demo/channels?from=2026-11-01&to=2026-11-30")
    assert tab.page.locator("#channels-questions td[data-channel=phone]").count() == 0
    assert tab.page.locator(".channels-block .note").first.inner_text().startswith(
        "No survey results in this range")


def test_a_head_may_compare_channels_but_not_import(survey_site: RunningHub, tab: Tab) -> None:
    seed_kiosk(survey_site)
    tab.sign_in("lan", PASSWORD, "/signin?lang=en")
    response = tab.goto("/surveys")
    assert response.status == 403
    assert tab.page.locator("a[href='/surveys']").count() == 0
    response = tab.goto("/offices/demo/channels?from=2026-11-01&to=2026-11-30")
    assert response.status == 200
    assert tab.page.locator("#channels-questions td[data-channel=kiosk] .share").first \
        .inner_text() == "91 %"
    assert tab.page.locator("#channels-questions td[data-channel=phone]").count() == 0
