"""Source failures that used to end as "unexpected error" are clean harvest errors, stored on the run and printed
by `catalogue harvest --json` as one JSON object."""
import json

import pytest
from tests.support.fake_servers import Reply, json_reply
from tests.support.fake_servers import fake_server  # noqa: F401 - fixture

from catalogue.cli import main
from harvesters.store import HarvestRepository

pytestmark = pytest.mark.postgres
DEEP = b'{"items": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
DEEP_CKAN = b'{"success": true, "result": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.fixture
def harvest_json(runner, settings, empty_catalogue):
    def run(type_, url, *extra):
        base = ["--instance", settings.instance_dir, "--database-url", settings.db_url]
        added = runner.invoke(main, [*base, "sources", "add", "src", "--type", type_, "--url", url])
        assert added.exit_code == 0, added.output
        result = runner.invoke(main, [*base, "harvest", "src", "--json", "--retries", "0", *extra],
                               catch_exceptions=False)
        data = json.loads(result.stdout)  # always exactly one JSON object
        stored = HarvestRepository(empty_catalogue.store).runs("src", limit=1)[0]
        assert result.exit_code == 1
        assert data["status"] == "failed" == stored.status and data["error"] == stored.error
        assert "unexpected error" not in stored.error
        return stored.error
    return run


@pytest.mark.parametrize("type_", ["hdruk", "ckan", "dcat"])
def test_a_redirect_to_a_file_url(harvest_json, fake_server, type_):
    srv = fake_server(lambda r: Reply(302, b"", {"Location": "file:///etc/passwd"}))
    error = harvest_json(type_, srv.url + "/datasets")
    assert "cannot follow the request (InvalidSchema" in error


@pytest.mark.parametrize("type_", ["hdruk", "ckan", "dcat"])
def test_a_redirect_loop(harvest_json, fake_server, type_):
    srv = fake_server(lambda r: Reply(302, b"", {"Location": r.path}))
    error = harvest_json(type_, srv.url + "/datasets")
    assert "more than 10 redirects (a redirect loop?)" in error


@pytest.mark.parametrize("type_, body", [("hdruk", DEEP), ("ckan", DEEP_CKAN)])
def test_deeply_nested_json(harvest_json, fake_server, type_, body):
    srv = fake_server(lambda r: Reply(200, body, {"Content-Type": "application/json"}))
    error = harvest_json(type_, srv.url + "/datasets")
    assert "JSON nested too deeply to read" in error


@pytest.mark.parametrize("type_", ["hdruk", "dcat"])
def test_a_response_over_the_cap(harvest_json, fake_server, type_):
    body = json.dumps({"items": [{"persistentId": f"p{i}"} for i in range(2000)]}).encode()
    srv = fake_server(lambda r: Reply(200, body, {"Content-Type": "application/json"}))
    error = harvest_json(type_, srv.url + "/datasets", "--max-mb", "0.01")
    assert f"larger than the {int(0.01 * 2**20)}-byte limit" in error


def test_a_deeply_nested_hdruk_item_fails_that_record_only(runner, settings, empty_catalogue, fake_server):
    def handle(req):
        if req.path == "/datasets":
            return json_reply({"items": [{"persistentId": "deep", "version": "1"}]})
        return Reply(200, DEEP, {"Content-Type": "application/json"})
    srv = fake_server(handle)
    base = ["--instance", settings.instance_dir, "--database-url", settings.db_url]
    runner.invoke(main, [*base, "sources", "add", "src", "--type", "hdruk", "--url", srv.url + "/datasets"])
    result = runner.invoke(main, [*base, "harvest", "src", "--json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    assert result.exit_code == 3 and data["status"] == "partial"
    assert "JSON nested too deeply" in data["outcomes"][0]["reason"]
