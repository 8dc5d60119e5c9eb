"""The services the views use, built once per app and reached through `services()`."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from flask import current_app

from catalogue.audit.cache import RunCache
from catalogue.audit.config import AuditConfig
from catalogue.audit.snapshots import AuditSnapshots
from catalogue.formats.ckan_index import PackageIndex
from catalogue.formats.export import ExportCache
from catalogue.linkage.index import LinkIndex
from catalogue.provenance import ProvenanceRepository
from catalogue.publishing.accounts import Accounts
from catalogue.publishing.drafts import Drafts
from catalogue.publishing.uploads import PendingUploads
from catalogue.records.service import Catalogue
from catalogue.sparql.service import SparqlService

KEY = "catalogue_services"


class MatchedVariables:
    """Which variables of a record matched a query, kept for the records recent search pages showed: a page seen
    before needs no store read, and the others one lean read (Store.records: no copies) of their records. Exact,
    like the other projections: every call first drops the records the store's change marks say changed (one
    indexed query; none when the revision counter has not moved)."""

    LIMIT = 5000  # records kept, least recently shown dropped first (each holds only what pages show of its matches)
    MEMO = 8  # queries kept per record

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._seq: int | None = None
        self._items: OrderedDict[str, dict] = OrderedDict()  # id -> {query key: matches}
        self._lock = threading.Lock()

    def get(self, ids: list[str], key, compute) -> dict[str, list]:
        """{id: compute(record)} for the published records among `ids`; `key` names the query `compute` answers."""
        with self._lock:
            self._catch_up()
            found, todo = {}, []
            for ident in dict.fromkeys(ids):
                memo = self._items.get(ident)
                if memo is not None and key in memo:
                    self._items.move_to_end(ident)
                    found[ident] = memo[key]
                else:
                    todo.append(ident)
            for ident, _publisher, record in self.catalogue.store.records(todo) if todo else []:
                memo = self._items.setdefault(ident, {})
                self._items.move_to_end(ident)
                if len(memo) >= self.MEMO:
                    memo.pop(next(iter(memo)))
                found[ident] = memo[key] = compute(record)
            while len(self._items) > self.LIMIT:
                self._items.popitem(last=False)
            return found

    def _catch_up(self) -> None:
        mark = self.catalogue.change_mark()
        if mark == self._seq:
            return
        if self._seq is None or mark < self._seq:  # first call, or a store rebuilt from scratch
            self._items.clear()
        else:
            marks = self.catalogue.store.change_marks(self._seq)
            if len(marks) > self.LIMIT:
                self._items.clear()
            for ident, _seq, _status in marks:
                self._items.pop(ident, None)
            mark = max([mark, *(seq for _i, seq, _s in marks)])
        self._seq = mark


class PublishedCount:
    """How many datasets are published, for the search page's "Search N datasets". Counting walks the status index
    (about 5 ms at 100,000 records); the revision counter is one index lookup. So the count is taken again only
    when the counter has moved, and at most once every MAX_AGE seconds while writes keep coming: the number may then
    lag a write by up to MAX_AGE, less than the 2 s a search may take to see it."""

    MAX_AGE = 1.0  # seconds

    def __init__(self, catalogue: Catalogue, clock=time.monotonic):
        self.catalogue, self.clock = catalogue, clock
        self._cached: tuple[int, float, int] | None = None  # (revision counter, when, count)

    def __call__(self) -> int:
        mark, now = self.catalogue.change_mark(), self.clock()
        cached = self._cached
        if cached is None or (cached[0] != mark and now - cached[1] >= self.MAX_AGE):
            # counted after reading the counter: a write landing in between moves it, so it is counted next time
            cached = self._cached = (mark, now, self.catalogue.count())
        return cached[2]


@dataclass(eq=False)
class Services:
    """The catalogue and the feature objects around it. Those not every request needs are built on first use."""

    catalogue: Catalogue
    # one lock per projection, so one's first build does not hold up the other's
    _build_locks: dict = field(default_factory=lambda: {"links": threading.Lock(), "ckan": threading.Lock()},
                               repr=False)

    @classmethod
    def build(cls, catalogue: Catalogue) -> "Services":
        services = cls(catalogue)
        for eager in ("accounts", "drafts", "pending_uploads"):  # their tables exist from the start, as before
            getattr(services, eager)
        return services

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.catalogue.store)

    @cached_property
    def drafts(self) -> Drafts:
        return Drafts(self.catalogue.store)

    @cached_property
    def pending_uploads(self) -> PendingUploads:
        return PendingUploads(self.catalogue)

    @cached_property
    def matched_variables(self) -> MatchedVariables:
        return MatchedVariables(self.catalogue)

    @cached_property
    def published_count(self) -> PublishedCount:
        return PublishedCount(self.catalogue)

    @cached_property
    def harvest(self) -> ProvenanceRepository:
        return ProvenanceRepository(self.catalogue.store)

    @cached_property
    def audit_config(self) -> AuditConfig:
        return AuditConfig.load()

    @cached_property
    def run_cache(self) -> RunCache:
        return RunCache(self.catalogue, self.audit_config)

    @cached_property
    def snapshots(self) -> AuditSnapshots:
        return AuditSnapshots(self.catalogue.store)

    @cached_property
    def exports(self) -> ExportCache:
        """Whole-catalogue exports, cached in <instance>/exports."""
        settings = self.catalogue.settings
        return ExportCache(self.catalogue.store, Path(settings.instance_dir) / "exports", settings.base_url)

    @cached_property
    def sparql(self) -> SparqlService:
        """The SPARQL store and its query workers (started on first query; stopped when this object goes)."""
        return SparqlService(self.catalogue.store, self.catalogue.settings)

    def _caught_up(self, name: str, make):
        """A projection of the store built once, on first use (one build, however many requests arrive first),
        then caught up with the store's change marks and publisher names on every call."""
        index = self.__dict__.get(name)
        if index is None:
            with self._build_locks[name]:
                index = self.__dict__.get(name)
                if index is None:
                    index = self.__dict__[name] = make(self.catalogue.store)
        index.catch_up(self.catalogue.publisher_names())
        return index

    def link_index(self) -> LinkIndex:
        """The link index (role -> datasets); one indexed query on the revision counter when nothing changed."""
        return self._caught_up("links", LinkIndex)

    def ckan_index(self) -> PackageIndex:
        """The CKAN API's package index (published datasets only)."""
        return self._caught_up("ckan", PackageIndex)

def services() -> Services:
    return current_app.extensions[KEY]
