"""Fixtures: a temporary store seeded from files, the app, a client and a CLI runner.

Set CATALOGUE_TEST_DATABASE_URL (as `make test-postgres` does) to run the store, service and web tests
against PostgreSQL; each test then gets its own schema in that database. Set CATALOGUE_TEST_SEARCH_ENGINE=tantivy
(as `make test-tantivy` does) to run them on the Tantivy engine; the search tests run on both engines anyway,
through `search_engine`, `engine_catalogue`, `engine_small_catalogue` and `search_client`.
"""
from __future__ import annotations

import copy

import pytest

from catalogue.records.service import Catalogue
from catalogue.search import ENGINES
from catalogue.settings import Settings
from tests.support.app import (SEED_PUBLISHERS, SEED_RECORDS, TEST_PASSWORD, csrf_token, make_app, make_settings,
                               read_json)
from tests.support.paths import SEED


@pytest.fixture(scope="session")
def seed_records() -> list[dict]:
    return copy.deepcopy(SEED_RECORDS)


@pytest.fixture
def example_record() -> dict:
    return read_json(SEED / "example-record.json")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path / "instance")


@pytest.fixture
def empty_catalogue(settings):
    cat = Catalogue(settings)
    cat.load_publishers(SEED_PUBLISHERS)
    yield cat
    cat.close()


@pytest.fixture
def small_catalogue(empty_catalogue, seed_records):
    """A writable catalogue with a dozen seed records."""
    empty_catalogue.save_many(seed_records[:12], author="test", route="test")
    return empty_catalogue


@pytest.fixture(scope="session")
def seeded_catalogue(tmp_path_factory):
    """Read-only: the whole seed catalogue, shared by the session. Do not write to it."""
    cat = Catalogue(make_settings(tmp_path_factory.mktemp("seeded")))
    cat.load_publishers(SEED_PUBLISHERS)
    results = cat.save_many(copy.deepcopy(SEED_RECORDS), author="seed", route="seed")
    assert all(r.action == "created" for r in results), [r.to_dict() for r in results if r.action != "created"]
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def app(seeded_catalogue):
    return make_app(seeded_catalogue)


@pytest.fixture(scope="session", params=ENGINES)
def search_engine(request) -> str:
    """Each search engine in turn: tests that search run on both, so the engines cannot drift apart."""
    return request.param


@pytest.fixture(scope="session")
def engine_catalogue(search_engine, seeded_catalogue, tmp_path_factory):
    """Read-only: the whole seed catalogue on `search_engine` (the shared one when it already uses it)."""
    if seeded_catalogue.settings.search_engine == search_engine:
        yield seeded_catalogue
        return
    cat = Catalogue(make_settings(tmp_path_factory.mktemp(f"seeded-{search_engine}"), search_engine))
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(SEED_RECORDS), author="seed", route="seed")
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def engine_app(engine_catalogue, seeded_catalogue, app):
    return app if engine_catalogue is seeded_catalogue else make_app(engine_catalogue)


@pytest.fixture
def engine_small_catalogue(search_engine, tmp_path, seed_records):
    """A writable catalogue with a dozen seed records on each search engine in turn."""
    cat = Catalogue(make_settings(tmp_path / f"instance-{search_engine}", search_engine))
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(seed_records[:12]), author="test", route="test")
    yield cat
    cat.close()


@pytest.fixture
def search_client(engine_app):
    """A client of the seeded read-only app on each search engine in turn."""
    return engine_app.test_client()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def writable_app(small_catalogue):
    return make_app(small_catalogue)


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture
def login():
    """Sign a test client in through the real form: login(client, role="steward")."""
    def do(client, role: str = "publisher", publisher: str = "department-for-education", email: str | None = None):
        accounts = client.application.extensions["catalogue_services"].accounts
        pub = publisher if role == "publisher" else ""
        email = email or f"{role}.{pub or 'all'}@example.org"
        if accounts.principal(email) is None:
            accounts.create_user(email, role=role, password=TEST_PASSWORD, publisher=pub)
        resp = client.post("/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": csrf_token(client)})
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return accounts.principal(email)
    return do


@pytest.fixture
def api_token():
    """Create a user (if needed) and return a bearer token: api_token(app, role=..., publisher=...)."""
    def make(app, role: str = "publisher", publisher: str = "department-for-education", email: str | None = None):
        accounts = app.extensions["catalogue_services"].accounts
        pub = publisher if role == "publisher" else ""
        email = email or f"api.{role}.{pub or 'all'}@example.org"
        if accounts.principal(email) is None:
            accounts.create_user(email, role=role, password=TEST_PASSWORD, publisher=pub)
        return accounts.create_token(email)[1]
    return make
