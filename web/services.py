"""The services the views use, built once per app and reached through `services()`."""
from __future__ import annotations

import threading
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


class RecentRecords:
    """The variables of the records search pages showed lately, by id, with what they matched per query: a page of
    hits then needs no store read. Exact, like the other projections: every call first drops the records the
    store's change marks say changed (one indexed query; none when the revision counter has not moved)."""

    LIMIT = 2000  # records kept (about 10 kB each), least recently shown dropped first
    MEMO = 16  # queries remembered per record

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._seq: int | None = None
        self._items: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ids: list[str]) -> dict[str, dict]:
        """{id: {"record": {"variables": ...}, "memo": {...}}} for the published records among `ids`."""
        with self._lock:
            self._catch_up()
            missing = [i for i in dict.fromkeys(ids) if i not in self._items]
            for d in self.catalogue.datasets_by_id(missing) if missing else []:
                self._items[d.id] = {"record": {"variables": d.record.get("variables")}, "memo": {}}
            found = {}
            for i in ids:
                if i in self._items:
                    self._items.move_to_end(i)
                    found[i] = self._items[i]
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

    def remember(self, entry: dict, key, compute):
        """What `compute` gives for `key` on this record, computed once (the record changing drops the entry)."""
        with self._lock:
            memo = entry["memo"]
            if key not in memo:
                if len(memo) >= self.MEMO:
                    memo.pop(next(iter(memo)))
                memo[key] = compute()
            return memo[key]


class PublishedCount:
    """How many datasets are published, counted again only when the store's revision counter has moved (a count
    is a walk of the status index: about 5 ms at 100,000 records; the counter is one index lookup)."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._cached: tuple[int, int] | None = None  # (revision counter, count)

    def __call__(self) -> int:
        mark = self.catalogue.change_mark()
        cached = self._cached
        if cached is None or cached[0] != mark:
            # read after the counter: a write landing in between moves the counter, so the next call counts again
            cached = self._cached = (mark, self.catalogue.count())
        return cached[1]


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
    def recent_records(self) -> RecentRecords:
        return RecentRecords(self.catalogue)

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
