"""SearchQuery.ids_only (what the CKAN API asks for): the same matches in the same order as the hits, on each
engine, without building hits."""
import pytest

from catalogue.search import SearchQuery

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("text", ["pupil", "nhs number", "census wales", "zzzz-nothing-matches"])
@pytest.mark.parametrize("page", [1, 2])
def test_ids_only_lists_the_hits_ids_in_order(engine_catalogue, text, page):
    full = engine_catalogue.engine.search(SearchQuery(text=text, page=page, page_size=5))
    ids = engine_catalogue.engine.search(SearchQuery(text=text, page=page, page_size=5, ids_only=True))
    assert ids.hits == [] and ids.ids == [h.id for h in full.hits]
    assert ids.total == full.total and ids.facets == full.facets
    assert full.ids == []  # an ordinary search fills hits only
