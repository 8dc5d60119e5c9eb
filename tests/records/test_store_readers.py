"""The lean reader the projections use (Store.records) gives what datasets() gives: the same records, publishers and
statuses, by id, without copies or reports."""
import pytest

from catalogue.records.store import PUBLISHED
from catalogue.records.validation import validate

pytestmark = pytest.mark.postgres


def test_records_match_datasets(store, seed_records):
    store.put_many([(r, validate(r).to_dict()) for r in seed_records], author="test", route="test")
    withdrawn = seed_records[3]["identifier"]
    store.withdraw(withdrawn, reason="gone", author="test", route="test")
    ids = sorted(r["identifier"] for r in seed_records)[::-1] + ["not-stored"]  # any order, with a stranger
    want = [(d.id, d.publisher, d.record) for d in store.datasets(ids=ids)]
    assert store.records(ids) == want and len(want) == len(seed_records) - 1
    assert withdrawn not in [i for i, _, _ in store.records(ids)]
    everything = [(d.id, d.publisher, d.record) for d in store.datasets(status=None, ids=ids)]
    assert store.records(ids, status=None) == everything and len(everything) == len(seed_records)
    assert [i for i, _, _ in store.records(ids, status="withdrawn")] == [withdrawn]
    assert store.records([]) == []
    assert all(store.get(i).status == PUBLISHED for i, _, _ in store.records(ids))
