"""The Linkable with panel and the variable search in Chromium: axe-core at 1280 and 390 px, no sideways scroll.
Run by `make test-browser`; skipped unless CATALOGUE_BROWSER names a Chromium executable."""
from __future__ import annotations

import copy

import pytest

from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS, make_app, make_settings
from tests.support.axe_helpers import axe_violations
from tests.support.live import BROWSER_MARKS, chromium, serving

pytestmark = BROWSER_MARKS
PAGES = ["/datasets/nhsengland-hes-admitted-patient-care", "/datasets/dfe-national-pupil-database",
         "/variables", "/variables?role=uprn", "/variables?q=hospital+admissions", "/search?q=nhs+number"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from catalogue.records.service import Catalogue

    cat = Catalogue(make_settings(tmp_path_factory.mktemp("linkage-browser")))
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(SEED_RECORDS), author="seed", route="seed")
    with serving(make_app(cat), quiet=True) as url:
        yield url
    cat.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_linkage_pages_are_accessible_and_fit(site, width):
    problems = []
    with chromium() as browser:
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
    assert not problems, "\n".join(problems)
