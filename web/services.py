"""The services the views use, built once per app and reached through `services()`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flask import current_app

from catalogue.audit.cache import RunCache
from catalogue.audit.config import AuditConfig
from catalogue.audit.snapshots import AuditSnapshots
from catalogue.formats.export import ExportCache
from catalogue.provenance import ProvenanceRepository
from catalogue.publishing.accounts import Accounts
from catalogue.publishing.drafts import Drafts
from catalogue.publishing.uploads import PendingUploads
from catalogue.records.service import Catalogue

KEY = "catalogue_services"


@dataclass(eq=False)
class Services:
    """The catalogue and the feature objects around it. Those not every request needs are built on first use."""

    catalogue: Catalogue

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


def services() -> Services:
    return current_app.extensions[KEY]
