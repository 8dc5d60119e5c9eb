"""Search: the engine interface (interface.py) and the factory that picks its adapter. Web code uses only these
types; engine internals stay in their adapter (whoosh_engine.py), which imports the interface, not this package."""
from __future__ import annotations

from catalogue.search.interface import FACET_LABELS, FACETS, SORTS, Hit, SearchEngine, SearchQuery, SearchResult

__all__ = ["FACET_LABELS", "FACETS", "SORTS", "Hit", "SearchEngine", "SearchQuery", "SearchResult", "make_engine"]


def make_engine(index_path: str) -> SearchEngine:
    from catalogue.search.whoosh_engine import WhooshEngine

    return WhooshEngine(index_path)
