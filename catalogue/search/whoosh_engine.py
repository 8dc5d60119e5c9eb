"""Whoosh adapter for the search engine interface. No Whoosh type leaves this module."""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path
from typing import Iterable

from whoosh import fields, highlight, index, qparser, query

from catalogue.search import expansion as ex
from catalogue.search.interface import FACETS, MATCH_LABELS, Hit, SearchQuery, SearchResult
from catalogue.search.completion import Completions
from catalogue.search.files import read_json, write_json
from catalogue.search.spelling import Vocabulary
from catalogue.search.analysis import FastStemmingAnalyzer

SCHEMA_VERSION = 2
MAX_QUERY_CHARS = 1000
MAX_TERMS = 40
TEXT_FIELDS = {"title": 4.0, "keywords": 2.0, "summary": 1.5, "description": 1.0, "publisher_name": 1.5,
               "owner": 1.0, "variables": 1.0, "linkage_text": 1.0}
LIST_FIELDS = ("keywords", "variables", "linkage_key", "nation", "tre", "theme")
NOT_INDEXED = ("variable_names",)  # kept for autocomplete (completion.py), not a Whoosh field


def _schema() -> fields.Schema:
    text = FastStemmingAnalyzer()
    facet = dict(commas=True, stored=True, lowercase=False)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=text, stored=True),
        title_sort=fields.ID(sortable=True),
        summary=fields.TEXT(analyzer=text, stored=True),
        description=fields.TEXT(analyzer=text, stored=True),
        keywords=fields.TEXT(analyzer=text),
        publisher_name=fields.TEXT(analyzer=text, stored=True),
        owner=fields.TEXT(analyzer=text),
        variables=fields.TEXT(analyzer=text),
        linkage_text=fields.TEXT(analyzer=text),
        publisher=fields.KEYWORD(**facet),
        nation=fields.KEYWORD(**facet),
        tre=fields.KEYWORD(**facet),
        theme=fields.KEYWORD(**facet),
        linkage_key=fields.KEYWORD(**facet),
        band=fields.KEYWORD(**facet),
        readiness=fields.NUMERIC(int, bits=32, stored=True, sortable=True),  # tenths of a point
        modified=fields.ID(stored=True, sortable=True),
    )


def _unchanged(doc: dict) -> dict:
    """The Whoosh writer takes search documents as they are."""
    return doc


def _to_whoosh(doc: dict) -> dict:
    out = {}
    for key, value in doc.items():
        if key in NOT_INDEXED:
            continue
        if key in ("nation", "tre", "theme", "linkage_key"):
            value = ",".join(v.replace(",", " ") for v in value)
        elif key in LIST_FIELDS:
            value = "\n".join(value)
        out[key] = value
    out["readiness"] = int(round(float(doc.get("readiness") or 0) * 10))
    out["title_sort"] = (doc.get("title") or "").lower()
    out["linkage_text"] = " ".join(k.replace("-", " ") for k in doc.get("linkage_key", []))
    return out


def merge_small_segments(writer, segments, limit: int = 2000, fan_in: int = 8):
    """Merge policy for incremental commits: only ever merge small segments, so a commit never stalls
    on one big merge. `reindex` still builds a single optimised segment."""
    from whoosh.reading import SegmentReader

    small = sorted((s for s in segments if s.doc_count_all() < limit), key=lambda s: s.doc_count_all())
    if len(small) < fan_in:
        return segments
    chosen, total = [], 0
    for seg in small:
        if len(chosen) >= 2 and total + seg.doc_count_all() > limit:
            break
        chosen.append(seg)
        total += seg.doc_count_all()
    for seg in chosen:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in chosen]


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _plain_words(text: str, schema) -> query.Query:
    """Every word must match in some text field: no operators, so this cannot fail to parse."""
    clauses = []
    for word in re.findall(r"\w+", text)[:MAX_TERMS]:
        terms = [query.Term(name, token, boost=boost) for name, boost in TEXT_FIELDS.items()
                 for token in dict.fromkeys(schema[name].process_text(word.lower(), mode="query"))]
        if terms:  # stop words give no terms
            clauses.append(query.Or(terms))
    return query.And(clauses) if clauses else query.NullQuery


def _tokens(schema, name: str, text: str) -> list[str]:
    return list(schema[name].process_text(text.lower(), mode="query"))


def _compile(node, schema) -> query.Query:
    """The engine-neutral query tree (catalogue/search/expansion.py) as a Whoosh query."""
    if isinstance(node, ex.Words):
        fields = node.fields or tuple(TEXT_FIELDS)
        clauses = []
        for word in ex.WORD.findall(node.text):
            dist = ex.fuzzy_distance(word) if node.fuzzy else 0
            terms = [query.FuzzyTerm(f, tok, boost=TEXT_FIELDS.get(f, 1.0) * node.boost, maxdist=dist, prefixlength=1)
                     if dist else query.Term(f, tok, boost=TEXT_FIELDS.get(f, 1.0) * node.boost)
                     for f in fields for tok in dict.fromkeys(_tokens(schema, f, word))]
            if terms:
                clauses.append(query.Or(terms))
        return query.And(clauses) if clauses else query.NullQuery
    if isinstance(node, ex.Phrase):
        parts = []
        for f in node.fields or tuple(TEXT_FIELDS):
            toks = _tokens(schema, f, node.text)
            boost = TEXT_FIELDS.get(f, 1.0) * node.boost
            if len(toks) > 1:
                parts.append(query.Phrase(f, toks, boost=boost))
            elif toks:
                parts.append(query.Term(f, toks[0], boost=boost))
        return query.Or(parts) if parts else query.NullQuery
    if isinstance(node, ex.Facet):
        return query.Term(node.field, node.value, boost=node.boost)
    if isinstance(node, ex.AnyOf):
        parts = [q for q in (_compile(p, schema) for p in node.parts) if q is not query.NullQuery]
        return query.Or(parts, boost=node.boost) if parts else query.NullQuery
    if isinstance(node, ex.AllOf):
        parts = [q for q in (_compile(p, schema) for p in node.parts) if q is not query.NullQuery]
        return query.And(parts) if parts else query.NullQuery
    if isinstance(node, ex.Prefer):
        required = _compile(node.required, schema)
        optional = [q for q in (_compile(p, schema) for p in node.optional) if q is not query.NullQuery]
        if required is query.NullQuery or not optional:
            return required
        return query.AndMaybe(required, query.Or(optional))
    raise TypeError(f"not a query node: {node!r}")


class WhooshEngine:
    """Full-text search with facets over a Whoosh index in a folder.

    Opened read-only (web workers beside a node's indexer) it never creates or writes the index; each search
    picks up the writer's latest commit, and with no index yet it finds nothing and says so."""

    name = "whoosh"
    prepare = staticmethod(_unchanged)

    def __init__(self, path: str, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self._ix = None
        self._searcher = None
        self._facet_docs: dict[str, dict[str, frozenset]] = {}
        self._alive: frozenset = frozenset()
        self._read_lock = threading.Lock()
        self.vocab = Vocabulary(self.path)
        self.completions = Completions(self.path)

    def wait(self) -> None:
        """Writes are committed before index() and delete() return: nothing to wait for."""

    def close(self) -> None:
        if not self.read_only:
            self.completions.flush(force=True)
            self.vocab.flush(force=True)
        with self._read_lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher, self._ix = None, None

    # housekeeping
    def _state_file(self) -> Path:
        return self.path / "catalogue-state.json"

    def _open(self):
        if self._ix is None:
            if self.path.exists() and index.exists_in(str(self.path)) and self._state().get("version") == SCHEMA_VERSION:
                self._ix = index.open_dir(str(self.path))
            elif not self.read_only:
                self._create()
        return self._ix

    def _create(self) -> None:
        self._writable()
        self.close()
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._ix = index.create_in(str(self.path), _schema())
        self._write_state({"version": SCHEMA_VERSION, "seq": None})

    def _state(self) -> dict:
        return read_json(self._state_file())

    def _write_state(self, state: dict) -> None:
        write_json(self._state_file(), state)

    def _writable(self) -> None:
        if self.read_only:
            raise RuntimeError(f"the search index at {self.path} is open read-only; this node's indexer writes it")

    def last_seq(self) -> int | None:
        if self._open() is None:
            return None
        return self._state().get("seq")

    def set_last_seq(self, seq: int) -> None:
        self._writable()
        self._open()
        self.completions.flush()
        self.vocab.flush()
        self._write_state({"version": SCHEMA_VERSION, "seq": seq})

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        return self.completions.suggest(text, limit)

    def doc_count(self) -> int:
        ix = self._open()
        if ix is None:
            return 0
        ix = ix.refresh() if hasattr(ix, "refresh") else ix
        return ix.doc_count()

    # writes
    def index(self, docs: list[dict]) -> None:
        if not docs:
            return
        self._writable()
        writer = self._open().writer(timeout=30.0)
        try:
            for doc in docs:
                writer.update_document(**_to_whoosh(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_small_segments)
        self.vocab.add(docs)
        self.vocab.flush()
        self.completions.add(docs)

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        self._writable()
        writer = self._open().writer(timeout=30.0)
        for doc_id in ids:
            writer.delete_by_term("id", doc_id)
        writer.commit(mergetype=merge_small_segments)
        self.completions.remove(ids)

    def rebuild(self, docs: Iterable[dict]) -> int:
        self._ix = None
        self._create()
        writer = self._ix.writer(procs=1, limitmb=256)
        n = 0
        self.vocab.reset()
        self.completions.reset()
        try:
            for doc in docs:
                writer.add_document(**_to_whoosh(doc))
                self.vocab.add([doc])
                self.completions.add([doc])
                n += 1
        except BaseException:  # the documents failed (a store read, a worker): let go of the writer and its files
            writer.cancel()
            raise
        writer.commit(optimize=True)
        self.vocab.save()
        self.completions.save()
        return n

    # reads
    def _parse(self, text: str, schema) -> tuple[query.Query, str]:
        text = (text or "").strip()
        notice = ""
        if len(text) > MAX_QUERY_CHARS:
            text, notice = text[:MAX_QUERY_CHARS], f"Your search was shortened to its first {MAX_QUERY_CHARS} characters."
        if not text:
            return query.Every(), notice
        parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, fieldboosts=TEXT_FIELDS)
        parser.remove_plugin_class(qparser.WildcardPlugin)  # leading wildcards are slow and rarely meant
        try:
            parsed = parser.parse(text)
            if len(list(parsed.leaves())) <= MAX_TERMS * len(TEXT_FIELDS) and parsed is not query.NullQuery:
                return parsed, notice
        except Exception:  # any parser failure falls back to plain words
            pass
        fallback = _plain_words(text, schema)
        return fallback, notice or "Some of your search syntax was not understood, so the words were searched for."

    def _current_searcher(self):
        """A long-lived searcher, refreshed when the index changes; facet doc sets cached with it."""
        ix = self._open()
        if self._searcher is None:
            self._searcher = ix.searcher()
        elif not self._searcher.up_to_date():
            # not refresh(): it reuses segment readers and can miss deletions made since
            self._searcher.close()
            self._searcher = ix.searcher()
        else:
            return self._searcher
        reader = self._searcher.reader()
        self._alive = frozenset(reader.all_doc_ids())  # postings can still list deleted documents
        self._facet_docs = {name: {term.decode() if isinstance(term, bytes) else term:
                                   frozenset(reader.postings(name, term).all_ids())
                                   for term in reader.lexicon(name)} for name in FACETS}
        return self._searcher

    def search(self, q: SearchQuery) -> SearchResult:
        with self._read_lock:
            for attempt in (1, 2):
                if self._open() is None:
                    return SearchResult(0, max(1, q.page), q.page_size, [], {f: [] for f in FACETS},
                                        "The search index is being built; try again in a minute.")
                try:
                    return self._search(q)
                except (OSError, index.IndexError):
                    if not self.read_only or attempt == 2:
                        raise
                # the writer's latest commit removed files of the one this searcher read: open that commit afresh
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher, self._ix = None, None
        raise AssertionError("unreachable")

    def _matching(self, searcher, parsed, q: SearchQuery) -> frozenset:
        matched = self._alive.intersection(searcher.docs_for_query(parsed))
        for name, values in sorted(q.filters.items()):
            if name in FACETS and values:
                allowed = frozenset().union(*(self._facet_docs[name].get(v, frozenset()) for v in values))
                matched &= allowed
        return matched

    def _search(self, q: SearchQuery) -> SearchResult:
        searcher = self._current_searcher()
        schema = searcher.schema
        text = (q.text or "").strip()[:MAX_QUERY_CHARS]
        expanded = ex.expand(text)
        if expanded is not None:
            parsed, notice = _compile(expanded.tree, schema), ""
            if len(q.text.strip()) > MAX_QUERY_CHARS:
                notice = f"Your search was shortened to its first {MAX_QUERY_CHARS} characters."
        else:
            parsed, notice = self._parse(q.text, schema)
        page = max(1, q.page)
        matched = frozenset() if parsed is query.NullQuery else self._matching(searcher, parsed, q)
        fuzzy = False
        if expanded is not None and len(matched) < ex.FEW_RESULTS:
            loose = _compile(ex.expand(text, fuzzy=True).tree, schema)
            if loose is not query.NullQuery:
                widened = self._matching(searcher, loose, q)
                if len(widened) > len(matched):  # exact matches still rank first
                    parsed = query.Or([parsed, query.Or([loose], boost=0.2)]) if matched else loose
                    matched, fuzzy = widened, True
        suggestion = self.vocab.correct(text) if expanded is not None and (fuzzy or not matched) else None
        extra = dict(suggestion=suggestion or "", expansions=list(expanded.notes) if expanded else [], fuzzy=fuzzy)
        if parsed is query.NullQuery:
            return SearchResult(0, page, q.page_size, [], {f: [] for f in FACETS}, notice, **extra)
        facets = {}
        for name in FACETS:
            counts = [(value, len(matched & docs)) for value, docs in self._facet_docs[name].items()]
            facets[name] = sorted(((v, c) for v, c in counts if c), key=lambda kv: (-kv[1], kv[0]))
        sortedby, reverse = None, False
        if q.sort == "title" or (q.sort == "relevance" and isinstance(parsed, query.Every)):
            sortedby = "title_sort"
        elif q.sort == "modified":
            sortedby, reverse = "modified", True
        elif q.sort == "readiness":
            sortedby, reverse = "readiness", True
        hits: list[Hit] = []
        if matched and (page - 1) * q.page_size < len(matched):
            terms = [query.Or([query.Term(n, v) for v in vals])
                     for n, vals in sorted(q.filters.items()) if n in FACETS and vals]
            results = searcher.search(parsed, limit=page * q.page_size, sortedby=sortedby, reverse=reverse,
                                      filter=query.And(terms) if terms else None, terms=not q.ids_only)
            if q.ids_only:
                ids = [hit["id"] for hit in results[(page - 1) * q.page_size: page * q.page_size]]
                return SearchResult(len(matched), page, q.page_size, [], facets, notice, ids=ids, **extra)
            results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
            results.formatter = highlight.HtmlFormatter(tagname="mark", classname="match", termclass="term")
            hits = [self._hit(hit) for hit in results[(page - 1) * q.page_size: page * q.page_size]]
        return SearchResult(len(matched), page, q.page_size, hits, facets, notice, **extra)

    @staticmethod
    def _hit(hit) -> Hit:
        snippet = ""
        for name in ("summary", "description", "title"):
            snippet = hit.highlights(name, top=2)
            if snippet:
                break
        return Hit(id=hit["id"], title=hit.get("title", ""), summary=hit.get("summary", ""),
                   publisher=hit.get("publisher", ""), publisher_name=hit.get("publisher_name", ""),
                   readiness=hit.get("readiness", 0) / 10, band=hit.get("band", ""), modified=hit.get("modified", ""),
                   nations=_split(hit.get("nation")), snippet=snippet,
                   matched=list(dict.fromkeys(MATCH_LABELS[f] for f, _ in hit.matched_terms() if f in MATCH_LABELS)))
