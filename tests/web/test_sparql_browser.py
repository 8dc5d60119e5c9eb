"""The /sparql page in a real browser (Chromium with axe-core, `make test-browser`): the form, results as a table,
a graph, and a query error, at 1280 and 390 px: no axe violations and no sideways scroll."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from catalogue.sparql.examples import EXAMPLES
from tests.support.axe_helpers import AXE, axe_violations
from tests.support.live import BROWSER_MARKS, chromium, serving

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("width", [1280, 390])
def test_the_sparql_page_has_no_axe_violations_and_no_sideways_scroll(app, width):
    assert AXE.exists(), f"{AXE} is missing: run `make test-browser`, which fetches the pinned axe-core"
    base = app.config["SETTINGS"].base_url
    by_slug = {e.slug: e.text(base) for e in EXAMPLES}
    problems = []

    def check(name: str) -> None:
        problems.extend(f"{name} @{width}px {v}" for v in axe_violations(page))
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            problems.append(f"{name} @{width}px scrolls sideways: {scroll} > {inner}")

    with serving(app) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        assert page.goto(url + "/sparql").status == 200
        check("page")
        page.fill("#query", by_slug["nhs-number-tres"])  # the form, as a person uses it
        page.click("main button:has-text('Run query')")
        page.wait_for_load_state()
        assert page.locator("table.app-sparql__table tbody tr").count() > 0
        check("results table")
        for name, query, status in [("graph", by_slug["gateways"], 200), ("error", "SELECT * WHERE { ?s ?p }", 400)]:
            resp = page.goto(url + "/sparql?query=" + quote(query))
            if resp.status != status:
                problems.append(f"{name} @{width}px answered {resp.status}")
            check(name)
    assert not problems, "\n".join(problems)
