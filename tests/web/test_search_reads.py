"""The search page's cheaper reads (web/services.py): the matched variables of recently shown records and the count of
published datasets are kept between requests, and a write shows on the next page at once."""
from __future__ import annotations

import pytest

from catalogue.search.variables import matched_variables

from tests.linkage.records import record, save
from web.services import MatchedVariables, PublishedCount

pytestmark = pytest.mark.postgres
QUERIES = ["/search.json?q=nhs+number", "/search.json?q=school+pupils", "/search.json?linkage_key=uprn",
           "/search.json?q=date+of+birth&page=2", "/search.json?q=postcode&linkage_key=nhs-number"]


def _direct(app, hit: dict, q: str, roles: list[str], limit: int = 5) -> tuple[list[str], int]:
    """What the page must show, computed from a fresh store read."""
    cat = app.extensions["catalogue_services"].catalogue
    found = matched_variables(cat.get(hit["id"]).record, q, roles)
    return [m.to_dict()["text"] for m in found[:limit]], max(0, len(found) - limit)


@pytest.mark.parametrize("limit", [MatchedVariables.LIMIT, 3])  # 3: records dropped and read again between pages
def test_matched_variables_are_those_of_a_fresh_read(app, monkeypatch, limit):
    monkeypatch.setattr(MatchedVariables, "LIMIT", limit)
    client = app.test_client()
    for _ in range(2):  # the first pass reads the store, the second is served from what the first kept
        for url in QUERIES:
            data = client.get(url).get_json()
            assert data["hits"], url
            q, roles = data["query"]["q"], data["query"]["filters"].get("linkage_key", [])
            for hit in data["hits"]:
                shown = ([m["text"] for m in hit["matched_variables"]], hit["more_matched_variables"])
                assert shown == _direct(app, hit, q, roles), (url, hit["id"])
    assert any(h["matched_variables"] for url in QUERIES for h in client.get(url).get_json()["hits"])


def _shown(client, ident: str) -> list[str]:
    hits = client.get("/search.json?linkage_key=nhs-number").get_json()["hits"]
    return [m["text"] for h in hits if h["id"] == ident for m in h["matched_variables"]]


def test_a_changed_record_shows_its_new_variables_at_once(writable_app):
    cat = writable_app.extensions["catalogue_services"].catalogue
    client = writable_app.test_client()
    save(cat, record("cachetest-a", keys={"nhs-number": "NHSNUM_OLD"}))
    assert _shown(client, "cachetest-a") == ["NHSNUM_OLD, nhs-number of the person (linkage key)"]
    assert _shown(client, "cachetest-a") == ["NHSNUM_OLD, nhs-number of the person (linkage key)"]  # kept
    save(cat, record("cachetest-a", keys={"nhs-number": "NHSNUM_NEW"}))
    assert _shown(client, "cachetest-a") == ["NHSNUM_NEW, nhs-number of the person (linkage key)"]


def test_the_dataset_count_follows_writes(writable_app, monkeypatch):
    cat = writable_app.extensions["catalogue_services"].catalogue
    counter = writable_app.extensions["catalogue_services"].published_count
    now = [1000.0]
    monkeypatch.setattr(counter, "clock", lambda: now[0])
    client = writable_app.test_client()

    def shown() -> int:
        return client.get("/search.json").get_json()["total_datasets"]

    before = shown()
    assert before == cat.count() > 0
    assert f"Search {before} datasets" in client.get("/search").get_data(as_text=True)
    now[0] += PublishedCount.MAX_AGE
    save(cat, record("cachetest-count"))
    assert shown() == before + 1  # the count was old enough: taken again at once
    cat.withdraw("cachetest-count", reason="test", author="test", route="test")
    assert shown() == before + 1  # counted less than MAX_AGE ago: may lag the write ...
    now[0] += PublishedCount.MAX_AGE
    assert shown() == before  # ... by MAX_AGE at most
    assert f"Search {before} datasets" in client.get("/search").get_data(as_text=True)
    counted = []
    monkeypatch.setattr(cat, "count", lambda: counted.append(1) or 0)
    now[0] += 60
    assert shown() == before and not counted  # nothing written since: the number kept, no count taken


def test_hits_carry_every_field_of_the_engines_hits(app):
    from werkzeug.datastructures import MultiDict

    from web.views.search import parse_query

    cat = app.extensions["catalogue_services"].catalogue
    client = app.test_client()
    for url in QUERIES:
        data = client.get(url).get_json()
        args = MultiDict([tuple(p.split("=", 1)) for p in url.split("?", 1)[1].split("&")])
        expected = cat.search(parse_query(MultiDict((k, v.replace("+", " ")) for k, v in args.items(multi=True)),
                                          data["page_size"])).to_dict()["hits"]
        assert len(data["hits"]) == len(expected)
        assert [{k: h[k] for k in e} for h, e in zip(data["hits"], expected)] == expected, url
        assert all({"url", "band_label", "matched_variables"} <= set(h) for h in data["hits"])


class _Store:
    """The revision numbers and change marks a store would give, set by the test."""

    def __init__(self):
        self.revisions: list[int] = []
        self.marks: dict[str, int] = {}

    def change_marks(self, seq: int) -> list[tuple[str, int, str]]:
        return sorted(((i, s, "published") for i, s in self.marks.items() if s > seq), key=lambda m: m[1])


def test_changes_catch_a_revision_that_commits_after_a_later_one(monkeypatch):
    import catalogue.records.indexer as indexer_module
    import web.services as services_module

    store, now = _Store(), [0.0]
    monkeypatch.setattr(services_module, "revision_before", lambda _store, _grace: 9)
    monkeypatch.setattr(indexer_module, "revision_seqs",
                        lambda _store, after: sorted(s for s in store.revisions if s > after))
    changes = services_module.Changes(store, grace=60, clock=lambda: now[0])
    assert changes.since_last() == []
    store.revisions, store.marks = [11], {"b": 11}  # revision 10 (of "a") is still being written
    assert changes.since_last() == ["b"]
    assert changes.since_last() == []  # "b" is not reported twice
    store.revisions, store.marks = [10, 11], {"a": 10, "b": 11}  # ... and commits after 11
    assert changes.since_last() == ["a"]
    store.revisions, store.marks = [10, 11, 13], {"a": 10, "b": 11, "c": 13}  # 12 rolled back: never appears
    assert changes.since_last() == ["c"]
    now[0] += 61  # given up on after the grace period: the watermark moves past it
    assert changes.since_last() == [] and changes._mark == 13
    store.revisions, store.marks = [10, 11, 13, 14], {"a": 14, "b": 11, "c": 13}
    assert changes.since_last() == ["a"]
