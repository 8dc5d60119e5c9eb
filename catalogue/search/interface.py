"""The search engine interface: queries, hits, results and the protocol every engine adapter follows."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Protocol

FACETS = ("publisher", "nation", "tre", "theme", "linkage_key", "band")
FACET_LABELS = {"publisher": "Publisher", "nation": "UK nation", "tre": "Access route / TRE", "theme": "Theme",
                "linkage_key": "Linkage key", "band": "Readiness"}
SORTS = ("relevance", "title", "modified", "readiness")


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20


@dataclass
class Hit:
    id: str
    title: str
    summary: str
    publisher: str
    publisher_name: str
    readiness: float
    band: str
    modified: str
    nations: list[str]
    snippet: str = ""  # HTML: escaped text with <mark> around matched terms


@dataclass
class SearchResult:
    total: int
    page: int
    page_size: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    notice: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_dict(self) -> dict:
        return {"total": self.total, "page": self.page, "page_size": self.page_size, "pages": self.pages,
                "notice": self.notice, "hits": [asdict(h) for h in self.hits],
                "facets": {k: [{"value": v, "count": c} for v, c in vals] for k, vals in self.facets.items()}}


class SearchEngine(Protocol):
    def index(self, docs: list[dict]) -> None: ...
    def delete(self, ids: list[str]) -> None: ...
    def search(self, query: SearchQuery) -> SearchResult: ...
    def rebuild(self, docs: Iterable[dict]) -> int: ...
    def doc_count(self) -> int: ...
    def last_seq(self) -> int | None: ...
    def set_last_seq(self, seq: int) -> None: ...
    def close(self) -> None: ...
