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
from catalogue.records.indexer import GAP_GRACE, Follower, revision_before
from catalogue.records.service import Catalogue
from catalogue.records.store import Store
from catalogue.sparql.service import SparqlService

KEY = "catalogue_services"


class Changes:
    """The datasets changed since the last call, followed as the node's indexer follows the store (Follower)."""

    def __init__(self, store: Store, grace: float = GAP_GRACE, clock=time.monotonic):
        self.store = store
        self._mark = revision_before(store, grace)  # the last grace period's changes are looked at once
        self._follower = Follower(grace, clock)

    def since_last(self) -> list[str]:
        seqs, changes = self._follower.pending(self.store, self._mark)
        if not seqs:
            return []
        self._follower.seen(changes)
        self._mark = self._follower.advance(self._mark, seqs)
        return [ident for ident, _seq, _status in changes]


class MatchedVariables:
    """Which variables of a record matched a query, kept for the records recent search pages showed: a page seen
    before needs no store read, and the others one lean read (Store.records: no copies) of their records. Exact,
    like the other projections: every call first drops the records the store's change marks say changed (one
    indexed query when nothing was written; see Changes)."""

    LIMIT = 5000  # records kept, least recently shown dropped first (each holds only what pages show of its matches)
    MEMO = 8  # queries kept per record

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._changes = Changes(catalogue.store)
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
        for ident in self._changes.since_last():
            self._items.pop(ident, None)


class PublishedCount:
    """How many datasets are published, for the search page's "Search N datasets". Counting walks the status index
    (about 5 ms at 100,000 records); following the changes is one index lookup. So the count is taken again only
    after a change, and at most once every MAX_AGE seconds while writes keep coming: the number may then lag a write
    by up to MAX_AGE, less than the 2 s a search may take to see it."""

    MAX_AGE = 1.0  # seconds

    def __init__(self, catalogue: Catalogue, clock=time.monotonic):
        self.catalogue, self.clock = catalogue, clock
        self._changes = Changes(catalogue.store)
        self._lock = threading.Lock()
        self._count: int | None = None
        self._when, self._due = 0.0, False

    def __call__(self) -> int:
        with self._lock:
            now = self.clock()
            self._due = bool(self._changes.since_last()) or self._due
            if self._count is None or (self._due and now - self._when >= self.MAX_AGE):
                self._due = False  # before counting: a write landing meanwhile is seen by the next call
                self._when, self._count = now, self.catalogue.count()
            return self._count


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


def warm_up(app) -> threading.Thread:
    """Build the link index behind every dataset page in the background, as a served worker starts: otherwise its
    first dataset page waits for the build (about 7.5 s at 100,000 records on a quiet machine), and a build slower
    than the request timeout (a busy machine) would get the worker killed and the next one would start again. A
    request that comes meanwhile waits for this build instead of starting its own."""
    def run() -> None:
        try:
            with app.app_context():
                services().link_index()
        except Exception:  # noqa: BLE001 - the index is built on first use instead
            app.logger.exception("Building the link index in the background failed; it will be built on first use")

    thread = threading.Thread(target=run, name="catalogue-warm-up", daemon=True)
    thread.start()
    return thread
