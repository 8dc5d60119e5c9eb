"""Audit the records in the store: read them, optionally check their links, run the audit."""
from __future__ import annotations

from datetime import date
from typing import Callable

from .audit_config import AuditConfig
from .audit_summary import AuditRun, run_audit
from .linkcheck import LinkChecker, LinkCheckSettings, distribution_urls
from .store import Store


def audit_catalogue(store: Store, as_of: date, *, publisher: str | None = None, cfg: AuditConfig | None = None,
                    links: LinkCheckSettings | None = None, progress: Callable[[int], None] | None = None,
                    link_progress: Callable[[int], None] | None = None) -> AuditRun:
    """Audit the published records (all, or one publisher's). Link checking only when `links` is given."""
    cfg = cfg or AuditConfig.load()
    seq = store.max_seq()
    records = [d.record for d in store.datasets(publisher=publisher)]
    checked = None
    if links is not None:
        with LinkChecker(links) as checker:
            checked = {u: s.to_dict() for u, s in checker.check_all(distribution_urls(records), link_progress).items()}
    names = {p["id"]: p["name"] for p in store.publishers()}
    return run_audit(records, cfg, as_of, publishers=names, scope=publisher or "", links=checked, data_seq=seq,
                     progress=progress)


def count_records(store: Store, publisher: str | None = None) -> int:
    """How many records an audit will read (for progress bars)."""
    if publisher:
        return store.publisher_counts().get(publisher, 0)
    return store.count()
