"""The basics of a GOV.UK service without a browser: landmarks, navigation, footer pages, facets, filter tags
and the upload check report. The axe-core sweep in a real browser is tests/test_accessibility_browser.py."""
import copy
import io
import json
import re

import pytest

from tests.support.app import csrf_token

pytestmark = pytest.mark.postgres


def html(client, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, path
    return resp.get_data(as_text=True)


def test_phase_banner_is_inside_the_header_landmark(client):
    page = html(client, "/publishers")
    header = re.search(r"<header[^>]*>(.*?)</header>", page, re.S).group(1)
    assert "govuk-phase-banner" in header and "govuk-service-navigation" in header
    assert page.count('<p class="govuk-phase-banner__content">') == 1


def test_navigation_marks_the_current_page_and_has_a_menu_toggle(client):
    page = html(client, "/publishers")
    assert 'aria-controls="navigation"' in page and "govuk-service-navigation__toggle" in page
    current = re.findall(r'<li class="govuk-service-navigation__item govuk-service-navigation__item--active">\s*'
                         r'<a class="govuk-service-navigation__link" href="([^"]+)" aria-current="page"', page)
    assert current == ["/publishers"]
    # a page below a section marks the section, but not as the current page
    below = html(client, "/publishers/department-for-education")
    assert re.search(r'href="/publishers" aria-current="true"', below) and 'aria-current="page"' not in below
    assert re.search(r'href="/search" aria-current="page"', html(client, "/"))


@pytest.mark.parametrize("path", ["/accessibility", "/privacy", "/cookies"])
def test_footer_pages_exist_with_json_twins_and_are_linked_from_every_page(client, path):
    page = html(client, path)
    data = client.get(path + ".json").get_json()
    assert data["title"] and data["sections"]
    assert f"<h1 class=\"govuk-heading-l\">{data['title']}</h1>" in page
    for section in data["sections"]:
        assert section["heading"] in page
    assert re.search(rf'<a class="govuk-footer__link" href="{path}"', html(client, "/search?q=pupil"))
    assert re.search(rf'<a class="govuk-footer__link" href="{path}"', client.get("/no-such-page").get_data(as_text=True))


def test_footer_pages_say_what_is_stored_and_how_accessibility_was_tested(client):
    statement = json.dumps(client.get("/accessibility.json").get_json())
    for words in ("WCAG", "2.2", "axe-core", "Chromium", "1280", "390", "example.org"):
        assert words in statement
    cookies = client.get("/cookies.json").get_json()
    assert [c["name"] for c in cookies["cookies"]] == ["session"]
    assert "analytics" in json.dumps(cookies)
    privacy = json.dumps(client.get("/privacy.json").get_json())
    assert "hash" in privacy and "example.org" in privacy


def test_the_cookie_the_service_sets_is_the_one_the_cookies_page_lists(app, login):
    client = app.test_client()
    login(client, role="publisher")
    listed = {c["name"] for c in client.get("/cookies.json").get_json()["cookies"]}
    set_names = {c.key for c in client._cookies.values()}
    assert set_names and set_names <= listed


def facet(data: dict, name: str) -> dict:
    return next(f for f in data["facets"] if f["name"] == name)


def shown_values(page: str, name: str) -> list[str]:
    block = re.search(rf'<nav class="app-facet" aria-labelledby="facet-{name}">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'<li><a class="govuk-link" href="[^"]*"', block)


def test_facets_show_the_top_ten_and_a_link_to_every_value(client):
    data = client.get("/search.json").get_json()
    publishers = facet(data, "publisher")
    assert len(publishers["values"]) == 25  # the JSON keeps every value
    page = html(client, "/search")
    assert len(shown_values(page, "publisher")) == 10
    link = re.search(r'<a class="govuk-link" href="([^"]+)">Show all 25<', page).group(1).replace("&amp;", "&")
    assert "show=publisher" in link
    everything = html(client, link)
    assert len(shown_values(everything, "publisher")) == 25
    assert len(shown_values(everything, "theme")) == 10  # only the facet asked for opens
    assert "Show fewer" in everything
    # every linkage key can be reached too
    keys = facet(data, "linkage_key")["values"]
    assert len(keys) > 10
    assert len(shown_values(html(client, "/search?show=linkage_key"), "linkage_key")) == len(keys)


def test_a_selected_value_outside_the_top_ten_stays_visible(client):
    smallest = facet(client.get("/search.json").get_json(), "publisher")["values"][-1]
    page = html(client, f"/search?publisher={smallest['value']}&q=")
    assert smallest["label"].replace("&", "&amp;") in page
    data = client.get(f"/search.json?publisher={smallest['value']}").get_json()
    assert [v["value"] for v in facet(data, "publisher")["values"] if v["selected"]] == [smallest["value"]]


def test_selected_filters_are_removable_tags_with_clear_all(client):
    path = "/search?q=pupil&publisher=department-for-education&theme=Education&sort=title"
    data = client.get(path.replace("/search", "/search.json")).get_json()
    tags = data["selected_filters"]
    assert [(t["facet"], t["value"]) for t in tags] == [("publisher", "department-for-education"),
                                                          ("theme", "Education")]
    assert tags[0]["remove_url"] == "/search?q=pupil&theme=Education&sort=title"
    assert tags[1]["remove_url"] == "/search?q=pupil&publisher=department-for-education&sort=title"
    assert data["clear_filters_url"] == "/search?q=pupil&sort=title"
    page = html(client, path)
    assert re.findall(r'<a class="app-filter-tag" href="([^"]+)"', page) == [
        t["remove_url"].replace("&", "&amp;") for t in tags]
    assert "Remove filter </span>Publisher: Department for Education" in page
    assert 'href="/search?q=pupil&amp;sort=title">Clear all filters</a>' in page
    assert "app-filter-tag" not in html(client, "/search?q=pupil")


def test_search_page_has_a_skip_to_results_link(client):
    page = html(client, "/search?q=pupil")
    assert '<a class="govuk-link app-skip-results" href="#results">Skip to results</a>' in page
    assert 'id="results" tabindex="-1"' in page


def test_scroll_boxes_can_be_reached_with_a_keyboard(client, login):
    page = html(client, "/datasets/dfe-national-pupil-database")
    assert '<div class="app-table-wrap" tabindex="0" role="region" aria-label="Variables">' in page
    assert re.findall(r"<pre(?![^>]*tabindex=\"0\")", html(client, "/publish")) == []
    assert '<div class="app-table-wrap" tabindex="0"' in html(client, "/datasets/dfe-national-pupil-database/history")


def upload(client, records) -> str:
    token = csrf_token(client, "/publish")
    body = json.dumps(records).encode()
    resp = client.post("/publish/upload", data={"file": (io.BytesIO(body), "a.json"), "csrf_token": token},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    return resp.headers["Location"]


@pytest.fixture
def publisher_client(writable_app, login):
    client = writable_app.test_client()
    login(client, role="publisher")
    return client


def records(example_record, good: int, bad: int) -> list[dict]:
    """Passing records first in the file, then the ones that block publishing."""
    out = []
    for i in range(good + bad):
        rec = copy.deepcopy(example_record)
        rec.update(identifier=f"dfe-a11y-{i}", title=f"Record {i}")
        if i >= good:
            rec["accessRights"] = "ALL"
        out.append(rec)
    return out


def test_report_lists_blocking_records_first_and_defaults_to_what_can_succeed(publisher_client, example_record):
    page = html(publisher_client, upload(publisher_client, records(example_record, good=2, bad=1)))
    tags = re.findall(r"govuk-tag--(red|green)", page)
    assert tags == ["red", "green", "green"]
    checked = re.findall(r'<input class="govuk-radios__input" id="([^"]+)"[^>]* checked', page)
    assert checked == ["mode-valid"]
    assert 'value="all"' not in page  # publishing everything is certain to fail, so it is not offered


def test_report_with_nothing_publishable_offers_no_publish_button(publisher_client, example_record):
    page = html(publisher_client, upload(publisher_client, records(example_record, good=0, bad=2)))
    assert "Nothing can be published yet" in page
    assert "/publish\" novalidate" not in page and 'name="mode"' not in page


def test_report_with_every_record_passing_publishes_all(publisher_client, example_record):
    url = upload(publisher_client, records(example_record, good=2, bad=0))
    page = html(publisher_client, url)
    assert '<input type="hidden" name="mode" value="all">' in page and "Publish all 2 records" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = publisher_client.post(url + "/publish", data={"mode": "all", "csrf_token": token})
    assert resp.status_code == 200 and "2 records processed" in resp.get_data(as_text=True).replace("\n", " ")
