"""The services the views use, built once per app and reached through `services()`."""
from __future__ import annotations

import threading
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
