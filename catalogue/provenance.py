"""Harvest bookkeeping in the store: sources, runs, per-record outcomes, raw payloads and duplicate links.

Lives in the core because both the harvesters (which write it) and the web's steward pages (which read it) use it.
Credentials are never stored: a source keeps only the NAME of the environment variable that holds its secret.
"""
from __future__ import annotations

from catalogue.errors import CatalogueError

import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (JSON, DateTime, Float, ForeignKey, Integer, String, Text, delete, func, insert, inspect, select,
                        text, update)
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalogue.records.clock import as_utc, utc_now
from catalogue.records.store import Base, DatasetRow, Store

SOURCE_TYPES = ("ckan", "dcat", "hdruk")
RUNNING, COMPLETE, PARTIAL, FAILED = "running", "complete", "partial", "failed"


class RunInProgress(CatalogueError):
    """Another run of the same source has not finished."""
ACTIONS = ("created", "updated", "unchanged", "withdrawn", "failed", "duplicate", "skipped")


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
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class ObjectRow(Base):
    """The latest raw payload of one remote record, and what it became here."""
    __tablename__ = "harvest_objects"
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(2000), primary_key=True)
    remote_name: Mapped[str] = mapped_column(Text, default="")
    dataset_id: Mapped[str] = mapped_column(String(128), index=True, default="")
    payload: Mapped[str] = mapped_column(Text)
    payload_format: Mapped[str] = mapped_column(String(20))
    payload_hash: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[str] = mapped_column(String(40), default="")
    remote_modified: Mapped[str] = mapped_column(String(64), default="")
    remote_version: Mapped[str] = mapped_column(String(200), default="")
    transform_version: Mapped[str] = mapped_column(String(40), default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)  # dataset revision this payload produced or matched
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int] = mapped_column(Integer)


class LinkRow(Base):
    """A remote record not stored because another record here describes the same dataset."""
    __tablename__ = "harvest_links"
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(2000), primary_key=True)
    duplicate_of: Mapped[str] = mapped_column(String(128), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    run_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


TABLES = [SourceRow.__table__, RunRow.__table__, OutcomeRow.__table__, ObjectRow.__table__, LinkRow.__table__]


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


@dataclass
class ObjectInfo:
    """A harvest object without its payload: enough to decide whether a record changed."""
    remote_id: str
    remote_name: str
    dataset_id: str
    payload_hash: str
    remote_modified: str
    remote_version: str
    transform_version: str
    revision: int




def _run(row: RunRow) -> Run:
    return Run(row.id, row.source, row.mode, row.status, as_utc(row.started_at), as_utc(row.finished_at),
               row.duration or 0.0, row.totals or {}, row.error or "", row.high_water or "", row.host or "",
               row.pid or 0)


@dataclass(frozen=True)
class RunOwner:
    """The process running a harvest: host name, PID and (on Linux) boot id + start time, to tell a reused PID."""
    host: str
    pid: int
    proc_start: str = ""


def proc_start(pid: int) -> str | None:
    """'<boot id>:<start time in clock ticks>' of a live process on Linux; None if unknown or not running
    (a zombie counts as not running)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            boot = fh.read().strip()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):
        return None
    return f"{boot}:{fields[19]}"


def this_process() -> RunOwner:
    return RunOwner(socket.gethostname(), os.getpid(), proc_start(os.getpid()) or "")


def process_alive(pid: int, started: str = "") -> bool:
    """Whether process `pid` on this host is still the one that started the run."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    except OSError:
        return False
    now = proc_start(pid)
    if os.path.isdir("/proc/self") and now is None:
        return False  # gone, or a zombie
    return not (started and now and now != started)


def _source(row: SourceRow) -> Source:
    return Source(row.name, row.type, row.url, list(row.publishers or []), row.token_env or "", row.auth or "",
                  dict(row.options or {}), row.schedule or "")


class HarvestRepository:
    """Reads and writes the harvest tables of one store."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine
        Base.metadata.create_all(self.engine, tables=TABLES)
        self._add_new_columns()

    def _add_new_columns(self) -> None:
        """Stores made before host/pid were recorded get the columns (create_all leaves existing tables alone)."""
        have = {c["name"] for c in inspect(self.engine).get_columns(RunRow.__tablename__)}
        missing = [(name, sql) for name, sql in _NEW_RUN_COLUMNS.items() if name not in have]
        if missing:
            with self.engine.begin() as conn:
                for name, sql in missing:
                    conn.execute(text(f"ALTER TABLE {RunRow.__tablename__} ADD COLUMN {name} {sql}"))

    # sources
    def add_source(self, source: Source) -> None:
        with Session(self.engine) as s, s.begin():
            if s.get(SourceRow, source.name) is not None:
                raise ValueError(f"a harvest source named {source.name!r} already exists")
            s.add(SourceRow(name=source.name, type=source.type, url=source.url, publishers=list(source.publishers),
                            token_env=source.token_env, auth=source.auth, options=dict(source.options),
                            schedule=source.schedule, created_at=utc_now()))

    def source(self, name: str) -> Source | None:
        with Session(self.engine) as s:
            row = s.get(SourceRow, name)
            return _source(row) if row else None

    def sources(self) -> list[Source]:
        with Session(self.engine) as s:
            return [_source(r) for r in s.scalars(select(SourceRow).order_by(SourceRow.name))]

    def remove_source(self, name: str) -> bool:
        """Forget a source. Its records, runs and payloads stay (history); re-adding it picks them up again."""
        with Session(self.engine) as s, s.begin():
            return s.execute(delete(SourceRow).where(SourceRow.name == name)).rowcount > 0

    # runs
    def start_run(self, source: str, mode: str, stale_after: timedelta = timedelta(hours=6), *,
                  owner: RunOwner | None = None, force: bool = False) -> int:
        """Record a new run. Refuses while another run of the source is in progress. A 'running' run is marked
        failed first when: its process on this host is gone; it comes from another host (or an unknown process)
        and started more than `stale_after` ago; or `force` is set."""
        now, owner = utc_now(), owner or this_process()
        with Session(self.engine) as s, s.begin():
            for other in s.scalars(select(RunRow).where(RunRow.source == source, RunRow.status == RUNNING)):
                who = f"process {other.pid} on {other.host}" if other.pid else "its process"
                if force:
                    why = f"cleared by --force while still marked running ({who})"
                elif other.pid and other.host == owner.host and not process_alive(other.pid, other.proc_start):
                    why = f"abandoned: {who} stopped before it finished"
                elif now - as_utc(other.started_at) < stale_after:
                    where = f" by {who}" if other.pid else ""
                    raise RunInProgress(f"{source}: run {other.id} started at "
                                        f"{as_utc(other.started_at):%Y-%m-%d %H:%M} UTC{where} is still in progress")
                else:
                    why = (f"abandoned: {who} stopped before it finished (marked running for more than "
                           f"{stale_after.total_seconds() / 3600:g} hours)")
                other.status, other.finished_at, other.error = FAILED, now, why
            row = RunRow(source=source, mode=mode, status=RUNNING, started_at=now, totals={}, host=owner.host,
                         pid=owner.pid, proc_start=owner.proc_start)
            s.add(row)
            s.flush()
            return row.id

    def finish_run(self, run_id: int, *, status: str, totals: dict, error: str = "", high_water: str = "",
                   duration: float) -> Run:
        with Session(self.engine) as s, s.begin():
            row = s.get(RunRow, run_id)
            row.status, row.totals, row.error, row.high_water = status, totals, error, high_water
            row.finished_at, row.duration = utc_now(), round(duration, 3)
            s.flush()
            return _run(row)

    def run(self, run_id: int) -> Run | None:
        with Session(self.engine) as s:
            row = s.get(RunRow, run_id)
            return _run(row) if row else None

    def runs(self, source: str | None = None, limit: int = 50) -> list[Run]:
        with Session(self.engine) as s:
            q = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
            if source:
                q = q.where(RunRow.source == source)
            return [_run(r) for r in s.scalars(q)]

    def last_complete_run(self, source: str) -> Run | None:
        with Session(self.engine) as s:
            row = s.scalars(select(RunRow).where(RunRow.source == source, RunRow.status == COMPLETE)
                            .order_by(RunRow.id.desc()).limit(1)).first()
            return _run(row) if row else None

    # outcomes
    def add_outcomes(self, run_id: int, outcomes: list[dict]) -> None:
        if not outcomes:
            return
        rows = [{"run_id": run_id, "remote_id": o["remote_id"], "dataset_id": o.get("dataset_id") or "",
                 "action": o["action"], "reason": o.get("reason") or "", "details": o.get("details") or {}}
                for o in outcomes]
        with Session(self.engine) as s, s.begin():
            s.execute(insert(OutcomeRow), rows)

    def outcomes(self, run_id: int, action: str | None = None, limit: int | None = None,
                 offset: int = 0) -> list[dict]:
        with Session(self.engine) as s:
            q = select(OutcomeRow).where(OutcomeRow.run_id == run_id).order_by(OutcomeRow.id).offset(offset)
            if action:
                q = q.where(OutcomeRow.action == action)
            if limit is not None:
                q = q.limit(limit)
            return [{"remote_id": r.remote_id, "dataset_id": r.dataset_id, "action": r.action, "reason": r.reason,
                     "details": r.details or {}} for r in s.scalars(q)]

    def outcome_count(self, run_id: int, action: str | None = None) -> int:
        with Session(self.engine) as s:
            q = select(func.count()).select_from(OutcomeRow).where(OutcomeRow.run_id == run_id)
            if action:
                q = q.where(OutcomeRow.action == action)
            return s.scalar(q) or 0

    # raw payloads
    def objects(self, source: str) -> dict[str, ObjectInfo]:
        cols = (ObjectRow.remote_id, ObjectRow.remote_name, ObjectRow.dataset_id, ObjectRow.payload_hash,
                ObjectRow.remote_modified, ObjectRow.remote_version, ObjectRow.transform_version, ObjectRow.revision)
        with Session(self.engine) as s:
            return {r[0]: ObjectInfo(*r) for r in s.execute(select(*cols).where(ObjectRow.source == source))}

    def save_objects(self, source: str, run_id: int, rows: list[dict], existing: set[str]) -> None:
        """Insert or replace payload rows (dicts with ObjectRow's columns, minus source/run/fetched_at)."""
        if not rows:
            return
        now = utc_now()
        full = [{**r, "source": source, "run_id": run_id, "fetched_at": now} for r in rows]
        new = [r for r in full if r["remote_id"] not in existing]
        old = [r for r in full if r["remote_id"] in existing]
        with Session(self.engine) as s, s.begin():
            if new:
                s.execute(insert(ObjectRow), new)
            if old:
                s.execute(update(ObjectRow), old)

    def forget_objects(self, source: str, remote_ids: list[str]) -> None:
        """Drop payload rows (claims for records the store then refused)."""
        if remote_ids:
            with Session(self.engine) as s, s.begin():
                s.execute(delete(ObjectRow).where(ObjectRow.source == source, ObjectRow.remote_id.in_(remote_ids)))

    def set_revisions(self, source: str, revisions: dict[str, int]) -> None:
        """Remember the dataset revision each remote record now corresponds to."""
        if revisions:
            with Session(self.engine) as s, s.begin():
                s.execute(update(ObjectRow), [{"source": source, "remote_id": rid, "revision": rev}
                                              for rid, rev in revisions.items()])

    def payload(self, source: str, remote_id: str) -> dict | None:
        with Session(self.engine) as s:
            row = s.get(ObjectRow, (source, remote_id))
            if row is None:
                return None
            return {"source": row.source, "remote_id": row.remote_id, "dataset_id": row.dataset_id,
                    "payload": row.payload, "payload_format": row.payload_format,
                    "schema_version": row.schema_version, "fetched_at": as_utc(row.fetched_at).isoformat(),
                    "run_id": row.run_id}

    def provenance(self, dataset_id: str) -> list[dict]:
        """Where a dataset came from: (source, remote id, schema version, fetched at, run)."""
        cols = (ObjectRow.source, ObjectRow.remote_id, ObjectRow.schema_version, ObjectRow.fetched_at,
                ObjectRow.run_id)
        with Session(self.engine) as s:
            rows = s.execute(select(*cols).where(ObjectRow.dataset_id == dataset_id).order_by(ObjectRow.source))
            return [{"source": r[0], "remote_id": r[1], "schema_version": r[2], "fetched_at": as_utc(r[3]).isoformat(),
                     "run_id": r[4]} for r in rows]

    def owners(self) -> dict[str, str]:
        """dataset id -> name of the source that harvested it."""
        with Session(self.engine) as s:
            rows = s.execute(select(ObjectRow.dataset_id, ObjectRow.source).where(ObjectRow.dataset_id != ""))
            return {d: src for d, src in rows}

    # duplicates
    def save_links(self, source: str, run_id: int, links: list[dict]) -> None:
        """links: {remote_id, duplicate_of, rule}; replaces earlier links of the same remote records."""
        if not links:
            return
        now = utc_now()
        with Session(self.engine) as s, s.begin():
            s.execute(delete(LinkRow).where(LinkRow.source == source,
                                            LinkRow.remote_id.in_([x["remote_id"] for x in links])))
            s.execute(insert(LinkRow), [{**x, "source": source, "run_id": run_id, "created_at": now} for x in links])

    def drop_links(self, source: str, remote_ids: list[str]) -> None:
        if remote_ids:
            with Session(self.engine) as s, s.begin():
                s.execute(delete(LinkRow).where(LinkRow.source == source, LinkRow.remote_id.in_(remote_ids)))

    def links(self, source: str | None = None, duplicate_of: str | None = None) -> list[dict]:
        with Session(self.engine) as s:
            q = select(LinkRow).order_by(LinkRow.source, LinkRow.remote_id)
            if source:
                q = q.where(LinkRow.source == source)
            if duplicate_of:
                q = q.where(LinkRow.duplicate_of == duplicate_of)
            return [{"source": r.source, "remote_id": r.remote_id, "duplicate_of": r.duplicate_of, "rule": r.rule,
                     "run_id": r.run_id} for r in s.scalars(q)]

    # what is already in the catalogue, for duplicate detection
    def dataset_keys(self) -> list[tuple[str, str, str, str, int]]:
        """(id, publisher, title, status, revision) of every dataset, without record bodies."""
        with Session(self.engine) as s:
            q = select(DatasetRow.id, DatasetRow.publisher, DatasetRow.title, DatasetRow.status, DatasetRow.revision)
            return [tuple(r) for r in s.execute(q)]
