"""The latest audit run per scope, kept until the store changes (its revision counter), the publishers or the date."""
from __future__ import annotations

import threading
from datetime import date

from catalogue.audit.config import AuditConfig
from catalogue.audit.service import audit_catalogue
from catalogue.audit.summary import AuditRun
from catalogue.records.service import Catalogue


class RunCache:
    """The latest audit per scope: the whole catalogue, or one publisher (answered by the whole run once built)."""

    def __init__(self, catalogue: Catalogue, cfg: AuditConfig):
        self.catalogue = catalogue
        self.cfg = cfg
        self._runs: dict[tuple, AuditRun] = {}
        self._lock = threading.Lock()

    def get(self, as_of: date, publisher: str | None = None) -> AuditRun:
        cat = self.catalogue
        key_base = (cat.store.max_seq(), as_of, tuple(sorted(cat.publisher_names().items())))
        with self._lock:
            for key in [k for k in self._runs if k[:3] != key_base]:
                del self._runs[key]
            whole = self._runs.get((*key_base, ""))
            if publisher and whole is not None:
                return whole  # the whole run holds every publisher
            key = (*key_base, publisher or "")
            if key not in self._runs:
                self._runs[key] = audit_catalogue(cat.store, as_of, publisher=publisher, cfg=self.cfg)
            return self._runs[key]
