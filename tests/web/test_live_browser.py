"""Live without jumps, in a real headless Chromium: ratings change the office page's numbers in
place; open details stay open, focus and scroll stay put, and an update is a small patch."""

from __future__ import annotations

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, RunningHub, wait_until
from tests.support.browser import Tab, publish, responses_shown, wait_live

UPDATES = 10
# The bound for one live update on the wire (the patch fetched, headers included).
UPDATE_BYTES = 2000
FETCHES = """() => performance.getEntriesByType('resource')
  .filter(e => e.name.includes('/live?since='))
  .map(e => [e.name, e.transferSize])"""
KEPT = """() => [document.querySelector('#live details.figures').open,
                 document.activeElement === document.querySelector('#live details.figures summary'),
                 window.scrollY, window.notReloaded === true]"""


def test_details_stay_open_and_focus_and_scroll_stay_put_across_ten_live_updates(
        broker: Broker, hub: RunningHub, people: Accounts, tab: Tab) -> None:
    publish(broker.url, "ubnd-a")
    wait_until(lambda: hub.hub.ingestor.counters.stored == 1, message="the first rating")
    tab.sign_in("lan", PASSWORD, "/signin?next=/offices/ubnd-a")
    wait_live(tab)
    # the page's own first fetch (the whole live part) is done before the reader starts
    wait_until(lambda: len(tab.page.evaluate(FETCHES)) >= 1, interval=0.05, message="the first fetch")
    tab.page.evaluate("window.notReloaded = true")
    tab.page.click("#live details.figures summary")  # opens the figures, focuses it
    tab.page.evaluate("document.querySelector('#live details.figures').scrollIntoView()")
    before = tab.page.evaluate(KEPT)
    assert before[0] and before[1] and before[2] > 0, before
    for count in range(2, UPDATES + 2):
        publish(broker.url, "ubnd-a")
        wait_until(lambda n=count: responses_shown(tab) == n, interval=0.02,
                   message=f"{count} responses on the page")
        assert tab.page.evaluate(KEPT) == before, f"after update {count - 1}"
    rows = tab.page.locator("#live details.figures tbody tr").first.inner_text()
    assert f"\t{UPDATES + 1}\t" in rows  # today's row, changed in place while open
    fetches = tab.page.evaluate(FETCHES)
    assert len(fetches) >= UPDATES + 1
    too_big = [(url, size) for url, size in fetches[1:] if size > UPDATE_BYTES]
    assert too_big == [], too_big
