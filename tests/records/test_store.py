import copy
import threading

import pytest

from catalogue.records.store import PUBLISHED, WITHDRAWN

pytestmark = pytest.mark.postgres


def test_every_write_is_a_revision_with_author_route_and_full_record(store, example_record):
    first = store.put(example_record, {}, author="alice@example.org", route="api")
    changed = copy.deepcopy(example_record)
    changed["title"] = "National Pupil Database, revised"
    second = store.put(changed, {}, author="bob@example.org", route="upload")
    assert (first.action, first.revision) == ("created", 1)
    assert (second.action, second.revision) == ("updated", 2)
    revs = store.revisions(example_record["identifier"])
    assert [(r.number, r.action, r.author, r.route) for r in revs] == [
        (1, "created", "alice@example.org", "api"), (2, "updated", "bob@example.org", "upload")]
    assert revs[0].record == example_record
    assert revs[1].record["title"] == "National Pupil Database, revised"
    assert revs[0].created_at.tzinfo is not None
    assert store.get(example_record["identifier"]).record == changed


def test_an_identical_write_makes_no_revision(store, example_record):
    store.put(example_record, {}, author="a", route="seed")
    again = store.put(copy.deepcopy(example_record), {}, author="a", route="seed")
    assert again.action == "unchanged"
    assert len(store.revisions(example_record["identifier"])) == 1
    assert store.max_seq() == 1


def test_withdraw_is_soft_and_recorded(store, example_record):
    store.put(example_record, {}, author="a", route="seed")
    result = store.withdraw(example_record["identifier"], reason="Superseded", author="b", route="api")
    assert result.action == "withdrawn"
    ds = store.get(example_record["identifier"])
    assert ds.status == WITHDRAWN and ds.withdrawn_reason == "Superseded"
    assert ds.record == example_record  # nothing deleted
    assert store.count() == 0 and store.count(status=None) == 1
    assert store.withdraw("no-such-id", reason="x", author="b", route="api") is None
    assert store.withdraw(example_record["identifier"], reason="x", author="b", route="api").action == "unchanged"
    republished = store.put(example_record, {}, author="c", route="api")
    assert republished.action == "updated" and store.get(example_record["identifier"]).status == PUBLISHED


def test_change_marks_follow_the_revision_counter(store, seed_records):
    for rec in seed_records[:3]:
        store.put(rec, {}, author="a", route="seed")
    mark = store.max_seq()
    store.put(dict(seed_records[1], title="Changed title"), {}, author="a", route="seed")
    store.withdraw(seed_records[2]["identifier"], reason="gone", author="a", route="seed")
    assert [(i, status) for i, _, status in store.change_marks(mark)] == [
        (seed_records[1]["identifier"], "published"), (seed_records[2]["identifier"], "withdrawn")]
    assert [seq for _, seq, _ in store.change_marks(mark)] == [mark + 1, mark + 2]
    assert store.change_marks(store.max_seq()) == []


def test_publishers_upsert_and_counts(store, seed_records):
    store.upsert_publisher({"id": "department-for-education", "name": "DfE"})
    store.upsert_publisher({"id": "department-for-education", "name": "Department for Education"})
    assert store.publisher("department-for-education")["name"] == "Department for Education"
    assert store.publisher("nobody") is None
    store.put(seed_records[0], {}, author="a", route="seed")
    assert store.publisher_counts()[seed_records[0]["publisher"]] == 1


def test_concurrent_updates_of_one_dataset_keep_every_revision(store, example_record):
    store.put(example_record, {}, author="a", route="seed")
    errors = []

    def write(n):
        try:
            store.put(dict(example_record, version=f"v{n}"), {}, author=f"w{n}", route="api")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = [r.number for r in store.revisions(example_record["identifier"])]
    assert numbers == list(range(1, 10))
