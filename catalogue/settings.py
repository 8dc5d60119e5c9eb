"""Settings: each declared once (name, default, help) and read in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("instance_dir", str(REPO_ROOT / "instance"), "Folder for the SQLite store and the search index."),
    Setting("database_url", "", "SQLAlchemy URL of the store; empty means SQLite in the instance folder."),
    Setting("index_dir", "", "Folder of the Whoosh index; empty means <instance_dir>/index."),
    Setting("base_url", "http://127.0.0.1:5000", "Public base URL, used for dataset URIs in RDF."),
    Setting("page_size", 20, "Search results per page."),
    Setting("secret_key", "", "Flask secret key; empty means a random key per instance, stored in the instance folder."),
    Setting("max_upload_mb", 20, "Largest accepted request body, in MB."),
    Setting("max_upload_records", 5000, "Most records accepted in one upload."),
)


@dataclass(frozen=True)
class Settings:
    instance_dir: str = SETTINGS[0].default  # type: ignore[assignment]
    database_url: str = ""
    index_dir: str = ""
    base_url: str = "http://127.0.0.1:5000"
    page_size: int = 20
    secret_key: str = ""
    max_upload_mb: int = 20
    max_upload_records: int = 5000
    extra: dict = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{Path(self.instance_dir) / 'catalogue.db'}"

    @property
    def index_path(self) -> str:
        return self.index_dir or str(Path(self.instance_dir) / "index")

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Settings":
        """Read CATALOGUE_<NAME> variables; explicit overrides win."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for s in SETTINGS:
            raw = environ.get(f"CATALOGUE_{s.name.upper()}")
            if raw not in (None, ""):
                values[s.name] = type(s.default)(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


assert {s.name for s in SETTINGS} == {f.name for f in fields(Settings)} - {"extra"}
