"""The harvester types, by the name a source's `type` gives: the one place that knows every implementation.

contract.py defines what a harvester is; the implementations import the contract; this module imports them. So the
contract never imports an implementation, and a new type is one module plus one line here.
"""
from __future__ import annotations

from catalogue.provenance import Source

from harvesters.ckan import CkanHarvester
from harvesters.contract import HarvestError, Harvester
from harvesters.dcat import DcatHarvester
from harvesters.hdruk import HdrukHarvester
from harvesters.http import HarvestSession

HARVESTERS: dict[str, type[Harvester]] = {"ckan": CkanHarvester, "dcat": DcatHarvester, "hdruk": HdrukHarvester}
SOURCE_TYPES = tuple(HARVESTERS)  # the choices of `catalogue sources add --type`


def make_harvester(source: Source, session: HarvestSession, secret: str | None) -> Harvester:
    """The harvester for the source's type. Its secret goes only to the source's own origin (see HarvestSession)."""
    session.trust(source.url)
    kind = HARVESTERS.get(source.type)
    if kind is None:
        raise HarvestError(f"{source.name}: unknown source type {source.type!r}")
    return kind(source, session, secret)
