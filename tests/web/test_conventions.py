"""The web conventions, checked on the source and on the app: links by name, one way to services and blueprints,
views that reach the store only through the catalogue, and domain errors mapped to HTTP with their code."""
import re

import pytest
from flask import Blueprint

from catalogue.errors import CatalogueError
from catalogue.publishing.drafts import DraftError
from catalogue.publishing.workflow import DraftNotFound
from catalogue.records.files import InputError
from tests.support.paths import ROOT

pytestmark = pytest.mark.postgres
WEB = ROOT / "web"
VIEWS = sorted((WEB / "views").glob("*.py"))


def test_templates_build_links_by_name():
    literal = re.compile(r"""(?:href|action|src)\s*=\s*["']/|['"]href['"]\s*:\s*['"]/""")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((WEB / "templates").rglob("*.html"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if literal.search(line)]
    assert not found, f"literal paths in templates (use url_for): {found}"


def test_views_build_no_paths_by_hand():
    by_hand = re.compile(r"""f["']/|redirect\(\s*["']/""")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in [*VIEWS, *WEB.glob("*.py")]
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if by_hand.search(line)]
    assert not found, found


def test_views_use_the_catalogue_not_the_store_and_no_other_view():
    for path in VIEWS:
        text = path.read_text(encoding="utf-8")
        assert ".store." not in text and ".store)" not in text, f"{path.name} reaches past the catalogue"
        assert not re.search(r"from web\.views(\.| import)|import web\.views", text), f"{path.name} imports a view"


def test_one_way_to_services_and_blueprints(app):
    from web import blueprints

    outside = [p.name for p in WEB.rglob("*.py") if "extensions[" in p.read_text(encoding="utf-8")
               and p.name not in ("services.py", "__init__.py")]
    assert not outside, outside
    assert "catalogue_services" in app.extensions
    for path in VIEWS:
        if path.name != "__init__.py":
            assert "\nbp = Blueprint(" in path.read_text(encoding="utf-8"), path.name
    registered = set(app.blueprints.values())
    assert all(isinstance(bp, Blueprint) for bp in blueprints()) and set(blueprints()) == registered


@pytest.mark.parametrize("exc, status", [(InputError("unreadable", code="bad-input"), 400),
                                         (DraftError("not yours"), 403), (DraftNotFound("no draft"), 404),
                                         (CatalogueError("cannot", code="odd"), 422)])
def test_domain_errors_map_to_http_with_their_code(app, exc, status):
    from web.errors import domain_error

    with app.test_request_context("/api/datasets/x"):
        body, got = domain_error(exc)
    assert got == status
    assert body == {"ok": False, "status": status, "title": body["title"], "error": str(exc), "code": exc.code}
    with app.test_request_context("/publishers/x"):
        page, got = domain_error(exc)
    assert got == status and str(exc) in page


def test_publishing_a_missing_draft_says_why_in_code(writable_app, api_token):
    token = api_token(writable_app)
    resp = writable_app.test_client().post("/api/datasets/no-such-draft/publish",
                                           headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404
    assert resp.get_json() == {"ok": False, "status": 404, "title": "Not Found",
                               "error": "There is no draft 'no-such-draft'.", "code": DraftNotFound.code}
