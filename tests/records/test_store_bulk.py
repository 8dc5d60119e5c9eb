"""Store.put_many writes a batch in bulk statements; each record still gets exactly the revision it would get alone."""
import copy
import threading

import pytest

from catalogue.records.store import PUBLISHED, Store

pytestmark = pytest.mark.postgres


def changed(record: dict, title: str) -> dict:
    return {**copy.deepcopy(record), "title": title}


def test_a_batch_gives_each_record_its_own_revision_in_order(store, seed_records):
    results = store.put_many([(r, {"valid": True}) for r in seed_records], author="a", route="seed")
    assert [w.action for w in results] == ["created"] * len(seed_records)
    assert [w.seq for w in results] == list(range(1, len(seed_records) + 1))  # the counter, in batch order
    for record, w in zip(seed_records, results):
        got = store.get(record["identifier"])
        assert (got.record, got.report, got.revision, got.seq, got.status) == (record, {"valid": True}, 1, w.seq,
                                                                               PUBLISHED)
    assert store.max_seq() == len(seed_records)


def test_one_dataset_twice_in_a_batch(store, example_record):
    first, second = changed(example_record, "First"), changed(example_record, "Second")
    results = store.put_many([(first, {}), (second, {}), (copy.deepcopy(second), {})], author="a", route="api")
    assert [(w.action, w.revision, w.seq) for w in results] == [("created", 1, 1), ("updated", 2, 2),
                                                                 ("unchanged", 2, 2)]
    assert [r.record["title"] for r in store.revisions(example_record["identifier"])] == ["First", "Second"]
    got = store.get(example_record["identifier"])
    assert (got.record["title"], got.revision, got.seq) == ("Second", 2, 2)
    assert store.change_marks(0) == [(example_record["identifier"], 2, PUBLISHED)]


def test_a_mixed_batch_of_new_changed_unchanged_and_withdrawn(store, seed_records):
    a, b, c, d = seed_records[:4]
    store.put_many([(a, {}), (b, {}), (c, {})], author="a", route="seed")
    store.withdraw(c["identifier"], reason="gone", author="a", route="api")
    results = store.put_many([(a, {}), (changed(b, "New title"), {"n": 1}), (c, {}), (d, {})], author="b",
                             route="harvest")
    assert [(w.action, w.revision) for w in results] == [("unchanged", 1), ("updated", 2), ("updated", 3),
                                                         ("created", 1)]
    assert store.get(b["identifier"]).report == {"n": 1}
    assert store.get(c["identifier"]).status == PUBLISHED  # an identical record republishes a withdrawn one
    assert store.get(c["identifier"]).withdrawn_reason == ""
    assert [r.action for r in store.revisions(c["identifier"])] == ["created", "withdrawn", "updated"]
    assert store.get(a["identifier"]).seq == 1  # unchanged: no new revision, the dataset's seq stays


def test_a_failed_batch_stores_nothing(store, seed_records):
    bad = {**copy.deepcopy(seed_records[1]), "publisher": None}  # the datasets table needs a publisher
    with pytest.raises(Exception):
        store.put_many([(seed_records[0], {}), (bad, {})], author="a", route="api")
    assert store.count() == 0 and store.max_seq() == 0


def test_concurrent_batches_that_create_the_same_datasets(store, settings, seed_records):
    """Two writers create the same new datasets at once: one wins each id, the other retries and updates or finds
    nothing changed; no revision number is used twice and every dataset points at its last revision."""
    batch = [(r, {}) for r in seed_records[:20]]
    other = [(changed(r, r["title"] + " (other)"), {}) for r in seed_records[:20]]
    errors = []

    def write(items):
        s = Store(settings.db_url)
        try:
            s.put_many(items, author="t", route="api")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=write, args=(items,)) for items in (batch, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for record in seed_records[:20]:
        revs = store.revisions(record["identifier"])
        assert [r.number for r in revs] == list(range(1, len(revs) + 1)) and 1 <= len(revs) <= 2
        assert store.get(record["identifier"]).seq == revs[-1].seq
