"""Journeys in a real browser (Debian's Chromium driven by Playwright). Run by `make test-browser`.

Skipped unless CATALOGUE_BROWSER names a Chromium executable.
"""
import copy
import json

import pytest

from tests.support.axe_helpers import assert_accessible
from tests.support.app import TEST_PASSWORD
from tests.support.live import BROWSER_MARKS, chromium, serving

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(writable_app):
    writable_app.extensions["catalogue_services"].accounts.create_user("pub@example.org", role="publisher",
                                                    publisher="department-for-education", password=TEST_PASSWORD)
    with serving(writable_app) as url:
        yield url


@pytest.fixture
def page():
    with chromium() as browser:
        yield browser.new_page()


def test_search_facet_and_dataset_page(server, page):
    page.goto(server + "/")
    assert_accessible(page)
    assert "GDS Transport" in page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.fill("#q", "pupil")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=pupil")
    assert "datasets found" in page.inner_text("main")
    assert_accessible(page)
    page.click("nav[aria-labelledby=facet-theme] >> text=Education")
    assert "theme=Education" in page.url
    assert_accessible(page)
    results = page.locator(".app-result h2 a")
    assert results.count() >= 1
    results.first.click()
    assert page.locator("h1").inner_text()
    assert page.locator("#readiness-heading").is_visible()
    assert page.locator("table.app-variables").is_visible()
    assert_accessible(page)


def test_sign_in_upload_check_and_publish(server, page, tmp_path, example_record):
    rec = copy.deepcopy(example_record)
    rec.update(identifier="dfe-browser-upload", title="Uploaded in a browser")
    bad = copy.deepcopy(rec)
    bad.update(identifier="dfe-browser-bad", accessRights="ALL")
    path = tmp_path / "upload.json"
    path.write_text(json.dumps([rec, bad]))
    page.goto(server + "/publish")
    assert_accessible(page)
    page.click("text=Sign in >> nth=-1")
    assert_accessible(page)
    page.fill("#email", "pub@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/publish")
    page.set_input_files("#file", str(path))
    page.click("button:has-text('Check the file')")
    page.wait_for_url("**/publish/uploads/**")
    assert_accessible(page)
    body = page.inner_text("main")
    assert "1 can be published" in body.replace("\n", " ") and "Blocks publishing" in body
    page.check("#mode-valid")
    page.click("button:has-text('Publish')")
    assert "record processed" in page.inner_text(".govuk-panel")
    assert_accessible(page)
    page.click("text=dfe-browser-upload")
    assert page.locator("h1").inner_text() == "Uploaded in a browser"
