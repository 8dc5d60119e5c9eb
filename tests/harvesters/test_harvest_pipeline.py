"""The runner's pipeline: pages are fetched ahead, records from several pages are stored together, and nothing that
was prepared is lost when a later page fails or a record is listed twice."""
import pytest
from tests.support.fake_servers import Reply, ckan_package
from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture
from tests.support.harvest_helpers import FAST, add_source, by_action, run

import harvesters.runner as runner
from catalogue.records.service import Catalogue
from harvesters.contract import Listing, RemoteItem
from harvesters.http import HttpConfig
from harvesters.store import HarvestRepository

pytestmark = pytest.mark.postgres


def test_records_from_pages_before_a_broken_page_are_stored(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = fake_ckan([ckan_package(i) for i in range(9)])
    fake.override = lambda req: (Reply(200, b"<html>maintenance</html>", {"Content-Type": "text/html"})
                                 if req.path.endswith("package_search") and int(req.query.get("start", 0)) >= 6
                                 else None)
    add_source(cat, "portal", "ckan", fake.url, options={"rows": "3"})
    result = run(cat, "portal", http=HttpConfig(**{**FAST.__dict__, "retries": 0}))
    assert result.run.status == "failed" and "HTML page" in result.run.error, result.run.error
    assert sorted(o["dataset_id"] for o in by_action(result)["created"]) == [f"ds-{i:04d}" for i in range(6)]
    assert all(cat.store.get(f"ds-{i:04d}") for i in range(6)) and cat.store.get("ds-0006") is None
    repo = HarvestRepository(cat.store)
    assert len(repo.outcomes(result.run.id)) == 6  # saved with the run, not only returned


def test_several_pages_go_into_one_store_batch(empty_catalogue, fake_ckan, monkeypatch):
    cat = empty_catalogue
    fake = fake_ckan([ckan_package(i) for i in range(10)])
    add_source(cat, "portal", "ckan", fake.url, options={"rows": "2"})
    sizes = []
    save_many = Catalogue.save_many
    monkeypatch.setattr(Catalogue, "save_many", lambda self, recs, **kw: sizes.append(len(recs)) or
                        save_many(self, recs, **kw))
    result = run(cat, "portal")
    assert result.run.status == "complete" and result.run.totals["created"] == 10
    assert sizes == [10]  # five pages, one write


def test_a_payload_that_changed_is_stored_again(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = fake_ckan([ckan_package(i) for i in range(3)])
    add_source(cat, "portal", "ckan", fake.url, options={"rows": "10"})
    run(cat, "portal")
    pkg = ckan_package(1)
    repo = HarvestRepository(cat.store)
    first = repo.payload("portal", pkg["id"])
    assert first["dataset_id"] == "ds-0001" and '"title":"Dataset 0001 about rivers"' in first["payload"]
    fake.touch(pkg["id"], "2024-03-01T00:00:00.000000", title="Dataset 0001 about lakes")
    second = run(cat, "portal")
    assert [o["dataset_id"] for o in by_action(second)["updated"]] == ["ds-0001"]
    stored = repo.payload("portal", pkg["id"])
    assert '"title":"Dataset 0001 about lakes"' in stored["payload"] and stored["run_id"] == second.run.id
    assert repo.objects("portal")[pkg["id"]].revision == cat.store.get("ds-0001").revision == 2


class _Repeating:
    """A source that lists the same record on two pages, changed in between."""
    transform_version = "test-1"

    def __init__(self, source, session, secret):
        self.source = source

    def gather(self, since):
        yield [RemoteItem("r1", "first", payload=ckan_package(1)), RemoteItem("r2", payload=ckan_package(2))]
        yield [RemoteItem("r1", "first", payload=ckan_package(1, title="Dataset 0001 retitled"))]

    def listing(self):
        return Listing(ids={"r1", "r2"}, complete=True)

    def high_water(self):
        return ""

    def fetch(self, item):
        return item.payload

    def transform(self, payload, item):
        from catalogue.formats.ckan import transform_package
        return transform_package(payload)


def test_a_record_listed_twice_is_stored_then_updated(empty_catalogue, monkeypatch):
    cat = empty_catalogue
    monkeypatch.setattr(runner, "make_harvester", _Repeating)
    add_source(cat, "twice", "ckan", "http://127.0.0.1:9")
    result = run(cat, "twice")
    assert result.run.status == "complete", result.run.error
    assert [(o["remote_id"], o["action"]) for o in result.outcomes] == [("r1", "created"), ("r2", "created"),
                                                                        ("r1", "updated")]
    assert cat.store.get("ds-0001").title == "Dataset 0001 retitled"
