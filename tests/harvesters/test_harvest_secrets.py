"""Secrets go only to the source's own origin: pagination links and redirects to another origin go without them.

Two real local servers on 127.0.0.1 with different ports (a different port is a different origin): the source,
and another server that records the headers it receives.
"""
import pytest
from tests.support.fake_servers import Reply, ckan_package, json_reply
from tests.support.fake_servers import fake_ckan, fake_server  # noqa: F401 - fixtures
from tests.support.harvest_helpers import FAST, add_source, run

from harvesters.http import HarvestSession, parse_json

pytestmark = pytest.mark.postgres
TOKEN = "tok-77c1e0a4-must-stay-home"
ENV = {"SRC_TOKEN": TOKEN}
TTL = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://ex.org/ds/{n}> a dcat:Dataset ; dct:identifier "ds-{n}" ; dct:title "Dataset {n}" .
"""


def leaked(server) -> list[str]:
    """Every secret-bearing header the server received (names lower-cased), or any header carrying the token."""
    found = []
    for req in server.requests:
        for name, value in req.headers.items():
            if name.lower() in ("authorization", "x-api-key", "x-ckan-api-key") or TOKEN in value:
                found.append(f"{req.path}: {name}")
    return found


def got_secret(server) -> bool:
    return any(TOKEN in v for r in server.requests for v in r.headers.values())


@pytest.mark.parametrize("auth", ["bearer", "apikey"])
def test_dcat_hydra_next_to_another_origin_goes_without_the_secret(empty_catalogue, fake_server, auth):
    other = fake_server(lambda r: Reply(200, TTL.format(n=2).encode(), {"Content-Type": "text/turtle"}))
    page1 = TTL.format(n=1) + f"<https://ex.org/cat> <http://www.w3.org/ns/hydra/core#next> <{other.url}/page2> .\n"
    home = fake_server(lambda r: Reply(200, page1.encode(), {"Content-Type": "text/turtle"}))
    add_source(empty_catalogue, "feed", "dcat", home.url + "/feed", token_env="SRC_TOKEN", auth=auth)
    result = run(empty_catalogue, "feed", environ=ENV)
    assert result.run.status == "complete", result.run.error
    assert {o["dataset_id"] for o in result.outcomes} == {"ds-1", "ds-2"}
    assert got_secret(home)
    assert len(other.requests) == 1 and leaked(other) == []


def _hdruk_list(items, **links):
    return json_reply({"items": [{"persistentId": p, "version": "1"} for p in items], **links})


@pytest.mark.parametrize("link", ["next", "links.next"])
@pytest.mark.parametrize("auth", ["bearer", "apikey"])
def test_hdruk_next_link_to_another_origin_goes_without_the_secret(empty_catalogue, fake_server, link, auth):
    other = fake_server(lambda r: _hdruk_list([]))
    nxt = other.url + "/datasets?page=2"
    links = {"next": nxt} if link == "next" else {"links": {"next": nxt}}
    home = fake_server(lambda r: _hdruk_list([], **links))
    add_source(empty_catalogue, "gw", "hdruk", home.url + "/datasets", token_env="SRC_TOKEN", auth=auth)
    result = run(empty_catalogue, "gw", environ=ENV)
    assert result.run.status in ("complete", "partial"), result.run.error
    assert got_secret(home)
    assert len(other.requests) == 1 and leaked(other) == []


@pytest.mark.parametrize("auth", ["bearer", "apikey"])
def test_a_redirect_to_another_origin_goes_without_the_secret(empty_catalogue, fake_server, auth):
    other = fake_server(lambda r: _hdruk_list([]))
    home = fake_server(lambda r: Reply(302, b"", {"Location": other.url + "/moved"}))
    add_source(empty_catalogue, "gw", "hdruk", home.url + "/datasets", token_env="SRC_TOKEN", auth=auth)
    run(empty_catalogue, "gw", environ=ENV)
    assert got_secret(home)
    assert [r.path for r in other.requests] == ["/moved"] and leaked(other) == []


def test_a_redirect_back_home_and_the_same_origin_keep_working(fake_server):
    """Same scheme, host and port: the secret is sent (also after a redirect within the origin)."""
    paths = []

    def handler(req):
        paths.append(req.path)
        return Reply(302, b"", {"Location": "/final"}) if req.path == "/start" else json_reply({"ok": 1})
    home = fake_server(handler)
    with HarvestSession(FAST) as s:
        s.trust(home.url)
        assert parse_json(s.get(home.url + "/start", headers={"Authorization": TOKEN}), home.url) == {"ok": 1}
    assert paths == ["/start", "/final"]
    assert all(r.headers.get("Authorization") == TOKEN for r in home.requests)


def test_ckan_redirect_to_another_origin_goes_without_the_api_key(empty_catalogue, fake_ckan, fake_server):
    other = fake_ckan([ckan_package(1)])
    home = fake_server(lambda r: Reply(302, b"", {"Location": other.url + r.path}))
    add_source(empty_catalogue, "portal", "ckan", home.url, token_env="SRC_TOKEN")
    result = run(empty_catalogue, "portal", environ=ENV)
    assert result.run.status == "complete", result.run.error
    assert got_secret(home)
    assert other.server.requests and leaked(other.server) == []
