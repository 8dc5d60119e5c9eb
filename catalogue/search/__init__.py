"""Search: the engine interface (interface.py) and the factory that picks its adapter. Web code uses only these
types; engine internals stay in their adapter (whoosh_engine.py, tantivy_engine.py), which imports the interface,
not this package."""
from __future__ import annotations

from catalogue.errors import CatalogueError
from catalogue.search.interface import FACET_LABELS, FACETS, SORTS, Hit, SearchEngine, SearchQuery, SearchResult

__all__ = ["FACET_LABELS", "FACETS", "SORTS", "Hit", "SearchEngine", "SearchQuery", "SearchResult", "make_engine",
           "ENGINES"]


ENGINES = ("whoosh", "tantivy")


class UnknownEngine(CatalogueError):
    code = "unknown-search-engine"


def make_engine(index_path: str, engine: str = "whoosh", read_only: bool = False) -> SearchEngine:
    """The engine named by the search_engine setting over its index folder. read_only: a web worker beside the
    node's indexer (never writes; each search sees the indexer's latest commit)."""
    if engine == "tantivy":
        from catalogue.search.tantivy_engine import TantivyEngine

        return TantivyEngine(index_path, read_only=read_only)
    if engine != "whoosh":
        raise UnknownEngine(f"Unknown search engine {engine!r}: CATALOGUE_SEARCH_ENGINE is one of {', '.join(ENGINES)}.")
    from catalogue.search.whoosh_engine import WhooshEngine

    return WhooshEngine(index_path, read_only=read_only)
