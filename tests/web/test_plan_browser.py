"""The linkage-plan journey in a real browser (Chromium driven by Playwright), with axe-core. Run by
`make test-browser`; skipped unless CATALOGUE_BROWSER names a Chromium executable.

A researcher finds the National Pupil Database, Universal Credit and Hospital Episode Statistics, adds each to the
basket, opens the plan and downloads its CSV. The test counts the clicks (the goal is at most 12) and prints them.
"""
import csv
import io
import re
from pathlib import Path

import pytest

from tests.support.axe_helpers import assert_accessible
from tests.support.live import BROWSER_MARKS, chromium, serving

pytestmark = BROWSER_MARKS
JOURNEY = [("National Pupil Database", "National Pupil Database (NPD)", "iao.npd@example.org"),
           ("Universal Credit", "Universal Credit households and claimants", "iao.universalcredit@example.org"),
           ("Hospital Episode Statistics", "Hospital Episode Statistics Admitted Patient Care (HES APC)",
            "iao.hes@example.org")]
MAX_CLICKS = 12


def named(action: str, title: str):
    """A button's accessible name: Chromium puts a space before the visually hidden part ("Add to plan : NPD")."""
    return re.compile(rf"^{re.escape(action)}\s*:\s*{re.escape(title)}$")


@pytest.fixture(scope="module")
def server(app):
    """The whole seed catalogue (read-only: the basket lives in the browser's cookie)."""
    with serving(app, quiet=True) as url:
        yield url


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


class Clicks:
    """The page's click, counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()


def test_from_three_searches_to_a_downloaded_plan(server, browser, capsys):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    clicks = Clicks(page)
    page.goto(server + "/")
    for number, (query, title, _email) in enumerate(JOURNEY, 1):
        page.fill("#q", query)
        clicks.click(page.locator("button.app-search__button"))
        page.wait_for_url("**/search?q=*")
        result = page.locator("li.app-result").filter(has=page.get_by_role("link", name=title, exact=True))
        clicks.click(result.get_by_role("button", name=named("Add to plan", title)))
        page.wait_for_load_state()
        banner = page.inner_text(".govuk-notification-banner")
        assert f"Added '{title}' to your linkage plan ({number} of 25)." in banner
        assert page.get_by_role("link", name=f"My linkage plan ({number})").is_visible()
        assert result.get_by_role("button", name=named("Remove from plan", title)).is_visible()
    clicks.click(page.get_by_role("link", name="My linkage plan (3)"))
    page.wait_for_url("**/plan")
    main = page.inner_text("main")
    for text in ("ONS Secure Research Service", "NHS England Secure Data Environment",
                 "Digital Economy Act 2017 s.64", "Health and Social Care Act 2012 s.261",
                 *(email for _q, _t, email in JOURNEY), "Date of birth", "Sex", "Probabilistic only",
                 "Digital Economy Act 2017 s.64 cannot cover Hospital Episode Statistics"):
        assert text in main, text
    with page.expect_download() as download:
        clicks.click(page.get_by_role("link", name="CSV: one row per dataset and step"))
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [r["dataset_title"] for r in rows] == [t for _q, t, _e in JOURNEY]
    assert {r["environment"] for r in rows} == {"ONS Secure Research Service", "NHS England Secure Data Environment"}
    assert {r["iao_email"] for r in rows} == {e for _q, _t, e in JOURNEY}
    assert all("Date of birth" in r["links_in_plan"] for r in rows)
    assert "Digital Economy Act 2017 s.64 cannot cover" in rows[2]["gateway_exclusions"]
    with capsys.disabled():
        print(f"\nlinkage plan journey: {clicks.count} clicks from the home page to the plan's CSV "
              f"(goal: at most {MAX_CLICKS})")
    assert clicks.count <= MAX_CLICKS
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_basket_compare_and_plan_pages_pass_axe(server, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(server + "/plan/basket")
    assert_accessible(page)  # the empty basket
    for _query, title, _email in JOURNEY:
        page.goto(server + "/search?q=" + _query.replace(" ", "+"))
        result = page.locator("li.app-result").filter(has=page.get_by_role("link", name=title, exact=True))
        result.get_by_role("button", name=named("Add to plan", title)).click()
        page.wait_for_load_state()
    assert_accessible(page)  # a results page with the success banner and the buttons
    for path in ("/plan/basket", "/plan/compare", "/plan", "/plan/print"):
        page.goto(server + path)
        assert_accessible(page)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{path} scrolls sideways at {width} px ({wide} px)"
    d = ",".join(["dfe-national-pupil-database", "no-such-dataset"])
    page.goto(server + f"/plan?d={d}")  # a shared plan, with a note and the save button
    assert "no-such-dataset" in page.inner_text("#left-out")
    assert_accessible(page)
    page.close()
