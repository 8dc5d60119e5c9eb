"""What every foreign-format mapping returns (CKAN, DCAT, HDR UK -> our record), and the one error it raises."""
from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.errors import CatalogueError


class RecordError(CatalogueError):
    """One payload cannot be read as a record at all (not a dataset of its format). A harvest records it as that
    record's failure and goes on; harvesters raise it too when one record cannot be fetched (code fetch-failed)."""

    code = "transform-failed"


@dataclass
class Mapped:
    """A mapping's result: our record (possibly incomplete), what it could not map, and facts about the source."""
    record: dict
    unmapped: list[str] = field(default_factory=list)
    schema_version: str = ""  # the source format's version, when it has one (HDR UK)
    publisher_name: str = ""  # display name for a publisher slug we may not know yet
    notes: list[str] = field(default_factory=list)  # choices the mapping made (e.g. OPEN from an open licence)
    assumed: list[str] = field(default_factory=list)  # defaults filled in because asked to (HDR UK uploads)
    explicit_identifier: bool = True  # False when the identifier was made up (e.g. from a URI's last segment)
