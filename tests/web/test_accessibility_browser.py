"""Every page type in a real browser, checked with axe-core at desktop and mobile widths. Run by `make test-browser`.

axe-core comes pinned from the npm registry (the Makefile fetches it into build/). Skipped unless
CATALOGUE_BROWSER names a Chromium executable.
"""
import copy

import pytest

from tests.support.axe_helpers import AXE, axe_violations
from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS, TEST_PASSWORD, make_app, make_settings
from tests.support.fake_servers import FakeCkan, ckan_package
from tests.support.harvest_helpers import add_source, run
from tests.support.live import BROWSER_MARKS, chromium, serving

pytestmark = BROWSER_MARKS
WIDTHS = [1280, 390]
EXAMPLE = "dfe-national-pupil-database"
PLAN = f"{EXAMPLE},dwp-universal-credit-households,nhsengland-hes-admitted-patient-care"
PUBLISHER = "pub@example.org"
STEWARD = "steward@example.org"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The whole seed catalogue, a second revision of the example, a harvest run, a pending upload, two users."""
    from catalogue.records.service import Catalogue

    cat = Catalogue(make_settings(tmp_path_factory.mktemp("a11y")))
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(SEED_RECORDS), author="seed", route="seed")
    example = copy.deepcopy(next(r for r in SEED_RECORDS if r["identifier"] == EXAMPLE))
    example["title"] += " (revised)"
    cat.save_many([example], author="seed", route="seed")
    ckan = FakeCkan([ckan_package(i) for i in range(3)] + [ckan_package(3, resources=7)])
    add_source(cat, "portal", "ckan", ckan.url)
    run_id = run(cat, "portal").run.id
    app = make_app(cat)
    accounts = app.extensions["catalogue_services"].accounts
    accounts.create_user(PUBLISHER, role="publisher", publisher="department-for-education", password=TEST_PASSWORD)
    accounts.create_user(STEWARD, role="steward", password=TEST_PASSWORD)
    good = copy.deepcopy(example)
    good.update(identifier="dfe-a11y-upload", title="Checked in a browser")
    bad = copy.deepcopy(good)
    bad.update(identifier="dfe-a11y-bad", accessRights="ALL")
    upload_id = app.extensions["catalogue_services"].pending_uploads.add(PUBLISHER, "upload.json", [good, bad])
    with serving(app, quiet=True) as url:
        yield {"url": url, "run_id": run_id, "upload_id": upload_id}
    ckan.close()
    cat.close()


def pages(site) -> list[tuple[str | None, str]]:
    """(who is signed in, path) for every page type."""
    anon = [
        "/", "/search?q=pupil", "/search?theme=Education&publisher=department-for-education",
        "/search?q=zzzzzznothingmatches", "/search?show=publisher",
        f"/datasets/{EXAMPLE}", f"/datasets/{EXAMPLE}/history", f"/datasets/{EXAMPLE}/diff",
        "/publishers", "/publishers/department-for-education", "/audit/method", "/login", "/no-such-page",
        "/accessibility", "/privacy", "/cookies", "/api/docs",
        "/vocab", "/vocab/linkage-roles", "/vocab/tres/sail-databank", "/vocab/legal-gateways/dea-2017-s64",
        "/search?q=pupl", "/search/synonyms", "/variables?q=nhs+number", "/variables?role=uprn",
        f"/plan?d={PLAN}", f"/plan/compare?d={PLAN}",
        "/sparql",
    ]
    publisher = ["/publish", f"/publish/uploads/{site['upload_id']}"]
    steward = ["/audit", "/audit/publishers/department-for-education",
               "/audit/publishers/department-for-education/fix", "/harvest", "/harvest/sources/portal",
               f"/harvest/runs/{site['run_id']}"]
    return [(None, p) for p in anon] + [(PUBLISHER, p) for p in publisher] + [(STEWARD, p) for p in steward]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def signed_in(browser, base: str, email: str | None, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    if email:
        page.goto(base + "/login")
        page.fill("#email", email)
        page.fill("#password", TEST_PASSWORD)
        page.click("main button:has-text('Sign in')")
        page.wait_for_load_state()
    return context, page


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_has_no_axe_violations_and_no_sideways_scroll(site, browser, width):
    assert AXE.exists(), f"{AXE} is missing: run `make test-browser`, which fetches the pinned axe-core"
    problems = []
    for who in (None, PUBLISHER, STEWARD):
        context, page = signed_in(browser, site["url"], who, width)
        for email, path in pages(site):
            if email != who:
                continue
            status = page.goto(site["url"] + path).status
            if status != (404 if path == "/no-such-page" else 200):
                problems.append(f"{path} @{width}px answered {status}")
            problems += [f"{path} @{width}px {v}" for v in axe_violations(page)]
            if width < 400:
                scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                if scroll > inner:
                    problems.append(f"{path} @{width}px scrolls sideways: {scroll} > {inner}")
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [390, 320])
def test_search_box_is_usable_on_a_phone(site, browser, width):
    context, page = signed_in(browser, site["url"], None, width)
    page.goto(site["url"] + "/search?q=pupil")
    assert page.locator("#q").bounding_box()["width"] >= 150
    # the results can be reached without scrolling past every filter
    page.click("text=Skip to results")
    top = page.evaluate("document.getElementById('results').getBoundingClientRect().top")
    assert abs(top) < 50
    context.close()


def test_service_navigation_has_a_menu_toggle_on_a_phone(site, browser):
    context, page = signed_in(browser, site["url"], None, 390)
    page.goto(site["url"] + "/publishers")
    toggle = page.locator(".govuk-service-navigation__toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#navigation").is_visible()
    toggle.click()
    assert page.locator("#navigation").is_visible()
    assert page.locator("#navigation [aria-current=page]").inner_text() == "Publishers"
    context.close()
