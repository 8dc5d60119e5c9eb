"""Audit snapshots: each stored run with its date, so scores can be compared over time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalogue.audit.record import r1
from catalogue.audit.summary import METRICS, AuditRun, GroupSummary
from catalogue.records.clock import as_utc, utc_now
from catalogue.records.store import Base, Store


class AuditSnapshotRow(Base):
    __tablename__ = "audit_snapshots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    as_of: Mapped[str] = mapped_column(String(10))
    scope: Mapped[str] = mapped_column(String(100), default="", index=True)  # '' = whole catalogue
    method: Mapped[str] = mapped_column(String(40))
    data_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    links_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    records: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict] = mapped_column(JSON)  # GroupSummary.to_dict() of the whole run


class AuditSnapshotPublisherRow(Base):
    __tablename__ = "audit_snapshot_publishers"
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("audit_snapshots.id", ondelete="CASCADE"), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    summary: Mapped[dict] = mapped_column(JSON)


class AuditSnapshotRecordRow(Base):
    __tablename__ = "audit_snapshot_records"
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("audit_snapshots.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(100), index=True)
    scores: Mapped[dict] = mapped_column(JSON)


TABLES = [AuditSnapshotRow.__table__, AuditSnapshotPublisherRow.__table__, AuditSnapshotRecordRow.__table__]


@dataclass
class SnapshotInfo:
    id: int
    taken_at: datetime
    as_of: str
    scope: str
    method: str
    data_seq: int | None
    links_checked: bool
    records: int

    def to_dict(self) -> dict:
        return {**self.__dict__, "taken_at": self.taken_at.isoformat()}


@dataclass
class Snapshot:
    info: SnapshotInfo
    catalogue: GroupSummary
    publishers: list[GroupSummary]


@dataclass
class TrendPoint:
    snapshot_id: int
    taken_at: datetime
    as_of: str
    records: int
    means: dict[str, float | None]

    def to_dict(self) -> dict:
        return {"snapshot_id": self.snapshot_id, "taken_at": self.taken_at.isoformat(), "as_of": self.as_of,
                "records": self.records, **self.means}


def _info(row: AuditSnapshotRow) -> SnapshotInfo:
    taken = as_utc(row.taken_at)
    return SnapshotInfo(row.id, taken, row.as_of, row.scope, row.method, row.data_seq, row.links_checked, row.records)


def _record_scores(audit) -> dict:
    return {**{m: r1(audit.score(m)) for m, _ in METRICS},
            "medallion": audit.hdruk.medallion, "errors": audit.error_count, "warnings": audit.warning_count,
            "gaps": audit.gaps}


class AuditSnapshots:
    """Repository of audit snapshots on the catalogue's store."""

    def __init__(self, store: Store):
        self.store = store
        Base.metadata.create_all(store.engine, tables=TABLES)

    def save(self, run: AuditRun, taken_at: datetime | None = None) -> int:
        """Store a run (its summaries and one row of scores per record); returns the snapshot id."""
        with Session(self.store.engine) as s, s.begin():
            row = AuditSnapshotRow(taken_at=taken_at or utc_now(), as_of=run.as_of.isoformat(),
                                   scope=run.scope, method=run.method, data_seq=run.data_seq,
                                   links_checked=run.links_checked, records=run.catalogue.records,
                                   summary=run.catalogue.to_dict())
            s.add(row)
            s.flush()
            s.add_all(AuditSnapshotPublisherRow(snapshot_id=row.id, publisher=g.id, summary=g.to_dict())
                      for g in run.publishers)
            s.flush()
            s.add_all(AuditSnapshotRecordRow(snapshot_id=row.id, dataset_id=a.id, publisher=a.publisher,
                                             scores=_record_scores(a)) for a in run.records)
            return row.id

    def list(self, scope: str | None = None) -> list[SnapshotInfo]:
        """Snapshots, oldest first; `scope` '' for whole-catalogue runs only."""
        with Session(self.store.engine) as s:
            q = select(AuditSnapshotRow).order_by(AuditSnapshotRow.taken_at, AuditSnapshotRow.id)
            if scope is not None:
                q = q.where(AuditSnapshotRow.scope == scope)
            return [_info(r) for r in s.scalars(q)]

    def get(self, snapshot_id: int) -> Snapshot | None:
        with Session(self.store.engine) as s:
            row = s.get(AuditSnapshotRow, snapshot_id)
            if row is None:
                return None
            pubs = s.scalars(select(AuditSnapshotPublisherRow).where(
                AuditSnapshotPublisherRow.snapshot_id == snapshot_id).order_by(AuditSnapshotPublisherRow.publisher))
            return Snapshot(_info(row), GroupSummary.from_dict(row.summary),
                            [GroupSummary.from_dict(p.summary) for p in pubs])

    def latest(self, scope: str = "") -> Snapshot | None:
        snaps = self.list(scope)
        return self.get(snaps[-1].id) if snaps else None

    def records(self, snapshot_id: int, publisher: str | None = None) -> list[dict]:
        with Session(self.store.engine) as s:
            q = select(AuditSnapshotRecordRow).where(AuditSnapshotRecordRow.snapshot_id == snapshot_id) \
                .order_by(AuditSnapshotRecordRow.dataset_id)
            if publisher:
                q = q.where(AuditSnapshotRecordRow.publisher == publisher)
            return [{"id": r.dataset_id, "publisher": r.publisher, **r.scores} for r in s.scalars(q)]

    def trend(self, publisher: str | None = None) -> list[TrendPoint]:
        """Mean of each score per snapshot, oldest first: the catalogue's, or one publisher's."""
        with Session(self.store.engine) as s:
            if publisher is None:
                rows = s.scalars(select(AuditSnapshotRow).where(AuditSnapshotRow.scope == "")
                                 .order_by(AuditSnapshotRow.taken_at, AuditSnapshotRow.id))
                pairs = [(r, r.summary) for r in rows]
            else:
                q = select(AuditSnapshotRow, AuditSnapshotPublisherRow.summary).join(
                    AuditSnapshotPublisherRow, AuditSnapshotPublisherRow.snapshot_id == AuditSnapshotRow.id) \
                    .where(AuditSnapshotPublisherRow.publisher == publisher) \
                    .order_by(AuditSnapshotRow.taken_at, AuditSnapshotRow.id)
                pairs = [(row, summary) for row, summary in s.execute(q)]
            out = []
            for row, summary in pairs:
                info = _info(row)
                out.append(TrendPoint(info.id, info.taken_at, info.as_of, summary["records"],
                                      {m: summary["metrics"][m]["mean"] for m, _ in METRICS}))
            return out
