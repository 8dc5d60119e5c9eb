"""Drafts: records a publisher is still working on. Not public, not indexed, may be incomplete."""
from __future__ import annotations

from catalogue.errors import CatalogueError

import copy
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, DateTime, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalogue.publishing.accounts import Principal
from catalogue.records.clock import as_utc, utc_now
from catalogue.records.store import Base, Store
from catalogue.records.validation import validate, with_codes


class DraftError(CatalogueError, ValueError):
    """The draft cannot be saved (the message says why); nothing was changed."""

    code = "draft-conflict"


def refusal(principal: Principal, ident: str, holders: list[str]) -> str:
    """Why `principal` may not write `ident`, held by these organisations; empty if it may."""
    for owner in holders:
        if owner and not principal.can_write(owner):
            return (f"'{ident}' belongs to '{owner}'; you can write only for "
                    f"'{principal.publisher or 'no organisation'}'.")
    return ""


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
    updated = as_utc(row.updated_at)
    return Draft(row.id, row.publisher, row.title, copy.deepcopy(row.record), with_codes(row.report), row.author,
                 updated)


class Drafts:
    def __init__(self, store: Store):
        self.store = store
        Base.metadata.create_all(store.engine, tables=[DraftRow.__table__])

    def holders(self, ident: str) -> list[str]:
        """The organisations holding an identifier: its stored record's and its draft's."""
        with Session(self.store.engine) as s:
            return self._holders(s, ident)

    @staticmethod
    def _holders(s: Session, ident: str) -> list[str]:
        stored = Store.publisher_of(s, ident)
        draft = s.scalar(select(DraftRow.publisher).where(DraftRow.id == ident))
        return [p for p in (stored, draft) if p]

    def refusal(self, principal: Principal, ident: str) -> str:
        """Why `principal` may not write `ident` (another organisation's record or draft); empty if it may."""
        return refusal(principal, ident, self.holders(ident))

    def save(self, record: dict, author: str, principal: Principal | None = None) -> Draft:
        """Save (or replace) a draft; it needs only an identifier and a publisher.

        With a principal, the ownership check runs in the same transaction as the write."""
        report = validate(record).to_dict()
        try:
            self._save(record, report, author, principal)
        except IntegrityError:  # a concurrent first save of the same identifier: check again against it
            self._save(record, report, author, principal)
        return self.get(record["identifier"])  # type: ignore[return-value]

    def _save(self, record: dict, report: dict, author: str, principal: Principal | None) -> None:
        with Session(self.store.engine) as s, s.begin():
            if principal is not None:
                why = refusal(principal, record["identifier"], self._holders(s, record["identifier"]))
                if why:
                    raise DraftError(why, code="not-your-organisation")
            row = s.get(DraftRow, record["identifier"], with_for_update=True) or DraftRow(id=record["identifier"])
            row.publisher, row.title = record["publisher"], str(record.get("title") or "")
            row.record, row.report, row.author = record, report, author
            row.updated_at = utc_now()
            s.add(row)

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

    def delete(self, draft_id: str, publisher: str | None = None) -> None:
        """Delete a draft; with `publisher`, only if that organisation holds it (so publishing never
        removes another organisation's draft)."""
        with Session(self.store.engine) as s, s.begin():
            row = s.get(DraftRow, draft_id, with_for_update=True)
            if row is not None and (publisher is None or row.publisher == publisher):
                s.delete(row)
