"""The store: the system of record. Datasets, their full revision history and publishers (SQLAlchemy 2)."""
from __future__ import annotations

import copy
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import (JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, bindparam, create_engine,
                        event, func, insert, select, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from catalogue.records.clock import as_utc, utc_now
from catalogue.records.files import create_private
from catalogue.records.validation import with_codes

PUBLISHED, WITHDRAWN = "published", "withdrawn"


class Base(DeclarativeBase):
    pass


class PublisherRow(Base):
    __tablename__ = "publishers"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    abbreviation: Mapped[str] = mapped_column(String(50), default="")
    nation: Mapped[str] = mapped_column(String(50), default="")
    homepage: Mapped[str] = mapped_column(String(500), default="")


class DatasetRow(Base):
    __tablename__ = "datasets"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=PUBLISHED, index=True)
    record: Mapped[dict] = mapped_column(JSON)
    report: Mapped[dict] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer)  # number of the current revision of this dataset
    seq: Mapped[int] = mapped_column(Integer, index=True)  # global revision counter at the last change
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")


class RevisionRow(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    record: Mapped[dict] = mapped_column(JSON)


@dataclass
class Dataset:
    id: str
    publisher: str
    title: str
    status: str
    record: dict
    report: dict
    revision: int
    seq: int
    created_at: datetime
    updated_at: datetime
    withdrawn_reason: str = ""

    @classmethod
    def from_row(cls, row: DatasetRow) -> "Dataset":
        report = with_codes(row.report or {})  # a report stored before problems had codes gets code ""
        return cls(row.id, row.publisher, row.title, row.status, copy.deepcopy(row.record), report, row.revision,
                   row.seq, as_utc(row.created_at), as_utc(row.updated_at), row.withdrawn_reason or "")


@dataclass
class Revision:
    seq: int
    dataset_id: str
    number: int
    action: str
    author: str
    route: str
    note: str
    created_at: datetime
    record: dict


@dataclass
class WriteResult:
    action: str  # created, updated, unchanged, withdrawn
    revision: int | None
    seq: int | None




class Store:
    """Records and history in any SQLAlchemy database (SQLite by default)."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            fd = create_private(Path(url.removeprefix("sqlite:///").partition("?")[0]))  # SQLite's -wal/-shm follow
            if fd is not None:
                os.close(fd)
        self.url = url
        self.engine = create_engine(url, future=True, pool_pre_ping=True, json_serializer=_dumps)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # publishers
    def upsert_publisher(self, pub: dict) -> None:
        with Session(self.engine) as s, s.begin():
            row = s.get(PublisherRow, pub["id"]) or PublisherRow(id=pub["id"])
            row.name = pub.get("name") or pub["id"]
            row.abbreviation = pub.get("abbreviation", "")
            row.nation = pub.get("nation", "")
            row.homepage = pub.get("homepage", "")
            s.add(row)

    def publishers(self) -> list[dict]:
        with Session(self.engine) as s:
            rows = s.scalars(select(PublisherRow).order_by(PublisherRow.name)).all()
            return [_pub(r) for r in rows]

    def publisher(self, pub_id: str) -> dict | None:
        with Session(self.engine) as s:
            row = s.get(PublisherRow, pub_id)
            return _pub(row) if row else None

    def publisher_counts(self) -> dict[str, int]:
        with Session(self.engine) as s:
            q = select(DatasetRow.publisher, func.count()).where(DatasetRow.status == PUBLISHED) \
                .group_by(DatasetRow.publisher)
            return dict(s.execute(q).all())

    # datasets
    def get(self, dataset_id: str) -> Dataset | None:
        with Session(self.engine) as s:
            row = s.get(DatasetRow, dataset_id)
            return Dataset.from_row(row) if row else None

    def datasets(self, publisher: str | None = None, status: str | None = PUBLISHED,
                 ids: list[str] | None = None) -> list[Dataset]:
        with Session(self.engine) as s:
            q = select(DatasetRow).order_by(DatasetRow.id)
            if ids is not None:  # by primary key alone: given a status too, SQLite walked every published row
                return [Dataset.from_row(r) for r in s.scalars(q.where(DatasetRow.id.in_(ids)))
                        if (not publisher or r.publisher == publisher) and (not status or r.status == status)]
            if publisher:
                q = q.where(DatasetRow.publisher == publisher)
            if status:
                q = q.where(DatasetRow.status == status)
            return [Dataset.from_row(r) for r in s.scalars(q)]

    def records(self, ids: list[str], status: str | None = PUBLISHED) -> list[tuple[str, str, dict]]:
        """(id, publisher, record) of these datasets (of `status`, unless None), by id: one Core read with no ORM
        rows, report or copies, for projections that read many. Read-only: the records are not copied."""
        table = DatasetRow.__table__
        q = select(table.c.id, table.c.publisher, table.c.status, table.c.record) \
            .where(table.c.id.in_(ids)).order_by(table.c.id)  # by primary key alone, as datasets() reads ids
        with self.engine.connect() as conn:
            return [(i, pub, record) for i, pub, st, record in conn.execute(q) if not status or st == status]

    def published_records(self, publisher: str | None = None) -> list[tuple[dict, dict]]:
        """(record, stored report) of published datasets, by id. Read-only: shared, not deep-copied like datasets()."""
        q = select(DatasetRow.record, DatasetRow.report).where(DatasetRow.status == PUBLISHED).order_by(DatasetRow.id)
        if publisher:
            q = q.where(DatasetRow.publisher == publisher)
        with Session(self.engine) as s:
            return [(record, report) for record, report in s.execute(q)]

    def dataset_keys(self) -> list[tuple[str, str, str, str, int]]:
        """(id, publisher, title, status, revision) of every dataset, without record bodies."""
        with Session(self.engine) as s:
            q = select(DatasetRow.id, DatasetRow.publisher, DatasetRow.title, DatasetRow.status, DatasetRow.revision)
            return [tuple(r) for r in s.execute(q)]

    def published_times(self) -> list[tuple[str, str, datetime]]:
        """(id, publisher, time of the last change) of every published dataset, by id, without record bodies."""
        with Session(self.engine) as s:
            q = select(DatasetRow.id, DatasetRow.publisher, DatasetRow.updated_at) \
                .where(DatasetRow.status == PUBLISHED).order_by(DatasetRow.id)
            return [(i, pub, as_utc(when)) for i, pub, when in s.execute(q)]

    @staticmethod
    def publisher_of(s: Session, dataset_id: str) -> str | None:
        """The publisher of a stored dataset (any status), read in the caller's session so a check and a write
        can share one transaction."""
        return s.scalar(select(DatasetRow.publisher).where(DatasetRow.id == dataset_id))

    def count(self, status: str | None = PUBLISHED) -> int:
        with Session(self.engine) as s:
            q = select(func.count()).select_from(DatasetRow)
            if status:
                q = q.where(DatasetRow.status == status)
            return s.scalar(q) or 0

    def max_seq(self) -> int:
        with Session(self.engine) as s:
            return s.scalar(select(func.max(RevisionRow.seq))) or 0

    def change_marks(self, seq: int) -> list[tuple[str, int, str]]:
        """(id, seq, status) of datasets changed after revision `seq`: cheap, no record bodies."""
        with Session(self.engine) as s:
            q = select(DatasetRow.id, DatasetRow.seq, DatasetRow.status).where(DatasetRow.seq > seq) \
                .order_by(DatasetRow.seq)
            return [tuple(row) for row in s.execute(q)]

    def put(self, record: dict, report: dict, *, author: str, route: str, note: str = "") -> WriteResult:
        """Store a record as a new revision, unless it equals the current one."""
        return self.put_many([(record, report)], author=author, route=route, note=note)[0]

    def put_many(self, items: list[tuple[dict, dict]], *, author: str, route: str,
                 note: str = "") -> list[WriteResult]:
        """Store several records in one transaction (all or nothing), each as its own revision, in a few bulk
        statements: one read of the current rows (locked on PostgreSQL), one insert of the new datasets, one of the
        revisions (returning their numbers on the revision counter) and one update of the datasets."""
        _JSON_MEMO.texts = {}  # each record is written twice (its dataset row and its revision): encoded once
        try:
            for attempt in range(5):
                try:
                    with Session(self.engine) as s, s.begin():
                        return self._put_many(s, items, author=author, route=route, note=note)
                except IntegrityError:  # a concurrent writer took the same dataset id or revision number: retry
                    if attempt == 4:
                        raise
        finally:
            _JSON_MEMO.texts = None
        raise AssertionError("unreachable")

    @staticmethod
    def _put_many(s: Session, items: list[tuple[dict, dict]], *, author: str, route: str,
                  note: str) -> list[WriteResult]:
        now = utc_now()
        ids = sorted({record["identifier"] for record, _ in items})
        current: dict[str, dict] = {}  # id -> what the dataset row holds (or will hold) in this transaction
        table = DatasetRow.__table__
        for start in range(0, len(ids), 500):
            q = select(table.c.id, table.c.status, table.c.record, table.c.revision, table.c.seq) \
                .where(table.c.id.in_(ids[start:start + 500])).order_by(table.c.id).with_for_update()
            for row in s.execute(q):
                current[row.id] = {"status": row.status, "record": row.record, "revision": row.revision,
                                   "seq": row.seq, "new": False}
        results: list[WriteResult | None] = []
        revisions, changed = [], []  # one revision per change, and (result position, dataset values) for each
        same: list[tuple[int, int]] = []  # (result position, revision index): unchanged from a change in this batch
        for record, report in items:
            ident = record["identifier"]
            now_row = current.get(ident)
            if now_row is not None and now_row["status"] == PUBLISHED and now_row["record"] == record:
                if now_row["seq"] is None:
                    same.append((len(results), now_row["rev_index"]))
                results.append(WriteResult("unchanged", now_row["revision"], now_row["seq"]))
                continue
            action = "created" if now_row is None else "updated"
            number = 1 if now_row is None else now_row["revision"] + 1
            if now_row is None:
                now_row = current[ident] = {"new": True}
            now_row.update(status=PUBLISHED, record=record, revision=number, seq=None, rev_index=len(revisions))
            revisions.append({"dataset_id": ident, "number": number, "action": action, "author": author,
                              "route": route, "note": note, "created_at": now, "record": record})
            changed.append((len(results), ident, record, report, number))
            results.append(WriteResult(action, number, None))
        if not revisions:
            return results  # type: ignore[return-value]
        latest: dict[str, dict] = {}  # id -> the dataset's values after its last change in this batch
        for _pos, ident, record, report, number in changed:
            latest[ident] = {"publisher": record["publisher"], "title": record["title"], "status": PUBLISHED,
                             "withdrawn_reason": "", "record": record, "report": report, "revision": number,
                             "updated_at": now}
        new = [{"id": ident, "created_at": now, "seq": 0, **latest[ident]} for ident, row in current.items()
               if row["new"]]
        if new:  # inserted whole before their revisions (the foreign key); only seq is set afterwards
            s.execute(insert(table), new)
        revs = RevisionRow.__table__
        seqs = list(s.execute(insert(revs).returning(revs.c.seq, sort_by_parameter_order=True), revisions).scalars())
        last_seq: dict[str, int] = {}
        for (pos, ident, *_), seq in zip(changed, seqs):
            results[pos].seq = last_seq[ident] = seq  # type: ignore[union-attr]
        for pos, index in same:
            results[pos].seq = seqs[index]  # type: ignore[union-attr]
        by_id = table.c.id == bindparam("key")
        if new:
            s.execute(update(table).where(by_id).values(seq=bindparam("new_seq")),
                      [{"key": row["id"], "new_seq": last_seq[row["id"]]} for row in new])
        old = [{"key": ident, **values, "seq": last_seq[ident]} for ident, values in latest.items()
               if not current[ident]["new"]]
        if old:
            s.execute(update(table).where(by_id), old)
        return results  # type: ignore[return-value]

    def withdraw(self, dataset_id: str, *, reason: str, author: str, route: str) -> WriteResult | None:
        now = utc_now()
        with Session(self.engine) as s, s.begin():
            row = s.get(DatasetRow, dataset_id, with_for_update=True)
            if row is None:
                return None
            if row.status == WITHDRAWN:
                return WriteResult("unchanged", row.revision, row.seq)
            rev = RevisionRow(dataset_id=dataset_id, number=row.revision + 1, action="withdrawn", author=author,
                              route=route, note=reason, created_at=now, record=row.record)
            s.add(rev)
            s.flush()
            row.status, row.withdrawn_reason = WITHDRAWN, reason
            row.revision, row.seq, row.updated_at = rev.number, rev.seq, now
            return WriteResult("withdrawn", rev.number, rev.seq)

    def revisions(self, dataset_id: str) -> list[Revision]:
        with Session(self.engine) as s:
            q = select(RevisionRow).where(RevisionRow.dataset_id == dataset_id).order_by(RevisionRow.number)
            return [Revision(r.seq, r.dataset_id, r.number, r.action, r.author, r.route, r.note,
                             as_utc(r.created_at), r.record) for r in s.scalars(q)]


    def recent_revisions(self, limit: int, publisher: str | None = None) -> list[Revision]:
        """The latest `limit` revisions, newest first, of every dataset or of one publisher's.

        First the revision numbers, down the revision counter (the primary key), through datasets.publisher and
        revisions.dataset_id (both indexed) for one publisher; then the record bodies of those `limit` rows only.
        Drafts live elsewhere and are never revisions."""
        seqs = select(RevisionRow.seq).order_by(RevisionRow.seq.desc()).limit(max(0, limit))
        if publisher is not None:
            seqs = seqs.join(DatasetRow, DatasetRow.id == RevisionRow.dataset_id) \
                .where(DatasetRow.publisher == publisher)
        with Session(self.engine) as s:
            wanted = list(s.scalars(seqs))
            if not wanted:
                return []
            rows = s.scalars(select(RevisionRow).where(RevisionRow.seq.in_(wanted)).order_by(RevisionRow.seq.desc()))
            return [Revision(r.seq, r.dataset_id, r.number, r.action, r.author, r.route, r.note,
                             as_utc(r.created_at), r.record) for r in rows]


_JSON_MEMO = threading.local()


def _dumps(value) -> str:
    """json.dumps (SQLAlchemy's default), once per object while put_many holds a memo: the objects are kept in it,
    so an id cannot be reused meanwhile."""
    memo = getattr(_JSON_MEMO, "texts", None)
    if memo is None:
        return json.dumps(value)
    hit = memo.get(id(value))
    if hit is None or hit[0] is not value:
        hit = memo[id(value)] = (value, json.dumps(value))
    return hit[1]


def _pub(row: PublisherRow) -> dict:
    return {"id": row.id, "name": row.name, "abbreviation": row.abbreviation, "nation": row.nation,
            "homepage": row.homepage}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; commits no longer wait for fsync
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
