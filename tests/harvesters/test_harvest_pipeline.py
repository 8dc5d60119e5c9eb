"""The runner's pipeline: pages are fetched ahead, records from several pages are stored together, and nothing that
was prepared is lost when a later page fails or a record is listed twice."""
import threading

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


def _count_writes(monkeypatch, on_write=None) -> list[int]:
    sizes = []
    save_many = Catalogue.save_many

    def counted(self, recs, **kw):
        sizes.append(len(recs))
        if on_write:
            on_write()
        return save_many(self, recs, **kw)
    monkeypatch.setattr(Catalogue, "save_many", counted)
    return sizes


def test_the_runner_stores_while_the_next_page_is_on_its_way(empty_catalogue, fake_ckan, monkeypatch):
    cat = empty_catalogue
    fake = fake_ckan([ckan_package(i) for i in range(5)])
    stored, served_after_a_store = threading.Event(), []

    def hold_page_two(req):
        if req.path.endswith("package_search") and req.query.get("start") == "2":
            served_after_a_store.append(stored.wait(10))
        return None
    fake.override = hold_page_two
    add_source(cat, "portal", "ckan", fake.url, options={"rows": "2"})
    sizes = _count_writes(monkeypatch, stored.set)
    result = run(cat, "portal", http=HttpConfig(**{**FAST.__dict__, "read_timeout": 15.0, "total_timeout": 20.0}))
    assert result.run.status == "complete" and result.run.totals["created"] == 5
    assert served_after_a_store == [True] and sizes[0] == 2 and sum(sizes) == 5


class _CkanPayloads:
    """A source whose items carry their CKAN packages: fetched as they are, transformed as the CKAN harvester does."""
    transform_version = "test-1"

    def high_water(self):
        return ""

    def fetch(self, item):
        return item.payload

    def transform(self, payload, item):
        from catalogue.formats.ckan import transform_package
        return transform_package(payload)


class _Pages(_CkanPayloads):
    """A source with three pages of two records; `ready` as given (None: the harvester cannot say)."""

    def __init__(self, ready):
        if ready is not None:
            self.ready = lambda: ready

    def gather(self, since):
        for page in range(3):
            yield [RemoteItem(f"r{n}", payload=ckan_package(n)) for n in (2 * page, 2 * page + 1)]

    def listing(self):
        return Listing(ids={f"r{n}" for n in range(6)}, complete=True)



@pytest.mark.parametrize("ready, writes", [(True, [6]), (None, [6]), (False, [2, 2, 2])])
def test_pages_that_are_already_here_go_into_one_store_batch(empty_catalogue, monkeypatch, ready, writes):
    cat = empty_catalogue
    monkeypatch.setattr(runner, "make_harvester", lambda source, session, secret: _Pages(ready))
    add_source(cat, "paged", "ckan", "http://127.0.0.1:9")
    sizes = _count_writes(monkeypatch)
    result = run(cat, "paged")
    assert result.run.status == "complete" and result.run.totals["created"] == 6
    assert sizes == writes


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


class _Repeating(_CkanPayloads):
    """A source that lists the same record on two pages, changed in between."""

    def __init__(self, source, session, secret):
        self.source = source

    def gather(self, since):
        yield [RemoteItem("r1", "first", payload=ckan_package(1)), RemoteItem("r2", payload=ckan_package(2))]
        yield [RemoteItem("r1", "first", payload=ckan_package(1, title="Dataset 0001 retitled"))]

    def listing(self):
        return Listing(ids={"r1", "r2"}, complete=True)



def test_a_record_listed_twice_is_stored_then_updated(empty_catalogue, monkeypatch):
    cat = empty_catalogue
    monkeypatch.setattr(runner, "make_harvester", _Repeating)
    add_source(cat, "twice", "ckan", "http://127.0.0.1:9")
    result = run(cat, "twice")
    assert result.run.status == "complete", result.run.error
    assert [(o["remote_id"], o["action"]) for o in result.outcomes] == [("r1", "created"), ("r2", "created"),
                                                                        ("r1", "updated")]
    assert cat.store.get("ds-0001").title == "Dataset 0001 retitled"


def test_after_a_large_page_the_next_is_fetched_only_when_this_one_is_stored(empty_catalogue, fake_ckan, monkeypatch):
    cat = empty_catalogue
    big = "x" * 200_000  # two of these make a page over 1/8 of the 2 MB cap of these tests
    fake = fake_ckan([ckan_package(i, notes=big) for i in range(6)])
    events = []
    fake.override = lambda req: events.append(("page", req.query.get("start"))) if req.path.endswith(
        "package_search") else None
    add_source(cat, "portal", "ckan", fake.url, options={"rows": "2"})
    _count_writes(monkeypatch, lambda: events.append(("store", None)))
    result = run(cat, "portal")
    assert result.run.status == "complete" and result.run.totals["created"] == 6
    assert events == [("page", "0"), ("store", None), ("page", "2"), ("store", None), ("page", "4"), ("store", None)]
