"""Audit the records in the store: read them, optionally check their links, run the audit."""
from __future__ import annotations

from datetime import date
from typing import Callable

from catalogue.audit.record import stored_report
from catalogue.audit.config import AuditConfig
from catalogue.audit.summary import AuditRun, run_audit
from catalogue.audit.linkcheck import LinkChecker, LinkCheckSettings, distribution_urls
from catalogue.records.store import Store


def audit_catalogue(store: Store, as_of: date, *, publisher: str | None = None, cfg: AuditConfig | None = None,
                    links: LinkCheckSettings | None = None, progress: Callable[[int], None] | None = None,
                    link_progress: Callable[[int], None] | None = None, revalidate: bool = False) -> AuditRun:
    """Audit the published records (all, or one publisher's). Link checking only when `links` is given.

    Validation errors and warnings are those stored with each record when it was saved (as its dataset page
    shows them); with `revalidate`, every record is checked again against the current schema."""
    cfg = cfg or AuditConfig.load()
    seq = store.max_seq()
    rows = store.published_records(publisher)
    records = [record for record, _ in rows]
    reports = None if revalidate else [stored_report(report) for _, report in rows]
    checked = None
    if links is not None:
        with LinkChecker(links) as checker:
            checked = {u: s.to_dict() for u, s in checker.check_all(distribution_urls(records), link_progress).items()}
    names = {p["id"]: p["name"] for p in store.publishers()}
    return run_audit(records, cfg, as_of, publishers=names, scope=publisher or "", links=checked, data_seq=seq,
                     progress=progress, reports=reports)


def count_records(store: Store, publisher: str | None = None) -> int:
    """How many records an audit will read (for progress bars)."""
    if publisher:
        return store.publisher_counts().get(publisher, 0)
    return store.count()
