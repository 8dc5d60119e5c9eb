"""Fixtures: a temporary store seeded from files, the app, a client and a CLI runner.

Set CATALOGUE_TEST_DATABASE_URL (as `make test-postgres` does) to run the store, service and web tests
against PostgreSQL; each test then gets its own schema in that database.
"""
from __future__ import annotations

import copy
import json
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from catalogue.service import Catalogue
from catalogue.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed_data"


def _read(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_seed() -> tuple[list[dict], list[dict]]:
    records: list[dict] = []
    for f in sorted((SEED / "datasets").glob("*.json")):
        records.extend(_read(f))
    example = _read(SEED / "example-record.json")
    if not any(r["identifier"] == example["identifier"] for r in records):
        records.insert(0, example)
    pubs_file = SEED / "publishers.json"
    pubs = _read(pubs_file) if pubs_file.exists() else []
    known = {p["id"] for p in pubs}
    pubs += [{"id": r["publisher"], "name": r["publisher"]} for r in records if r["publisher"] not in known]
    return records, pubs


SEED_RECORDS, SEED_PUBLISHERS = load_seed()


@pytest.fixture(scope="session")
def seed_records() -> list[dict]:
    return copy.deepcopy(SEED_RECORDS)


@pytest.fixture
def example_record() -> dict:
    return _read(SEED / "example-record.json")


def fresh_db_url(folder: Path) -> str:
    """A new empty database: a SQLite file, or a new schema in the test PostgreSQL."""
    base = os.environ.get("CATALOGUE_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{folder / 'catalogue.db'}"
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"


def make_settings(folder: Path) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    return Settings(instance_dir=str(folder), database_url=fresh_db_url(folder), secret_key="test")


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


def make_app(cat):
    """A test app around a catalogue."""
    from web import create_app

    app = create_app(cat.settings, catalogue=cat)
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="session")
def app(seeded_catalogue):
    return make_app(seeded_catalogue)


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


TEST_PASSWORD = "correct horse battery staple"


def csrf_token(client, path: str = "/login") -> str:
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def login():
    """Sign a test client in through the real form: login(client, role="steward")."""
    def do(client, role: str = "publisher", publisher: str = "department-for-education", email: str | None = None):
        accounts = client.application.extensions["accounts"]
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
        accounts = app.extensions["accounts"]
        pub = publisher if role == "publisher" else ""
        email = email or f"api.{role}.{pub or 'all'}@example.org"
        if accounts.principal(email) is None:
            accounts.create_user(email, role=role, password=TEST_PASSWORD, publisher=pub)
        return accounts.create_token(email)[1]
    return make
