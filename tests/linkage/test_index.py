"""The link index is a projection: built from the store, then caught up from its change marks."""
from __future__ import annotations

import threading

import pytest

from catalogue.linkage.index import LinkIndex, facts_of
from catalogue.linkage.links import linkable_with
from tests.linkage.records import record, save

pytestmark = pytest.mark.postgres


def ids(index, ident):
    return [link.id for link in linkable_with(index, ident)]


def test_catch_up_after_save_update_and_withdraw(empty_catalogue):
    save(empty_catalogue, record("a", keys={"nhs-number": "N"}))
    index = LinkIndex(empty_catalogue.store)
    assert index.catch_up() == 0 and ids(index, "a") == []

    save(empty_catalogue, record("b", keys={"nhs-number": "N"}))
    assert ids(index, "a") == []  # a projection: nothing moves until it catches up
    assert index.catch_up() == 1
    assert ids(index, "a") == ["b"] and index.with_role("nhs-number") == {"a", "b"}

    save(empty_catalogue, record("b", keys={"uprn": "U"}))  # b drops its NHS number
    assert index.catch_up() == 1
    assert ids(index, "a") == [] and index.with_role("uprn") == {"b"}

    save(empty_catalogue, record("c", keys={"nhs-number": "N"}, linked=["a"]))
    empty_catalogue.withdraw("c", reason="superseded", author="test", route="test")
    assert index.catch_up() == 1  # created then withdrawn before the catch-up: one mark, never indexed
    assert index.get("c") is None and index.naming("a") == set()

    save(empty_catalogue, record("d", keys={"nhs-number": "N"}, linked=["a"]))
    index.catch_up()
    assert index.naming("a") == {"d"}
    empty_catalogue.withdraw("d", reason="superseded", author="test", route="test")
    assert index.catch_up() == 1
    assert index.get("d") is None and index.naming("a") == set() and index.with_role("nhs-number") == {"a"}
    assert index.seq == empty_catalogue.change_mark()


def test_caught_up_index_equals_a_fresh_build(empty_catalogue):
    save(empty_catalogue, record("a", keys={"nhs-number": "N"}), record("b", keys={"uprn": "U"}))
    index = LinkIndex(empty_catalogue.store)
    save(empty_catalogue, record("b", keys={"nhs-number": "N"}, tres=["SRS"]), record("c", keys={"sex": "S"}))
    empty_catalogue.withdraw("a", reason="x", author="test", route="test")
    index.catch_up()
    fresh = LinkIndex(empty_catalogue.store)
    assert index.facts == fresh.facts
    assert index.role_counts() == fresh.role_counts() == {"nhs-number": 1, "sex": 1}


def test_publisher_rename_is_caught_up_without_a_dataset_change(empty_catalogue):
    save(empty_catalogue, record("a"))
    index = LinkIndex(empty_catalogue.store)
    index.catch_up(empty_catalogue.publisher_names())
    empty_catalogue.load_publishers([{"id": "department-for-education", "name": "Department for Learning"}])
    index.catch_up(empty_catalogue.publisher_names())
    assert index.publisher_name("department-for-education") == "Department for Learning"


def test_facts_read_values_of_the_wrong_type_as_absent():
    weird = {"identifier": "w", "title": 5, "variables": ["x", {"linkageRole": "nhs-number", "completeness": "high"},
                                                      {"name": "U", "linkageRole": "uprn", "completeness": True}],
             "access": {"routes": "SRS", "legalGateways": [None, "Census Act 1920"], "leadTimeWeeks": "soon"},
             "coverage": {"nations": [1, "Wales"], "temporalStart": "20xx"}, "linkage": {"linkedDatasets": [3]},
             "informationAssetOwner": "someone", "contactPoint": []}
    f = facts_of(weird)
    assert f.title == "w" and set(f.keys) == {"nhs-number", "uprn"}
    assert f.keys["nhs-number"][0].completeness is None and f.keys["uprn"][0].completeness is None
    assert f.tres == () and [g.id for g in f.gateways] == ["census-act-1920"]
    assert f.nations == ("Wales",) and f.years == (None, None) and f.linked == () and f.iao == {}


def test_reads_stay_consistent_while_catching_up(empty_catalogue):
    save(empty_catalogue, *[record(f"r{i}", keys={"nhs-number": "N", "sex": "S"}) for i in range(20)])
    index = LinkIndex(empty_catalogue.store)
    errors, done = [], threading.Event()

    def read():
        while not done.is_set():
            try:
                found = linkable_with(index, "r0", limit=50)
                assert found.total == found.direct + found.probabilistic
            except Exception as exc:  # noqa: BLE001 - the test reports any failure
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for i in range(20, 40):
            save(empty_catalogue, record(f"r{i}", keys={"sex": "S"} if i % 2 else {"nhs-number": "N"}))
            index.catch_up()
    finally:
        done.set()
        for t in readers:
            t.join()
    assert not errors
    assert linkable_with(index, "r0", limit=50).total == 39
