"""Check an upload before anything is saved, then publish it through the single write path."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import JSON, DateTime, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalogue.formats import hdruk
from catalogue.publishing.accounts import Principal
from catalogue.publishing.drafts import Drafts
from catalogue.records.clock import utc_now
from catalogue.records.files import InputError, parse_records
from catalogue.records.service import Catalogue, SaveResult
from catalogue.records.store import Base
from catalogue.records.validation import ERROR, WARNING, Problem, Report, storable_text, validate

# Codes of the upload checks, beside the validation codes in each record's report.
DUPLICATE_IDENTIFIER = "duplicate-identifier"  # two records in one upload with one identifier
NOT_YOUR_ORGANISATION = "not-your-organisation"  # for another organisation, or its identifier is held by one
CONVERTED = "converted"  # a warning: converted from another schema (HDR UK); lists what was not mapped
NOT_CONVERTIBLE = "not-convertible"  # another schema's record, and no converter here
Converter = Callable[[dict, str | None], tuple[dict, list[str], str]]  # (doc, publisher) -> (record, unmapped, label)


class UploadError(InputError):
    """The upload as a whole cannot be read or is refused; nothing was saved."""

    code = "upload-refused"


@dataclass
class RecordCheck:
    index: int
    identifier: str
    publisher: str
    report: Report
    record: dict | None
    action: str = "create"  # create or update
    converted_from: str = ""
    unmapped: list[str] = field(default_factory=list)
    forbidden: bool = False  # for another organisation, or its identifier is held by one

    @property
    def blocking(self) -> bool:
        return not self.report.valid

    def to_dict(self) -> dict:
        return {"index": self.index, "identifier": self.identifier, "publisher": self.publisher,
                "action": self.action, "blocks_publishing": self.blocking, "converted_from": self.converted_from,
                "unmapped": self.unmapped, **self.report.to_dict()}


@dataclass
class UploadCheck:
    name: str
    records: list[RecordCheck]

    @property
    def passing(self) -> list[RecordCheck]:
        return [r for r in self.records if not r.blocking]

    @property
    def blocked(self) -> list[RecordCheck]:
        return [r for r in self.records if r.blocking]

    def to_dict(self) -> dict:
        return {"file": self.name, "records": len(self.records), "passing": len(self.passing),
                "blocked": len(self.blocked), "valid": not self.blocked,
                "results": [r.to_dict() for r in self.records]}


def looks_like_hdruk(value) -> bool:
    """HDR UK dataset-schema records have a 'summary' object; ours has a summary string."""
    return isinstance(value, dict) and isinstance(value.get("summary"), dict)


def parse_upload(data: bytes, name: str, max_records: int) -> list:
    """Parse JSON (one record or a list) or JSON Lines; refuse hostile shapes with a plain message."""
    values = parse_records(data, name)
    if len(values) > max_records:
        raise UploadError(f"{name}: {len(values):,} records in one upload; the limit is {max_records:,}. "
                          "Split the file, or ask a steward about a bulk load.")
    if not values:
        raise UploadError(f"{name}: no records found")
    return values  # parse_records has refused nesting deeper than MAX_DEPTH


def check_records(values: list, *, principal: Principal, catalogue: Catalogue, name: str = "upload",
                  converter: Converter | None = hdruk.converter) -> UploadCheck:
    """Validate every record and check who may publish it. Saves nothing."""
    checks: list[RecordCheck] = []
    seen: dict[str, int] = {}
    drafts = Drafts(catalogue.store)
    for i, value in enumerate(values):
        converted_from, unmapped = "", []
        if looks_like_hdruk(value):
            if converter is None:
                report = Report([Problem("$", NOT_CONVERTIBLE, "HDR UK dataset-schema records cannot be converted "
                                         "here.", ERROR)])
                checks.append(RecordCheck(i, "", "", report, None))
                continue
            value, unmapped, converted_from = converter(value, principal.publisher or None)
        report = validate(value)
        record = value if isinstance(value, dict) else None
        ident = record.get("identifier") if record else None
        ident = ident if isinstance(ident, str) and storable_text(ident) else ""  # else cannot be looked up
        pub = record.get("publisher") if record else None
        pub = pub if isinstance(pub, str) else ""
        if converted_from:
            report.issues.insert(0, Problem("$", CONVERTED, f"Converted from {converted_from}."
                                            + (f" Not mapped: {', '.join(unmapped)}." if unmapped else ""),
                                            WARNING))
        if ident and ident in seen:
            report.issues.append(Problem("$.identifier", DUPLICATE_IDENTIFIER, f"'{ident}' is also used by record "
                                         f"{seen[ident] + 1} in this upload; identifiers must be unique.", ERROR))
        elif ident:
            seen[ident] = i
        if pub and not principal.can_write(pub):
            report.issues.append(Problem("$.publisher", NOT_YOUR_ORGANISATION, f"This record is for '{pub}'. You "
                                         f"can publish only for '{principal.publisher or 'no organisation'}'.",
                                         ERROR))
        forbidden = bool(pub and not principal.can_write(pub))
        action = "update" if ident and catalogue.store.get(ident) is not None else "create"
        why = drafts.refusal(principal, ident) if ident else ""
        if why:  # another organisation's stored record or draft holds this identifier
            report.issues.append(Problem("$.identifier", NOT_YOUR_ORGANISATION, why, ERROR))
            forbidden = True
        checks.append(RecordCheck(i, ident, pub, report, record, action, converted_from, unmapped, forbidden))
    return UploadCheck(name, checks)


def publish(check: UploadCheck, *, mode: str, principal: Principal, catalogue: Catalogue,
            route: str) -> list[SaveResult]:
    """Publish all records (refused if any blocks) or only those that pass."""
    if mode not in ("all", "valid"):
        raise ValueError("mode must be 'all' or 'valid'")
    if mode == "all" and check.blocked:
        return []
    records = [r.record for r in check.passing if r.record is not None]
    results = catalogue.save_many(records, author=principal.author, route=route)
    drafts = Drafts(catalogue.store)
    for rec, result in zip(records, results):
        if result.action != "rejected":  # the published record replaces its organisation's draft, no other
            drafts.delete(result.identifier, publisher=rec["publisher"])
    return results


class PendingUploadRow(Base):
    __tablename__ = "pending_uploads"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    values: Mapped[list] = mapped_column(JSON)


class PendingUploads:
    """Parsed uploads waiting for the publisher to confirm, kept for a day."""

    def __init__(self, catalogue: Catalogue):
        self.store = catalogue.store
        Base.metadata.create_all(self.store.engine, tables=[PendingUploadRow.__table__])

    def add(self, email: str, name: str, values: list) -> str:
        upload_id = secrets.token_urlsafe(12)
        now = utc_now()
        with Session(self.store.engine) as s, s.begin():
            s.execute(delete(PendingUploadRow).where(PendingUploadRow.created_at < now - timedelta(days=1)))
            s.add(PendingUploadRow(id=upload_id, email=email, name=name, created_at=now, values=values))
        return upload_id

    def get(self, upload_id: str, email: str) -> tuple[str, list] | None:
        with Session(self.store.engine) as s:
            row = s.get(PendingUploadRow, upload_id)
            if row is None or row.email != email:
                return None
            return row.name, row.values

    def remove(self, upload_id: str) -> None:
        with Session(self.store.engine) as s, s.begin():
            s.execute(delete(PendingUploadRow).where(PendingUploadRow.id == upload_id))
