"""HDR UK Gateway-style federation harvesting: list + item endpoints, versions, archiving, auth, secrets."""
import copy
import json
import logging

import pytest
from tests.support.fake_servers import Reply, json_reply
from tests.support.fake_servers import fake_server  # noqa: F401 - fixture
from tests.support.harvest_helpers import FAST, add_source, by_action, run
from test_harvest_transforms import HDRUK_21, HDRUK_40, reference_example

from harvesters.store import HarvestRepository

pytestmark = pytest.mark.postgres
TOKEN = "tok-3f9a8c2e-very-secret-value"


class Gateway:
    """A federation endpoint: GET /datasets (paged, 2 per page), GET /datasets/<pid>, auth checked."""

    def __init__(self, fake_server, auth=("Authorization", f"Bearer {TOKEN}")):
        self.docs = {"pid-21": ("1.0.0", copy.deepcopy(HDRUK_21)), "pid-30": ("1.1.0", reference_example()),
                     "pid-40": ("4.0.1", copy.deepcopy(HDRUK_40))}
        self.auth = auth
        self.item_override = {}
        self.srv = fake_server(self.handle)

    def handle(self, req):
        if self.auth and req.headers.get(self.auth[0]) != self.auth[1]:
            return json_reply({"error": "unauthorised"}, 401)
        parts = req.path.strip("/").split("/")
        if parts == ["datasets"]:
            pids = sorted(self.docs)
            page = int(req.query.get("page", "1"))
            items = [{"persistentId": p, "version": self.docs[p][0], "issued": "2024-01-01",
                      "modified": "2024-06-01", "name": self.docs[p][1]["summary"]["title"]}
                     for p in pids[(page - 1) * 2: page * 2]]
            nxt = f"/datasets?page={page + 1}" if page * 2 < len(pids) else None
            return json_reply({"items": items, "next": nxt})
        if len(parts) == 2 and parts[0] == "datasets" and parts[1] in self.docs:
            if parts[1] in self.item_override:
                return self.item_override[parts[1]]
            return json_reply(self.docs[parts[1]][1])
        return json_reply({"error": "not found"}, 404)

    def item_fetches(self):
        return [r.path for r in self.srv.requests if r.path.count("/") == 2]


def setup(cat, fake_server, **kw):
    gw = Gateway(fake_server, **kw.pop("gw", {}))
    add_source(cat, "gateway", "hdruk", gw.srv.url + "/datasets", token_env="GW_TOKEN", auth="bearer", **kw)
    return gw


ENV = {"GW_TOKEN": TOKEN}


def test_harvest_versions_and_archiving(empty_catalogue, fake_server):
    cat = empty_catalogue
    gw = setup(cat, fake_server)
    first = run(cat, "gateway", environ=ENV)
    assert first.run.status == "complete", first.run.error
    assert first.run.totals["created"] == 3
    versions = {o["dataset_id"]: o["details"]["schema_version"] for o in first.outcomes}
    assert versions == {"pid-21": "2.1.x", "pid-30": "3.0.x", "pid-40": "4.0.x"}
    example = next(o for o in first.outcomes if o["dataset_id"] == "pid-30")
    assert "demographicFrequency" in example["details"]["unmapped"]
    repo = HarvestRepository(cat.store)
    assert repo.provenance("pid-40")[0]["schema_version"] == "4.0.x"
    assert json.loads(repo.payload("gateway", "pid-40")["payload"])["summary"]["title"] == "SAIL Linked Education Data"

    gw.srv.requests.clear()
    second = run(cat, "gateway", environ=ENV)
    assert set(by_action(second)) == {"unchanged"}
    assert gw.item_fetches() == []  # same versions: nothing fetched

    version, doc = gw.docs["pid-40"]
    doc["summary"]["title"] = "SAIL Linked Education Data (2024)"
    gw.docs["pid-40"] = ("4.0.2", doc)
    del gw.docs["pid-21"]
    third = run(cat, "gateway", environ=ENV)
    acts = by_action(third)
    assert gw.item_fetches() == ["/datasets/pid-40"]
    assert [o["dataset_id"] for o in acts["updated"]] == ["pid-40"]
    assert [o["dataset_id"] for o in acts["withdrawn"]] == ["pid-21"]
    assert cat.store.get("pid-21").status == "withdrawn"

    gw.srv.requests.clear()
    full = run(cat, "gateway", full=True, environ=ENV)
    assert len(gw.item_fetches()) == 2 and set(by_action(full)) == {"unchanged"}


def test_api_key_header_and_wrong_credentials(empty_catalogue, fake_server):
    cat = empty_catalogue
    gw = setup(cat, fake_server, gw={"auth": ("x-api-key", TOKEN)}, options={})
    repo = HarvestRepository(cat.store)
    repo.remove_source("gateway")
    add_source(cat, "gateway", "hdruk", gw.srv.url + "/datasets", token_env="GW_TOKEN", auth="apikey")
    assert run(cat, "gateway", environ=ENV).run.totals["created"] == 3
    bad = run(cat, "gateway", environ={"GW_TOKEN": "wrong"})
    assert bad.run.status == "failed" and "HTTP 401" in bad.run.error
    missing = run(cat, "gateway", environ={})
    assert missing.run.status == "failed"
    assert missing.run.error == "gateway: the environment variable GW_TOKEN is not set"


def test_faulty_items_fail_alone(empty_catalogue, fake_server):
    cat = empty_catalogue
    gw = setup(cat, fake_server)
    gw.item_override["pid-21"] = Reply(200, b'{"summary": {"title": "cut', {"Content-Type": "application/json"})
    huge = copy.deepcopy(HDRUK_40)
    huge["documentation"] = {"description": "x" * (FAST.max_bytes + 10)}
    gw.item_override["pid-40"] = json_reply(huge)
    result = run(cat, "gateway", environ=ENV)
    assert result.run.status == "partial"
    acts = by_action(result)
    reasons = {o["remote_id"]: o["reason"] for o in acts["failed"]}
    assert "invalid JSON" in reasons["pid-21"]
    assert "larger than the" in reasons["pid-40"]
    assert {o["remote_id"]: o["code"] for o in acts["failed"]} == {"pid-21": "fetch-failed", "pid-40": "fetch-failed"}
    assert [o["dataset_id"] for o in acts["created"]] == ["pid-30"]


def test_list_endpoint_problems_fail_the_run(empty_catalogue, fake_server):
    srv = fake_server(lambda r: Reply(200, b"<html><body>Sign in</body></html>", {"Content-Type": "text/html"}))
    add_source(empty_catalogue, "gw", "hdruk", srv.url + "/datasets")
    result = run(empty_catalogue, "gw")
    assert result.run.status == "failed" and "HTML page" in result.run.error
    srv2 = fake_server(lambda r: json_reply({"data": []}))
    add_source(empty_catalogue, "gw2", "hdruk", srv2.url + "/datasets")
    assert 'did not return {"items": [...]}' in run(empty_catalogue, "gw2").run.error


def test_the_token_never_appears_in_logs_outcomes_or_errors(empty_catalogue, fake_server, caplog):
    cat = empty_catalogue
    gw = setup(cat, fake_server)
    # a misbehaving server that echoes the credential back in an error body
    gw.item_override["pid-30"] = Reply(500, f"bad token {TOKEN}".encode(), {"Content-Type": "text/plain"})
    caplog.set_level(logging.DEBUG)
    result = run(cat, "gateway", environ=ENV)
    assert result.run.totals["created"] == 2 and result.run.totals["failed"] == 1
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in gw.srv.requests)  # it was used
    text = json.dumps(result.to_dict()) + caplog.text + json.dumps([s.public() for s in
                                                                     HarvestRepository(cat.store).sources()])
    text += json.dumps(HarvestRepository(cat.store).outcomes(result.run.id)) + result.run.error
    assert TOKEN not in text
    assert "GW_TOKEN" in json.dumps(HarvestRepository(cat.store).source("gateway").public())
