"""Where harvested records came from, and the harvest log that the steward pages read.

The line between the core and harvesters/ (issue 9): the core keeps what the core and the web READ; harvesters/store.py
keeps every write and what only a harvest needs.
- Here: the tables the steward pages read whole (harvest_sources, harvest_runs, harvest_outcomes: declared, created and
  brought up to date here), their types (Source, Run), run statuses, outcome actions, RunInProgress (a domain error the
  web maps to 409), and ProvenanceRepository: sources, runs, outcomes, duplicate links, and where each dataset came
  from (source, remote id, schema version, fetched at, run).
- harvesters/store.py: its own tables harvest_objects (raw payloads and their digests, for incremental runs) and
  harvest_links (duplicates), run locks and process ownership, and HarvestRepository: this repository plus every write
  (sources, runs, outcomes, payloads, links).
The core reads a few columns of those two tables by name (_OBJECTS, _LINKS); tests/harvesters/test_harvest_layout.py
checks that harvesters/store.py declares them. Table names are unchanged, so existing stores keep working.
Credentials are never stored: a source keeps only the NAME of the environment variable that holds its secret.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import (JSON, DateTime, Float, ForeignKey, Integer, String, Text, column, func, inspect, select, table,
                        text)
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalogue.errors import CatalogueError
from catalogue.records.clock import as_utc
from catalogue.records.store import Base, Store

RUNNING, COMPLETE, PARTIAL, FAILED = "running", "complete", "partial", "failed"
ACTIONS = ("created", "updated", "unchanged", "withdrawn", "failed", "duplicate", "skipped")


class RunInProgress(CatalogueError):
    """Another run of the same source has not finished (raised by the harvesters when a run is started)."""

    code = "run-in-progress"


class SourceRow(Base):
    __tablename__ = "harvest_sources"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    publishers: Mapped[list] = mapped_column(JSON, default=list)
    token_env: Mapped[str] = mapped_column(String(200), default="")
    auth: Mapped[str] = mapped_column(String(20), default="")
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    schedule: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    __tablename__ = "harvest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    totals: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    high_water: Mapped[str] = mapped_column(String(64), default="")
    host: Mapped[str] = mapped_column(String(255), default="")  # the machine and process running it
    pid: Mapped[int] = mapped_column(Integer, default=0)
    proc_start: Mapped[str] = mapped_column(String(80), default="")  # boot id + process start, to spot a reused PID


# Columns added after the first release, with the SQL type that adds them to an existing table.
_NEW_RUN_COLUMNS = {"host": "VARCHAR(255) DEFAULT ''", "pid": "INTEGER DEFAULT 0",
                    "proc_start": "VARCHAR(80) DEFAULT ''"}


class OutcomeRow(Base):
    __tablename__ = "harvest_outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("harvest_runs.id"), index=True)
    remote_id: Mapped[str] = mapped_column(Text)
    dataset_id: Mapped[str] = mapped_column(String(128), default="")
    action: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(40), default="")  # why it failed or was skipped, for programs
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


_NEW_OUTCOME_COLUMNS = {"code": "VARCHAR(40) DEFAULT ''"}

TABLES = [SourceRow.__table__, RunRow.__table__, OutcomeRow.__table__]

# The columns of harvesters/store.py's tables that the core reads: where a record came from, and duplicate links.
_OBJECTS = table("harvest_objects", column("source", String), column("remote_id", String),
                 column("dataset_id", String), column("schema_version", String),
                 column("fetched_at", DateTime(timezone=True)), column("run_id", Integer))
_LINKS = table("harvest_links", column("source", String), column("remote_id", String), column("duplicate_of", String),
               column("rule", String), column("run_id", Integer))


@dataclass
class Source:
    name: str
    type: str
    url: str
    publishers: list[str] = field(default_factory=list)
    token_env: str = ""  # the NAME of the environment variable holding the secret, never the secret
    auth: str = ""  # "bearer" or "apikey" when token_env is set
    options: dict = field(default_factory=dict)
    schedule: str = ""

    def public(self) -> dict:
        """What may be shown back: everything but secrets (we never hold those anyway)."""
        out = asdict(self)
        out["credentials"] = f"from environment variable {self.token_env} ({self.auth})" if self.token_env else "none"
        return out


@dataclass
class Run:
    id: int
    source: str
    mode: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration: float
    totals: dict
    error: str
    high_water: str
    host: str = ""
    pid: int = 0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return out


def run_from_row(row: RunRow) -> Run:
    return Run(row.id, row.source, row.mode, row.status, as_utc(row.started_at), as_utc(row.finished_at),
               row.duration or 0.0, row.totals or {}, row.error or "", row.high_water or "", row.host or "",
               row.pid or 0)


def _source(row: SourceRow) -> Source:
    return Source(row.name, row.type, row.url, list(row.publishers or []), row.token_env or "", row.auth or "",
                  dict(row.options or {}), row.schedule or "")


class ProvenanceRepository:
    """Reads the harvest log of one store: sources, runs, outcomes, duplicate links, where each dataset came from."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine
        Base.metadata.create_all(self.engine, tables=TABLES)
        self._add_new_columns()
        self._present: set[str] = set()  # harvesters' tables known to exist (they are never dropped)

    def _add_new_columns(self) -> None:
        """Stores made before runs had host/pid, or outcomes a code, get the columns (create_all leaves existing
        tables alone)."""
        for name, columns in ((RunRow.__tablename__, _NEW_RUN_COLUMNS),
                              (OutcomeRow.__tablename__, _NEW_OUTCOME_COLUMNS)):
            have = {c["name"] for c in inspect(self.engine).get_columns(name)}
            missing = [(col, sql) for col, sql in columns.items() if col not in have]
            if missing:
                with self.engine.begin() as conn:
                    for col, sql in missing:
                        conn.execute(text(f"ALTER TABLE {name} ADD COLUMN {col} {sql}"))

    def _harvested(self, name: str) -> bool:
        """Whether harvesters/ has created its table `name` (a store nothing was ever harvested into may lack it)."""
        if name not in self._present and inspect(self.engine).has_table(name):
            self._present.add(name)
        return name in self._present

    # sources
    def source(self, name: str) -> Source | None:
        with Session(self.engine) as s:
            row = s.get(SourceRow, name)
            return _source(row) if row else None

    def sources(self) -> list[Source]:
        with Session(self.engine) as s:
            return [_source(r) for r in s.scalars(select(SourceRow).order_by(SourceRow.name))]

    # runs
    def run(self, run_id: int) -> Run | None:
        with Session(self.engine) as s:
            row = s.get(RunRow, run_id)
            return run_from_row(row) if row else None

    def runs(self, source: str | None = None, limit: int = 50) -> list[Run]:
        with Session(self.engine) as s:
            q = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
            if source:
                q = q.where(RunRow.source == source)
            return [run_from_row(r) for r in s.scalars(q)]

    # outcomes
    def outcomes(self, run_id: int, action: str | None = None, limit: int | None = None,
                 offset: int = 0) -> list[dict]:
        with Session(self.engine) as s:
            q = select(OutcomeRow).where(OutcomeRow.run_id == run_id).order_by(OutcomeRow.id).offset(offset)
            if action:
                q = q.where(OutcomeRow.action == action)
            if limit is not None:
                q = q.limit(limit)
            return [{"remote_id": r.remote_id, "dataset_id": r.dataset_id, "action": r.action, "code": r.code or "",
                     "reason": r.reason, "details": r.details or {}} for r in s.scalars(q)]

    def outcome_count(self, run_id: int, action: str | None = None) -> int:
        with Session(self.engine) as s:
            q = select(func.count()).select_from(OutcomeRow).where(OutcomeRow.run_id == run_id)
            if action:
                q = q.where(OutcomeRow.action == action)
            return s.scalar(q) or 0

    # where records came from
    def provenance(self, dataset_id: str) -> list[dict]:
        """Where a dataset came from: (source, remote id, schema version, fetched at, run)."""
        if not self._harvested(_OBJECTS.name):
            return []
        o = _OBJECTS.c
        with Session(self.engine) as s:
            rows = s.execute(select(o.source, o.remote_id, o.schema_version, o.fetched_at, o.run_id)
                             .where(o.dataset_id == dataset_id).order_by(o.source))
            return [{"source": r[0], "remote_id": r[1], "schema_version": r[2], "fetched_at": as_utc(r[3]).isoformat(),
                     "run_id": r[4]} for r in rows]

    def links(self, source: str | None = None, duplicate_of: str | None = None) -> list[dict]:
        """Remote records not stored because a record here already describes the same dataset."""
        if not self._harvested(_LINKS.name):
            return []
        c = _LINKS.c
        with Session(self.engine) as s:
            q = select(c.source, c.remote_id, c.duplicate_of, c.rule, c.run_id).order_by(c.source, c.remote_id)
            if source:
                q = q.where(c.source == source)
            if duplicate_of:
                q = q.where(c.duplicate_of == duplicate_of)
            return [{"source": r[0], "remote_id": r[1], "duplicate_of": r[2], "rule": r[3], "run_id": r[4]}
                    for r in s.execute(q)]
