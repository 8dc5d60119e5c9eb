"""The first save into a catalogue with no index builds it: from the records just written when the store holds only
those, from the store otherwise. Either way the index then holds exactly what the store publishes."""
import pytest

from catalogue.records.service import Catalogue
from catalogue.search import SearchQuery

pytestmark = pytest.mark.postgres


def indexed(cat) -> set:
    result = cat.search(SearchQuery(page_size=1000))
    return {h.id for h in result.hits}


def test_a_new_catalogue_indexes_its_first_batch_without_reading_it_back(empty_catalogue, seed_records, monkeypatch):
    monkeypatch.setattr(empty_catalogue, "reindex", lambda: pytest.fail("read the store back"))
    results = empty_catalogue.save_many(seed_records + seed_records[:3], author="a", route="seed")
    assert {r.action for r in results} == {"created", "unchanged"}
    monkeypatch.undo()
    assert indexed(empty_catalogue) == {r["identifier"] for r in seed_records}
    assert empty_catalogue.engine.last_seq() == empty_catalogue.store.max_seq()


def test_records_already_in_the_store_are_indexed_too(settings, seed_records):
    cat = Catalogue(settings)
    try:
        for record in seed_records[:5]:  # written to the store alone: the index never saw them
            cat.store.put(record, {}, author="a", route="seed")
        cat.save_many(seed_records[5:], author="a", route="seed")
        assert indexed(cat) == {r["identifier"] for r in seed_records}
    finally:
        cat.close()
