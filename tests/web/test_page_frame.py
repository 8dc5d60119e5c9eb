"""The page frame (header and footer built once per page, the footer once per script root) and the per-result
links built once per request (plan buttons' addresses and CSRF token, dataset links): the same markup and addresses."""
import re

import pytest
from flask import url_for

from web import frame
from web.views.search import _dataset_url

pytestmark = pytest.mark.postgres
PLAN_FORM = re.compile(r'<form method="post" action="([^"]+)" class="app-plan-form">\s*'
                       r'<input type="hidden" name="csrf_token" value="([^"]+)">\s*'
                       r'<input type="hidden" name="id" value="([^"]+)">')


@pytest.mark.parametrize("path", ["/", "/search?q=pupil", "/plan", "/accessibility", "/no-such-page"])
def test_each_landmark_once_with_its_parts(client, path):
    page = client.get(path).get_data(as_text=True)
    for landmark in ("<header", "<footer", "<main", 'class="govuk-skip-link"'):
        assert page.count(landmark) == 1, landmark
    assert page.index('class="govuk-skip-link"') < page.index("<header") < page.index("<main") < page.index("<footer")
    header = re.search(r'<header class="govuk-template__header">(.*?)</header>', page, re.S).group(1)
    assert header.count('class="govuk-service-navigation"') == 1 and header.count('<p class="govuk-phase-banner__content">') == 1
    assert 'govuk-js-service-navigation-toggle" aria-controls="navigation"' in header
    footer = re.search(r'<footer class="govuk-template__footer">(.*?)</footer>', page, re.S).group(1)
    for href in ("/accessibility", "/privacy", "/cookies", "/api/docs", "/catalogue.ttl"):
        assert f'class="govuk-footer__link" href="{href}"' in footer


def test_plan_buttons_share_one_token_that_works(app, login):
    client = app.test_client()
    login(client, role="steward")
    page = client.get("/search?q=pupil").get_data(as_text=True)
    forms = PLAN_FORM.findall(page)
    assert len(forms) >= 2
    page_token = re.search(r'action="/logout" class="app-inline-form"><input type="hidden" name="csrf_token" '
                           r'value="([^"]+)"', page).group(1)
    assert {token for _, token, _ in forms} == {page_token}
    assert {action for action, _, _ in forms} == {"/plan/basket/add"}
    action, token, ident = forms[1]
    resp = client.post(action, data={"csrf_token": token, "id": ident, "next": "/search?q=pupil"})
    assert resp.status_code == 303
    forms = dict(((i, a) for a, _, i in PLAN_FORM.findall(client.get("/search?q=pupil").get_data(as_text=True))))
    assert forms[ident] == "/plan/basket/remove" and set(forms.values()) == {"/plan/basket/add", "/plan/basket/remove"}


def test_each_session_gets_its_own_token_on_the_buttons(app):
    a, b = app.test_client(), app.test_client()
    token_a = PLAN_FORM.search(a.get("/search?q=pupil").get_data(as_text=True)).group(2)
    token_b = PLAN_FORM.search(b.get("/search?q=pupil").get_data(as_text=True)).group(2)
    assert token_a != token_b
    ident = PLAN_FORM.search(a.get("/search?q=pupil").get_data(as_text=True)).group(3)
    assert b.post("/plan/basket/add", data={"csrf_token": token_a, "id": ident}).status_code == 400
    assert a.post("/plan/basket/add", data={"csrf_token": token_a, "id": ident}).status_code == 303


@pytest.mark.parametrize("ident", ["dfe-national-pupil-database", "a b", "x/y", "50%", "q?#&=", "ünï", "a+b;c@d", "'\""])
def test_dataset_links_are_what_url_for_gives(app, ident):
    with app.test_request_context("/search"):
        assert _dataset_url(ident) == url_for("datasets.dataset", name=ident)
        assert _dataset_url(ident) == url_for("datasets.dataset", name=ident)  # the second, from the request's memo
    with app.test_request_context("/search", base_url="http://example.org/catalogue/"):
        assert _dataset_url(ident) == url_for("datasets.dataset", name=ident)
        assert _dataset_url(ident).startswith("/catalogue/datasets/")


def test_result_links_on_the_page_and_in_the_json_twin(client, app):
    hits = client.get("/search.json?q=pupil").get_json()["hits"]
    assert hits
    with app.test_request_context("/search"):
        assert [h["url"] for h in hits] == [url_for("datasets.dataset", name=h["id"]) for h in hits]
    page = client.get("/search?q=pupil").get_data(as_text=True)
    for h in hits:
        assert f'<a class="govuk-link" href="{h["url"]}">' in page


@pytest.mark.parametrize("name", sorted(frame.PARTS))
def test_the_unchanging_parts_are_rendered_once_per_script_root(app, name):
    by_root = app.extensions.setdefault("frame_parts", {})
    by_root.clear()
    with app.test_request_context("/search"):
        first = frame.frame_part(name)
        assert frame.frame_part(name) is first and list(by_root) == [""]
    with app.test_request_context("/search", base_url="http://example.org/catalogue/"):
        prefixed = frame.frame_part(name)
    if name == "footer":
        assert 'href="/accessibility"' in first and 'href="/catalogue/accessibility"' in prefixed
        assert 'href="/catalogue/catalogue.ttl"' in prefixed and "/catalogue/accessibility" not in first
    else:
        assert prefixed == first
    for i in range(frame.MAX_ROOTS + 3):  # roots a client could set through headers: the memo stays bounded
        with app.test_request_context("/search", base_url=f"http://example.org/r{i}/"):
            part = frame.frame_part(name)
            assert name != "footer" or f'href="/r{i}/privacy"' in part
    assert len(by_root) == frame.MAX_ROOTS


@pytest.mark.parametrize("path", ["/search?q=pupil", "/no-such-page"])
def test_each_page_carries_the_rendered_parts_once(client, app, path):
    page = client.get(path).get_data(as_text=True)
    with app.test_request_context("/search"):
        for name in frame.PARTS:
            assert page.count(str(frame.frame_part(name))) == 1, name
    header = re.search(r'<header class="govuk-template__header">(.*?)</header>', page, re.S).group(1)
    assert "govuk-phase-banner" in header
