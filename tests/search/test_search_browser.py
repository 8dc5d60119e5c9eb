"""Search in a real browser: autocomplete with the keyboard only, and a misspelt search's 'did you mean'."""
import pytest

from tests.support.axe_helpers import assert_accessible
from tests.support.live import BROWSER_MARKS, chromium, serving

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def page():
    with chromium() as browser:
        yield browser.new_page()


def test_autocomplete_with_the_keyboard_only(server, page):
    page.goto(server + "/")
    page.focus("#q")
    page.keyboard.type("national pup", delay=30)
    listbox = page.locator("#q__listbox")
    listbox.locator("li", has_text="National Pupil Database").wait_for()
    assert page.get_attribute("#q", "aria-expanded") == "true"
    assert_accessible(page)
    page.keyboard.press("ArrowDown")
    assert "National Pupil Database" in page.locator(".autocomplete__option--focused").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url("**/datasets/dfe-national-pupil-database")
    assert "National Pupil Database" in page.locator("h1").inner_text()


def test_enter_without_choosing_searches_the_text(server, page):
    page.goto(server + "/")
    page.focus("#q")
    page.keyboard.type("pupil", delay=30)
    page.locator("#q__listbox li").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=pupil")
    assert "datasets found" in page.inner_text("main")


def test_misspelt_search_offers_did_you_mean(server, page):
    page.goto(server + "/search?q=Hospital+Episode+Statsitics")
    link = page.locator("#did-you-mean a")
    assert link.inner_text().lower() == "hospital episode statistics"
    assert "Hospital Episode Statistics" in page.locator(".app-result h2").first.inner_text()
    assert_accessible(page)
    link.click()
    page.wait_for_url("**/search?q=*")
    assert page.locator("#did-you-mean").count() == 0
    page.goto(server + "/search?q=zzqxjv")
    assert page.locator("#zero-result-help a", has_text="Browse datasets by publisher").is_visible()
    assert_accessible(page)
