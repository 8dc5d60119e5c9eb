import copy
import shutil

import pytest

from catalogue.search import SearchQuery
from catalogue.records.service import Catalogue

pytestmark = pytest.mark.postgres


def ids(result):
    return [h.id for h in result.hits]


def test_save_validates_stores_and_indexes(empty_catalogue, example_record):
    result = empty_catalogue.save(example_record, author="alice", route="api")
    assert result.action == "created" and result.report.valid and result.revision == 1
    assert empty_catalogue.get(example_record["identifier"]).record == example_record
    assert ids(empty_catalogue.search(SearchQuery(text="pupil matching"))) == [example_record["identifier"]]


def test_invalid_record_is_rejected_and_nothing_is_stored(empty_catalogue, example_record):
    bad = copy.deepcopy(example_record)
    bad["accessRights"] = "WIDE OPEN"
    result = empty_catalogue.save(bad, author="alice", route="api")
    assert result.action == "rejected"
    assert [i.path for i in result.report.errors] == ["$.accessRights"]
    assert empty_catalogue.get(bad["identifier"]) is None
    assert empty_catalogue.store.max_seq() == 0


def test_invalid_update_leaves_existing_record_untouched(small_catalogue, seed_records):
    rec = copy.deepcopy(seed_records[0])
    rec["modified"] = "yesterday"
    assert small_catalogue.save(rec, author="x", route="api").action == "rejected"
    assert small_catalogue.get(rec["identifier"]).record == seed_records[0]
    assert len(small_catalogue.store.revisions(rec["identifier"])) == 1


def test_non_object_input_is_rejected_not_raised(empty_catalogue):
    results = empty_catalogue.save_many([[], "x", None, {"identifier": 5}], author="x", route="api")
    assert [r.action for r in results] == ["rejected"] * 4


def test_allow_invalid_stores_incomplete_records_with_their_report(empty_catalogue, example_record):
    rec = copy.deepcopy(example_record)
    del rec["licence"]
    result = empty_catalogue.save(rec, author="harvester", route="harvest", allow_invalid=True)
    assert result.action == "created"
    stored = empty_catalogue.get(rec["identifier"])
    assert stored.report["valid"] is False
    assert stored.report["issues"][0]["path"] == "$.licence"


def test_update_reindexes_and_withdraw_removes_from_search(engine_small_catalogue, seed_records):
    small_catalogue = engine_small_catalogue
    rec = copy.deepcopy(seed_records[0])
    rec["title"] = "Zyxwvut register"
    assert small_catalogue.save(rec, author="x", route="api").action == "updated"
    assert ids(small_catalogue.search(SearchQuery(text="zyxwvut"))) == [rec["identifier"]]
    small_catalogue.withdraw(rec["identifier"], reason="test", author="x", route="api")
    assert ids(small_catalogue.search(SearchQuery(text="zyxwvut"))) == []
    assert small_catalogue.search(SearchQuery()).total == 11


def test_index_is_rebuilt_when_deleted(engine_small_catalogue):
    small_catalogue, settings = engine_small_catalogue, engine_small_catalogue.settings
    small_catalogue.close()
    shutil.rmtree(settings.index_path)
    fresh = Catalogue(settings)
    assert fresh.sync_index(force=True) == 12
    assert fresh.search(SearchQuery()).total == 12
    fresh.close()


def test_stale_index_catches_up_from_the_revision_counter(engine_small_catalogue, seed_records):
    """A second process writes; ours catches up without a rebuild."""
    small_catalogue, settings = engine_small_catalogue, engine_small_catalogue.settings
    other = Catalogue(settings)
    other.engine = type(small_catalogue.engine)(settings.index_path + "-other")  # its own projection
    other.save(dict(seed_records[0], title="Qwertyuiop survey"), author="other", route="api")
    other.withdraw(seed_records[1]["identifier"], reason="gone", author="other", route="api")
    other.close()
    assert small_catalogue.sync_index(force=True) == 2
    assert ids(small_catalogue.search(SearchQuery(text="qwertyuiop"))) == [seed_records[0]["identifier"]]
    assert seed_records[1]["identifier"] not in ids(small_catalogue.search(SearchQuery(page_size=50)))


def test_reindex_matches_the_store(engine_small_catalogue, monkeypatch):
    from catalogue.records import reading

    cat = engine_small_catalogue
    monkeypatch.setattr(reading, "BATCH", 5)  # several batches
    assert cat.reindex() == cat.store.count() == cat.engine.doc_count() == 12
    assert cat.search(SearchQuery()).total == 12


def test_diff_orders_numeric_and_named_keys_without_comparing_them():
    from catalogue.records.history import diff
    changes = diff({"a": {"1": "x", "b": "y"}}, {"a": {"1": "z", "b": "w", "10": "n"}, "c": [1, 2]})
    assert [c.path for c in changes] == ["$.a.1", "$.a.10", "$.a.b", "$.c[0]", "$.c[1]"]


def test_publisher_names_follow_another_process_after_a_while(empty_catalogue, settings):
    other = Catalogue(settings, index_writer=False)  # a web worker beside the process that loads publishers
    try:
        assert "new-body" not in other.publisher_names()
        empty_catalogue.load_publishers([{"id": "new-body", "name": "New Body"}])
        assert "new-body" not in other.publisher_names()  # kept for NAMES_TTL seconds
        other._pub_names_at -= other.NAMES_TTL + 1
        assert other.publisher_names()["new-body"] == "New Body"
    finally:
        other.close()
