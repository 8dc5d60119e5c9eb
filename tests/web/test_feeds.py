"""Atom feeds of dataset changes, fetched from a real server on 127.0.0.1 and parsed with feedparser."""
from __future__ import annotations

import copy
import threading
import urllib.error
import urllib.request

import feedparser
import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.app import SEED_RECORDS, make_app

pytestmark = pytest.mark.postgres
DFE, ONS = "department-for-education", "office-for-national-statistics"
AUTHOR = "jo.bloggs@example.org"


class QuietHandler(WSGIRequestHandler):
    def log(self, *args, **kwargs):
        pass


def seed(publisher: str) -> dict:
    return copy.deepcopy(next(r for r in SEED_RECORDS if r["publisher"] == publisher))


@pytest.fixture
def feeds(empty_catalogue):
    """A server with an ONS dataset, then a DfE dataset created, updated and withdrawn, and a DfE draft."""
    cat = empty_catalogue
    ons, dfe = seed(ONS), seed(DFE)
    assert cat.save(ons, author=AUTHOR, route="api").action == "created"
    assert cat.save(dfe, author=AUTHOR, route="api").action == "created"
    assert cat.save({**dfe, "summary": "Changed summary"}, author=AUTHOR, route="upload").action == "updated"
    assert cat.withdraw(dfe["identifier"], reason="Superseded by the new census", author=AUTHOR,
                        route="web").action == "withdrawn"
    app = make_app(cat)
    draft = {**seed(DFE), "identifier": "dfe-draft-only", "title": "Draft that must not appear"}
    app.extensions["catalogue_services"].drafts.save(draft, AUTHOR)
    srv = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{srv.server_port}", "ons": ons, "dfe": dfe, "cat": cat,
               "base_url": cat.settings.base_url.rstrip("/")}
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers.get("Content-Type", ""), err.read()


def parse(url: str):
    status, ctype, body = fetch(url)
    assert status == 200 and ctype.startswith("application/atom+xml"), (status, ctype)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed, body


def test_whole_catalogue_feed_lists_changes_newest_first(feeds):
    parsed, body = parse(feeds["base"] + "/feeds/datasets.atom")
    dfe, ons = feeds["dfe"], feeds["ons"]
    titles = [e.title for e in parsed.entries]
    assert titles == [f"Withdrawn: {dfe['title']}", f"Updated: {dfe['title']}", f"New: {dfe['title']}",
                      f"New: {ons['title']}"]
    assert [e.tags[0].term for e in parsed.entries] == ["withdrawn", "updated", "created", "created"]
    page = f"{feeds['base_url']}/datasets/{dfe['identifier']}"
    assert [e.link for e in parsed.entries[:3]] == [page] * 3
    assert [e.id for e in parsed.entries[:3]] == [f"{page}#revision-{n}" for n in (3, 2, 1)]
    assert parsed.entries[0].summary == "Superseded by the new census"
    assert parsed.entries[1].summary == "Changed summary"
    times = [e.updated_parsed for e in parsed.entries]
    assert times == sorted(times, reverse=True) and parsed.feed.updated == parsed.entries[0].updated
    assert parsed.feed.id == f"{feeds['base_url']}/feeds/datasets.atom"
    assert {l.rel: l.href for l in parsed.feed.links} == {"self": f"{feeds['base_url']}/feeds/datasets.atom",
                                                          "alternate": f"{feeds['base_url']}/search"}
    assert "Draft that must not appear" not in body.decode() and "dfe-draft-only" not in body.decode()


def test_author_is_the_organisation_and_no_email_appears(feeds):
    parsed, body = parse(feeds["base"] + "/feeds/datasets.atom")
    names = feeds["cat"].publisher_names()
    assert [e.author for e in parsed.entries] == [names[DFE]] * 3 + [names[ONS]]
    assert b"@" not in body and AUTHOR.encode() not in body


def test_publisher_feed_has_only_that_publisher(feeds):
    parsed, _ = parse(f"{feeds['base']}/publishers/{DFE}/feed.atom")
    assert [e.tags[0].term for e in parsed.entries] == ["withdrawn", "updated", "created"]
    assert {e.link for e in parsed.entries} == {f"{feeds['base_url']}/datasets/{feeds['dfe']['identifier']}"}
    assert parsed.feed.links[1].href == f"{feeds['base_url']}/publishers/{DFE}"
    parsed, _ = parse(f"{feeds['base']}/publishers/{ONS}/feed.atom")
    assert [e.title for e in parsed.entries] == [f"New: {feeds['ons']['title']}"]
    other = next(p for p in feeds["cat"].publishers() if p["id"] not in (DFE, ONS))
    parsed, _ = parse(f"{feeds['base']}/publishers/{other['id']}/feed.atom")
    assert parsed.entries == [] and parsed.feed.title == f"Dataset changes from {other['name']}"


def test_unknown_publisher_is_404(feeds):
    status, _, _ = fetch(feeds["base"] + "/publishers/no-such-publisher/feed.atom")
    assert status == 404


@pytest.mark.parametrize("value, count", [("1", 1), ("2", 2), ("0", 1), ("-5", 1), ("99999", 4), ("abc", 4),
                                          ("1" * 5000, 4), ("%C2%B2", 4), ("%00", 4), ("", 4), ("2.5", 4)])
def test_limit_is_clamped_and_hostile_values_do_not_fail(feeds, value, count):
    parsed, _ = parse(f"{feeds['base']}/feeds/datasets.atom?limit={value}")
    assert len(parsed.entries) == count


def test_limit_is_capped_at_200(empty_catalogue, seed_records):
    from web.views.feeds import MAX_LIMIT, feed_limit

    assert (feed_limit("1000"), feed_limit(None), feed_limit("7")) == (MAX_LIMIT, 50, 7)
    empty_catalogue.save_many(seed_records[:60], author=AUTHOR, route="seed")
    client = make_app(empty_catalogue).test_client()
    assert len(feedparser.parse(client.get("/feeds/datasets.atom").data).entries) == 50
    assert len(feedparser.parse(client.get("/feeds/datasets.atom?limit=500").data).entries) == 60
    assert len(empty_catalogue.recent_changes(MAX_LIMIT)) == 60 and empty_catalogue.recent_changes(0) == []
    latest = empty_catalogue.recent_changes(5, publisher=DFE)
    assert [r.record["publisher"] for r in latest] == [DFE] * len(latest) and latest
    assert [r.seq for r in latest] == sorted((r.seq for r in latest), reverse=True)


def test_hostile_text_round_trips(empty_catalogue):
    hostile = "<script>alert(1)</script> & \"quotes\" ]]> \x0b\x1b tab\there"
    record = {**seed(DFE), "title": "Title " + hostile, "summary": "Summary " + hostile}
    assert empty_catalogue.save(record, author=AUTHOR, route="api").action == "created"
    client = make_app(empty_catalogue).test_client()
    resp = client.get("/feeds/datasets.atom")
    assert resp.status_code == 200 and b"<script>" not in resp.data
    parsed = feedparser.parse(resp.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    clean = "<script>alert(1)</script> & \"quotes\" ]]>  tab\there"  # \x0b and \x1b: not XML 1.0 characters
    assert parsed.entries[0].title == "New: Title " + clean
    assert parsed.entries[0].summary == "Summary " + clean


def test_pages_advertise_their_feeds(app):
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in home and "/feeds/datasets.atom" in home
    page = client.get(f"/publishers/{DFE}").get_data(as_text=True)
    assert f'href="/publishers/{DFE}/feed.atom"' in page
