"""Duplicates across sources: detected, linked, reported, and not indexed twice."""
import pytest
from tests.support.fake_servers import ckan_package
from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture
from tests.support.harvest_helpers import add_source, by_action, run

from harvesters.store import HarvestRepository
from catalogue.search import SearchQuery

pytestmark = pytest.mark.postgres


def test_same_identifier_from_another_source_is_linked_not_stored(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    a = fake_ckan([ckan_package(1), ckan_package(2)])
    b = fake_ckan([ckan_package(1, title="Dataset 0001 (mirror)", id="mirror-1"), ckan_package(3)])
    add_source(cat, "a", "ckan", a.url)
    add_source(cat, "b", "ckan", b.url)
    assert run(cat, "a").run.totals["created"] == 2
    result = run(cat, "b")
    assert result.run.status == "complete"
    dup = by_action(result)["duplicate"]
    assert [(o["remote_id"], o["dataset_id"]) for o in dup] == [("mirror-1", "ds-0001")]
    assert dup[0]["details"] == {"duplicate_of": "ds-0001", "rule": "same identifier"}
    assert dup[0]["code"] == "duplicate"
    assert cat.store.get("ds-0001").title == "Dataset 0001 about rivers"  # the first copy is kept, untouched
    assert HarvestRepository(cat.store).links("b") == [
        {"source": "b", "remote_id": "mirror-1", "duplicate_of": "ds-0001", "rule": "same identifier",
         "run_id": result.run.id}]
    again = run(cat, "b", full=True)  # still a duplicate when read again, still one copy
    assert [o["action"] for o in again.outcomes if o["remote_id"] == "mirror-1"] == ["duplicate"]


def test_same_normalised_title_and_publisher_is_a_duplicate(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    a = fake_ckan([ckan_package(2)])
    b = fake_ckan([ckan_package(2, id="other-id", name="rivers-copy", title="  DATASET 0002 — about rivers! ")])
    add_source(cat, "a", "ckan", a.url)
    add_source(cat, "b", "ckan", b.url)
    run(cat, "a")
    result = run(cat, "b")
    dup = by_action(result)["duplicate"]
    assert dup[0]["details"] == {"duplicate_of": "ds-0002", "rule": "same title and publisher"}
    assert cat.store.get("rivers-copy") is None
    hits = cat.search(SearchQuery(text="rivers")).hits
    assert [h.id for h in hits] == ["ds-0002"]  # in search once


def test_records_published_by_upload_are_kept_over_harvested_copies(empty_catalogue, fake_ckan, seed_records):
    cat = empty_catalogue
    mine = seed_records[0]
    cat.save(mine, author="publisher@example.org", route="upload")
    copy = ckan_package(1, name=mine["identifier"], title="Something else")
    same_title = ckan_package(2, name="npd-copy", title=mine["title"].upper(),
                              organization={"name": mine["publisher"], "title": "x"})
    fake = fake_ckan([copy, same_title])
    add_source(cat, "portal", "ckan", fake.url)
    result = run(cat, "portal")
    assert sorted((o["remote_id"], o["dataset_id"], o["details"]["rule"]) for o in by_action(result)["duplicate"]) == [
        (copy["id"], mine["identifier"], "same identifier"),
        (same_title["id"], mine["identifier"], "same title and publisher")]
    assert cat.store.revisions(mine["identifier"])[-1].route == "upload"


def test_a_made_up_identifier_that_clashes_gets_a_source_prefix_instead(empty_catalogue, tmp_path):
    cat = empty_catalogue
    feed = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://a.example/dataset/%s> a dcat:Dataset ; dct:title "%s" ."""
    (tmp_path / "a.ttl").write_bytes(feed % (b"1", b"Schools"))
    (tmp_path / "b.ttl").write_bytes(feed.replace(b"a.example", b"b.example") % (b"1", b"Hospitals"))
    add_source(cat, "a", "dcat", str(tmp_path / "a.ttl"), publishers=["department-for-education"])
    add_source(cat, "b", "dcat", str(tmp_path / "b.ttl"), publishers=["department-of-health-and-social-care"])
    run(cat, "a")
    result = run(cat, "b")
    assert [o["dataset_id"] for o in by_action(result)["created"]] == ["b-https-b.example-dataset-1"]
    assert cat.store.get("1").title == "Schools"
