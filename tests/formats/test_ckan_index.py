"""The CKAN API's package index: Rows equal to the packages they stand for, and catch-up that rebuilds only what
a write changed."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from catalogue.formats.ckan import package_from_record, package_row
from catalogue.formats.ckan_index import PackageIndex
from catalogue.formats.ckan_query import parse_search, row_of, search
from catalogue.records.scoring import readiness
from tests.support.app import SEED_RECORDS

pytestmark = pytest.mark.postgres
WHEN = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)


@pytest.mark.parametrize("record", SEED_RECORDS[:40], ids=lambda r: r["identifier"])
def test_row_from_the_record_equals_the_row_of_its_package(record):
    later = WHEN.replace(year=2027)
    assert package_row(record, created=WHEN, modified=later, seq=7) == row_of(
        package_from_record(record, created=WHEN, modified=later), seq=7)


def test_row_of_a_record_with_odd_distributions():
    record = {**SEED_RECORDS[0], "distribution": [{"mediaType": "text/csv"}, {"title": "no type"},
                                                  {"mediaType": "text/csv"}, {"mediaType": "application/json"}]}
    row = package_row(record)
    assert row.formats == ("CSV", "JSON") and row == row_of(package_from_record(record))


def _search(index: PackageIndex, **params):
    return search(index.all_rows(), parse_search(params))


def test_the_index_holds_published_datasets_and_builds_packages_on_demand(small_catalogue):
    index = PackageIndex(small_catalogue.store)
    ids = sorted(d.id for d in small_catalogue.datasets())
    assert [row.id for row in index.all_rows()] == ids
    d = small_catalogue.get(ids[0])
    expected = package_from_record(d.record, created=d.created_at, modified=d.updated_at,
                                   readiness=readiness(d.record).to_dict())
    assert index.packages([ids[0]]) == [expected]
    assert index.find(expected["name"]).id == ids[0] and index.find("no-such-thing") is None


def test_a_write_rebuilds_only_its_own_package(small_catalogue):
    index = PackageIndex(small_catalogue.store)
    ids = [row.id for row in index.all_rows()]
    before = {i: p for i, p in zip(ids, index.packages(ids))}
    changed = copy.deepcopy(small_catalogue.get(ids[3]).record)
    changed["title"] = "A new title for the CKAN index"
    assert small_catalogue.save(changed, author="test", route="test").action == "updated"
    assert index.catch_up() == 1
    after = {i: p for i, p in zip(ids, index.packages(ids))}
    assert after[ids[3]]["title"] == "A new title for the CKAN index"
    assert all(after[i] is before[i] for i in ids if i != ids[3])  # the others come from the cache, untouched
    first = _search(index, sort="metadata_modified desc", rows=1)
    assert first["ids"] == [ids[3]] and first["count"] == len(ids)
    assert index.catch_up() == 0  # nothing new


def test_withdrawn_datasets_leave_the_index(small_catalogue):
    index = PackageIndex(small_catalogue.store)
    gone = index.all_rows()[0].id
    small_catalogue.withdraw(gone, reason="Superseded", author="test", route="test")
    index.catch_up()
    assert gone not in {row.id for row in index.all_rows()}
    assert index.packages([gone]) == [] and index.find(gone) is None


def test_a_publisher_rename_shows_in_new_packages(small_catalogue):
    index = PackageIndex(small_catalogue.store)
    row = index.all_rows()[0]
    index.catch_up(small_catalogue.publisher_names())
    old = index.packages([row.id])[0]["organization"]["title"]
    small_catalogue.load_publishers([{"id": row.org, "name": "Renamed Department"}])
    index.catch_up(small_catalogue.publisher_names())
    assert old != "Renamed Department"
    assert index.packages([row.id])[0]["organization"]["title"] == "Renamed Department"
