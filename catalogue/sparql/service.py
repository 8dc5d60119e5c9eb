"""The SPARQL service: refuse what is not a read-only query, catch the projection up, run the query in a worker."""
from __future__ import annotations

import re
import threading
import time
import weakref
from dataclasses import dataclass

from catalogue.errors import CatalogueError
from catalogue.formats.dcat.vocab import PREFIXES
from catalogue.records.store import Store
from catalogue.settings import Settings
from catalogue.sparql.pool import QueryPool
from catalogue.sparql.projection import Projection

# Predeclared in every query (a query's own PREFIX wins): the profile's prefixes plus the usual RDF ones.
DEFAULT_PREFIXES = {**{p: str(ns) for p, ns in PREFIXES.items()},
                    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": "http://www.w3.org/2001/XMLSchema#"}
RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("ttl", "jsonld", "nt", "rdf")
MAX_QUERY_CHARS = 100_000
INLINE_BUILD = 2000  # records: a first build of more runs in the background (queries get 503 until it is done)
INLINE_CATCH_UP = 200  # changes applied before a query answers; more continue in the background
LOCK_WAIT = 1.0  # seconds a query waits for another writer to publish a change it should see
MAX_NESTING = 100  # brackets deep: pyoxigraph's parser recurses, and very deep nesting overflows its stack


class SparqlError(CatalogueError):
    """A request the endpoint will not run: bad or non-query SPARQL, or one that asks too much."""

    code = "malformed-query"


class UpdateRefused(SparqlError):
    code = "update-refused"


class NotReady(CatalogueError):
    code = "not-ready"


# Text that hides keywords: comments, strings, IRIs (so `"INSERT"` or <http://x/SERVICE> are not read as keywords).
_OPAQUE = re.compile(r'#[^\n]*'  # a comment
                     r'|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''  # long strings
                     r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''  # strings
                     r'|<[^<>\s]*>')  # IRIs
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:\s*<>|BASE\s*<>)\s*)*", re.IGNORECASE)
_UPDATE = re.compile(r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE\s+(?:SILENT\s+)?(?:<>|[?$]|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)


def masked(text: str) -> str:
    """The query with comments and strings removed and IRIs emptied, for spotting keywords."""
    return _OPAQUE.sub(lambda m: "<>" if m.group(0).startswith("<") else " ", text)


def nesting(plain: str) -> int:
    """How deep {, ( and [ nest in the masked query."""
    depth = deepest = 0
    for char in plain:
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth -= 1
    return deepest


def check_query(text: str) -> None:
    """Refuse updates and federated queries before anything runs (the parser judges the rest)."""
    if not text.strip():
        raise SparqlError("The query is empty. Send a SPARQL query in the query parameter.")
    if len(text) > MAX_QUERY_CHARS:
        raise SparqlError(f"The query is longer than {MAX_QUERY_CHARS:,} characters.", code="query-too-long")
    plain = masked(text)
    if nesting(plain) > MAX_NESTING:
        raise SparqlError(f"The query nests brackets more than {MAX_NESTING} deep.", code="query-too-deep")
    body = plain[_PROLOGUE.match(plain).end():]
    if _UPDATE.match(body):
        raise UpdateRefused("This endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, ...) are "
                            "refused. Send a SELECT, ASK, CONSTRUCT or DESCRIBE query.")
    if _SERVICE.search(plain):
        raise SparqlError("Federated queries (SERVICE) are not run here: this endpoint queries only this catalogue.",
                          code="service-refused")


@dataclass
class Answer:
    kind: str  # select, ask or graph
    format: str  # one of RESULT_FORMATS or GRAPH_FORMATS
    rows: int
    body: bytes


class SparqlService:
    """The projection in settings.sparql_path and the query workers that read it."""

    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings = store, settings
        self.projection = Projection(settings.sparql_path, grace=max(120.0, 3 * settings.sparql_timeout))
        self.pool = QueryPool(settings.sparql_workers)
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._stop = weakref.finalize(self, QueryPool.close, self.pool)  # when this goes, or at exit

    def sync(self, blocking: bool = False, limit: int | None = None) -> int | None:
        """Catch the projection up with the store (skipped if another process is writing it right now)."""
        return self.projection.sync(self.store, self.settings.base_url, blocking=blocking, limit=limit)

    def _catch_up(self) -> None:
        """Before a query: small catch-ups inline, so a change shows at once; a first build of a big store, or a
        long catch-up, in a background thread, while queries read the last snapshot (or wait for the first)."""
        if self.projection.needs_rebuild(self.settings.base_url) and self.store.count() > INLINE_BUILD:
            self._in_background()
            return
        deadline = time.monotonic() + LOCK_WAIT
        while (done := self.sync(limit=INLINE_CATCH_UP)) is None and time.monotonic() < deadline:
            state = self.projection.state()  # another writer is at work: wait a little if we are behind
            if (state is not None and state.seq >= self.store.max_seq()) or self._following():
                return
            time.sleep(0.05)
        if done == INLINE_CATCH_UP:
            self._in_background()

    def _following(self) -> bool:
        """Whether our background catch-up is running (then a query reads the last snapshot, without waiting)."""
        return self._worker is not None and self._worker.is_alive()

    def _in_background(self) -> None:
        with self._lock:
            if self._following():
                return
            self._worker = threading.Thread(target=self._follow, name="sparql-catch-up", daemon=True)
            self._worker.start()

    def _follow(self) -> None:
        while self.sync(limit=INLINE_CATCH_UP * 10) == INLINE_CATCH_UP * 10:
            pass

    def rebuild(self) -> int:
        return self.projection.rebuild(self.store, self.settings.base_url)

    def query(self, text: str, results: str = "json", graph: str = "ttl", default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None) -> Answer:
        """Run a read-only query on the caught-up projection; results in `results`, a graph in `graph` format."""
        check_query(text)
        self._catch_up()
        snapshot = self.projection.snapshot_path()
        if snapshot is None:
            raise NotReady("The SPARQL store is being built. Try again shortly.")
        request = {"snapshot": str(snapshot), "query": text, "results": results, "graph": graph,
                   "max_rows": self.settings.sparql_max_rows, "prefixes": DEFAULT_PREFIXES,
                   "default_graphs": default_graphs or [], "named_graphs": named_graphs or []}
        header, body = self.pool.run(request, self.settings.sparql_timeout)
        if not header["ok"]:
            raise SparqlError(header["message"], code=header["code"])
        return Answer(header["kind"], header["format"], header["rows"], body)

    def close(self) -> None:
        self._stop()


def rebuild_projection(catalogue) -> str:
    """`catalogue reindex` calls this (entry point catalogue.projections): rebuild the SPARQL store, say what."""
    service = SparqlService(catalogue.store, catalogue.settings)
    try:
        n = service.rebuild()
    finally:
        service.close()
    skipped = len(service.projection.skipped)
    return f"SPARQL store ({n} datasets" + (f"; {skipped} triples with unusable IRIs left out)" if skipped else ")")
