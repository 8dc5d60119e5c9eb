"""/healthz (store reachable, index lag, engine) and the index lag on the stewards' harvest page."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import create_engine

from catalogue.records.indexer import Indexer
from catalogue.records.service import Catalogue
from tests.support.app import make_app

pytestmark = pytest.mark.postgres


def test_healthz_reports_the_store_and_an_index_in_step(writable_app):
    resp = writable_app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    cat = writable_app.extensions["catalogue_services"].catalogue
    store_rev = cat.store.max_seq()
    assert body["status"] == "ok" and body["store"] == {"reachable": True, "revision": store_rev}
    assert body["index"] == {"engine": cat.settings.search_engine, "revision": store_rev, "lag": 0,
                             "writer": "in-process"}


@pytest.fixture
def worker_app(small_catalogue):
    """A web worker's app: it stores writes and reads the index, which only an indexer writes."""
    reader = Catalogue(small_catalogue.settings, index_writer=False)
    yield make_app(reader), small_catalogue
    reader.close()


def test_healthz_and_the_harvest_page_show_a_node_falling_behind(worker_app, seed_records, login):
    app, writer = worker_app
    reader = app.extensions["catalogue_services"].catalogue
    for rec in copy.deepcopy(seed_records[12:15]):
        reader.save(rec, author="t", route="test")
    body = app.test_client().get("/healthz").get_json()
    assert body["index"]["lag"] == 3 and body["index"]["writer"] == "none"  # no indexer runs in this test
    client = app.test_client()
    login(client, role="steward")
    page = client.get("/harvest").get_data(as_text=True)
    assert "Search index on this node" in page and "3 revisions behind" in page
    assert "No indexer is running on this node" in page
    assert client.get("/harvest.json").get_json()["index"]["lag"] == 3
    Indexer(writer).step()  # the node's indexer catches up
    assert app.test_client().get("/healthz").get_json()["index"]["lag"] == 0
    page = client.get("/harvest").get_data(as_text=True)
    assert "Up to date" in page and "3 revisions behind" not in page


def test_healthz_is_503_when_the_store_cannot_be_reached(writable_app, tmp_path):
    cat = writable_app.extensions["catalogue_services"].catalogue
    working = cat.store.engine
    cat.store.engine = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'catalogue.db'}")
    try:
        resp = writable_app.test_client().get("/healthz")
    finally:
        cat.store.engine.dispose()
        cat.store.engine = working
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["ok"] is False and body["status"] == "unavailable" and body["store"]["reachable"] is False
    assert body["index"]["engine"] == cat.settings.search_engine
