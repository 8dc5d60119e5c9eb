"""The Linkable with panel and the variable search in Chromium: axe-core at 1280 and 390 px, no sideways scroll.
Run by `make test-browser`; skipped unless CATALOGUE_BROWSER names a Chromium executable."""
from __future__ import annotations

import copy
import os
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS, make_app, make_settings
from tests.support.axe_helpers import axe_violations

BROWSER = os.environ.get("CATALOGUE_BROWSER")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not BROWSER, reason="set CATALOGUE_BROWSER to a Chromium executable")]
PAGES = ["/datasets/nhsengland-hes-admitted-patient-care", "/datasets/dfe-national-pupil-database",
         "/variables", "/variables?role=uprn", "/variables?q=hospital+admissions", "/search?q=nhs+number"]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from catalogue.records.service import Catalogue

    cat = Catalogue(make_settings(tmp_path_factory.mktemp("linkage-browser")))
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(SEED_RECORDS), author="seed", route="seed")
    srv = make_server("127.0.0.1", 0, make_app(cat), threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    srv.server_close()
    cat.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_linkage_pages_are_accessible_and_fit(site, width):
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        for path in PAGES:
            assert page.goto(site + path).status == 200, path
            problems += [f"{path} @{width}px {v}" for v in axe_violations(page)]
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"{path} @{width}px scrolls sideways: {scroll} > {inner}")
        if width < 400:  # the panel's key facts stack: each cell is as wide as the screen allows, none cut off
            page.goto(site + PAGES[0])
            widths = page.evaluate("[...document.querySelectorAll('.app-linkable td')].map(c => c.scrollWidth - "
                                   "c.clientWidth)")
            assert widths and max(widths) <= 1, widths
        browser.close()
    assert not problems, "\n".join(problems)
