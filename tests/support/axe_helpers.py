"""axe-core in the browser tests: inject the pinned copy the Makefile fetches and list any violations."""
from __future__ import annotations

import os
from pathlib import Path

# `make test-browser` fetches axe-core from the npm registry and sets CATALOGUE_AXE to its axe.min.js.
ROOT = Path(__file__).resolve().parent.parent.parent
AXE = Path(os.environ.get("CATALOGUE_AXE") or ROOT / "build" / "axe-core-4.14.1" / "package" / "axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page) -> list[str]:
    """Run axe on the page: one line per failing rule, with up to five of its targets."""
    assert AXE.exists(), f"{AXE} is missing: run `make test-browser`, which fetches the pinned axe-core"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'][:5])}" for v in result["violations"]]


def assert_accessible(page) -> None:
    problems = axe_violations(page)
    assert not problems, f"{page.url}\n" + "\n".join(problems)
