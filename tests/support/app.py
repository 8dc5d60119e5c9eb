"""The test app: seed records, fresh settings and databases (SQLite or a PostgreSQL schema), sign-in helpers."""
from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from catalogue.settings import Settings
from tests.support.paths import SEED


def read_json(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_seed() -> tuple[list[dict], list[dict]]:
    records: list[dict] = []
    for f in sorted((SEED / "datasets").glob("*.json")):
        records.extend(read_json(f))
    example = read_json(SEED / "example-record.json")
    if not any(r["identifier"] == example["identifier"] for r in records):
        records.insert(0, example)
    pubs_file = SEED / "publishers.json"
    pubs = read_json(pubs_file) if pubs_file.exists() else []
    known = {p["id"] for p in pubs}
    pubs += [{"id": r["publisher"], "name": r["publisher"]} for r in records if r["publisher"] not in known]
    return records, pubs


SEED_RECORDS, SEED_PUBLISHERS = load_seed()


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


def make_settings(folder: Path, search_engine: str | None = None) -> Settings:
    """Settings for a fresh instance; the search engine is CATALOGUE_TEST_SEARCH_ENGINE's (default: Whoosh)."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = search_engine or os.environ.get("CATALOGUE_TEST_SEARCH_ENGINE") or "whoosh"
    return Settings(instance_dir=str(folder), database_url=fresh_db_url(folder), secret_key="test",
                    search_engine=engine)


def make_app(cat):
    """A test app around a catalogue."""
    from web import create_app

    app = create_app(cat.settings, catalogue=cat)
    app.config["TESTING"] = True
    return app


TEST_PASSWORD = "correct horse battery staple"


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
