"""Drafts: records a publisher is still working on. Not public, not indexed, may be incomplete."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .store import Base, Store
from .validation import validate


class DraftRow(Base):
    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    record: Mapped[dict] = mapped_column(JSON)
    report: Mapped[dict] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass
class Draft:
    id: str
    publisher: str
    title: str
    record: dict
    report: dict
    author: str
    updated_at: datetime

    def to_dict(self) -> dict:
        return {"id": self.id, "publisher": self.publisher, "title": self.title, "record": self.record,
                "report": self.report, "author": self.author, "updated_at": self.updated_at.isoformat()}


def _draft(row: DraftRow) -> Draft:
    updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=timezone.utc)
    return Draft(row.id, row.publisher, row.title, copy.deepcopy(row.record), row.report, row.author, updated)


class Drafts:
    def __init__(self, store: Store):
        self.store = store
        Base.metadata.create_all(store.engine, tables=[DraftRow.__table__])

    def save(self, record: dict, author: str) -> Draft:
        """Save (or replace) a draft; it needs only an identifier and a publisher."""
        report = validate(record).to_dict()
        with Session(self.store.engine) as s, s.begin():
            row = s.get(DraftRow, record["identifier"]) or DraftRow(id=record["identifier"])
            row.publisher, row.title = record["publisher"], str(record.get("title") or "")
            row.record, row.report, row.author = record, report, author
            row.updated_at = datetime.now(timezone.utc)
            s.add(row)
        return self.get(record["identifier"])  # type: ignore[return-value]

    def get(self, draft_id: str) -> Draft | None:
        with Session(self.store.engine) as s:
            row = s.get(DraftRow, draft_id)
            return _draft(row) if row else None

    def list(self, publisher: str | None = None) -> list[Draft]:
        with Session(self.store.engine) as s:
            q = select(DraftRow).order_by(DraftRow.updated_at.desc())
            if publisher:
                q = q.where(DraftRow.publisher == publisher)
            return [_draft(r) for r in s.scalars(q)]

    def delete(self, draft_id: str) -> None:
        with Session(self.store.engine) as s, s.begin():
            row = s.get(DraftRow, draft_id)
            if row is not None:
                s.delete(row)
