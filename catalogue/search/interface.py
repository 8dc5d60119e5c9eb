"""The search engine interface: queries, hits, results and the protocol every engine adapter follows."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable, Protocol

FACETS = ("publisher", "nation", "tre", "theme", "linkage_key", "band")
FACET_LABELS = {"publisher": "Publisher", "nation": "UK nation", "tre": "Access route / TRE", "theme": "Theme",
                "linkage_key": "Linkage key", "band": "Readiness"}
SORTS = ("relevance", "title", "modified", "readiness")
# index fields, by what a user calls them, for 'why it matched'
MATCH_LABELS = {"title": "title", "keywords": "keywords", "summary": "summary", "description": "description",
                "publisher_name": "publisher", "publisher": "publisher", "owner": "owner", "variables": "variables",
                "linkage_text": "linkage keys"}


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    ids_only: bool = False  # the page as SearchResult.ids, best first, without hits (no snippets): the CKAN API


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
    matched: list[str] = field(default_factory=list)  # where the query matched: 'title', 'variables', ...


@dataclass
class SearchResult:
    total: int
    page: int
    page_size: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    notice: str = ""
    suggestion: str = ""  # 'did you mean': the query with misspelt words corrected from the index's words
    expansions: list[str] = field(default_factory=list)  # acronyms and synonyms the query was widened with
    fuzzy: bool = False  # similar spellings were added because the exact words found little
    ids: list[str] = field(default_factory=list)  # with SearchQuery.ids_only: the page's ids instead of hits

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_dict(self) -> dict:
        return {"total": self.total, "page": self.page, "page_size": self.page_size, "pages": self.pages,
                "notice": self.notice,
                "suggestion": self.suggestion, "expansions": self.expansions, "fuzzy": self.fuzzy, "hits": [asdict(h) for h in self.hits],
                "facets": {k: [{"value": v, "count": c} for v, c in vals] for k, vals in self.facets.items()}}


class SearchEngine(Protocol):
    """An adapter over one node's index folder. Opened with read_only=True (web workers beside the node's indexer)
    it never creates or writes the index, and each search sees the writer's latest commit; last_seq() reads the
    revision the writer last committed."""

    name: str  # "whoosh", ...: shown by /healthz

    def index(self, docs: list[dict]) -> None: ...
    def delete(self, ids: list[str]) -> None: ...
    def search(self, query: SearchQuery) -> SearchResult: ...
    def suggest(self, text: str, limit: int = 8) -> list[dict]: ...  # autocomplete: {kind, label, value}
    def rebuild(self, docs: Iterable[dict]) -> int: ...  # search documents, or prepare()'s of them
    # a search document as rebuild() and index() take it, with work done ahead; a module-level function, so a
    # rebuild can run it in worker processes
    prepare: Callable[[dict], dict]
    def doc_count(self) -> int: ...
    def last_seq(self) -> int | None: ...
    def set_last_seq(self, seq: int) -> None: ...
    def wait(self) -> None: ...  # until this process's writes are committed (an engine may commit in the background)
    def close(self) -> None: ...
