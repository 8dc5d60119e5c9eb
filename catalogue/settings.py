"""Settings: each declared once (name, type, default and help, on the Settings fields) and read in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path


def _setting(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    instance_dir: str = _setting("instance", "Folder for the SQLite store, search index and secret key "
                                             "(relative to the working directory).")
    database_url: str = _setting("", "SQLAlchemy URL of the store; empty means SQLite in the instance folder.")
    index_dir: str = _setting("", "Folder of the search index; empty means <instance_dir>/index. The Tantivy engine "
                                  "adds -tantivy to the name, so each engine keeps its own folder.")
    search_engine: str = _setting("whoosh", "Search engine: whoosh (pure Python, the default) or tantivy (compiled; "
                                            "for tens of thousands of records). Run `catalogue reindex` after a switch.")
    base_url: str = _setting("http://127.0.0.1:5000", "Public base URL, used for dataset URIs in RDF.")
    page_size: int = _setting(20, "Search results per page.")
    secret_key: str = _setting("", "Flask secret key; empty means a random key per instance, kept in the "
                                   "instance folder.")
    max_upload_mb: int = _setting(20, "Largest accepted request body, in MB.")
    max_upload_records: int = _setting(5000, "Most records accepted in one upload.")
    workers: int = _setting(0, "Web worker processes of `catalogue serve` (gunicorn); 0 means 2 x CPU cores + 1, "
                               "at most 8.")
    request_timeout: int = _setting(30, "Seconds a request may take in `catalogue serve` before its worker is "
                                        "replaced (a slow client cannot hold one longer).")
    sparql_dir: str = _setting("", "Folder of the SPARQL store (pyoxigraph); empty means <instance_dir>/sparql.")
    sparql_timeout: float = _setting(10.0, "Seconds a SPARQL query may run before it is stopped with an error.")
    sparql_max_rows: int = _setting(10000, "Most rows (or triples) a SPARQL query may return; more is an error.")
    sparql_workers: int = _setting(2, "SPARQL query worker processes per web process (queries run in parallel).")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{Path(self.instance_dir).resolve() / 'catalogue.db'}"

    @property
    def index_path(self) -> str:
        folder = self.index_dir or str(Path(self.instance_dir) / "index")
        return folder if self.search_engine == "whoosh" else f"{folder}-{self.search_engine}"

    @property
    def sparql_path(self) -> str:
        return self.sparql_dir or str(Path(self.instance_dir) / "sparql")

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Settings":
        """Read CATALOGUE_<NAME> variables; explicit overrides win."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(env_name(f.name))
            if raw not in (None, ""):
                values[f.name] = type(f.default)(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def env_name(name: str) -> str:
    return f"CATALOGUE_{name.upper()}"


def described() -> list[tuple[str, object, str]]:
    """(environment variable, default, help) for every setting, for --help texts and docs."""
    return [(env_name(f.name), f.default, f.metadata["help"]) for f in fields(Settings)]
