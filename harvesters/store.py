"""The harvesters' own bookkeeping, and every write to the harvest log.

Owned here (see catalogue/provenance.py for where the line is): the raw payload of each remote record with its digest
and the versions it had, so an incremental run can skip what did not change (harvest_objects); links from remote
records to the dataset they duplicate (harvest_links); run locks and the process that owns a run; and writing sources,
runs and outcomes. HarvestRepository reads everything the core's ProvenanceRepository reads, and writes.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, Text, delete, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalogue.provenance import (COMPLETE, FAILED, RUNNING, OutcomeRow, ProvenanceRepository, Run, RunInProgress,
                                  RunRow, Source, SourceRow, run_from_row)
from catalogue.records.clock import as_utc, utc_now
from catalogue.records.store import Base, Store


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


TABLES = [ObjectRow.__table__, LinkRow.__table__]


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


class HarvestRepository(ProvenanceRepository):
    """Reads and writes the harvest tables of one store."""

    def __init__(self, store: Store):
        super().__init__(store)
        Base.metadata.create_all(self.engine, tables=TABLES)
        self._present.update(t.name for t in TABLES)

    # sources
    def add_source(self, source: Source) -> None:
        with Session(self.engine) as s, s.begin():
            if s.get(SourceRow, source.name) is not None:
                raise ValueError(f"a harvest source named {source.name!r} already exists")
            s.add(SourceRow(name=source.name, type=source.type, url=source.url, publishers=list(source.publishers),
                            token_env=source.token_env, auth=source.auth, options=dict(source.options),
                            schedule=source.schedule, created_at=utc_now()))

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
            return run_from_row(row)

    def last_complete_run(self, source: str) -> Run | None:
        with Session(self.engine) as s:
            row = s.scalars(select(RunRow).where(RunRow.source == source, RunRow.status == COMPLETE)
                            .order_by(RunRow.id.desc()).limit(1)).first()
            return run_from_row(row) if row else None

    # outcomes
    def add_outcomes(self, run_id: int, outcomes: list[dict]) -> None:
        if not outcomes:
            return
        rows = [{"run_id": run_id, "remote_id": o["remote_id"], "dataset_id": o.get("dataset_id") or "",
                 "action": o["action"], "code": o.get("code") or "", "reason": o.get("reason") or "",
                 "details": o.get("details") or {}}
                for o in outcomes]
        with Session(self.engine) as s, s.begin():
            s.execute(insert(OutcomeRow), rows)

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

    def payload(self, source: str, remote_id: str) -> dict | None:
        with Session(self.engine) as s:
            row = s.get(ObjectRow, (source, remote_id))
            if row is None:
                return None
            return {"source": row.source, "remote_id": row.remote_id, "dataset_id": row.dataset_id,
                    "payload": row.payload, "payload_format": row.payload_format,
                    "schema_version": row.schema_version, "fetched_at": as_utc(row.fetched_at).isoformat(),
                    "run_id": row.run_id}

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

    # what is already in the catalogue, for duplicate detection
    def dataset_keys(self) -> list[tuple[str, str, str, str, int]]:
        """(id, publisher, title, status, revision) of every dataset, without record bodies."""
        return self.store.dataset_keys()
