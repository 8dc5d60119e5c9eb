"""Tantivy adapter for the search engine interface. No Tantivy type leaves this module.

It reads the same documents and the same query syntax as the Whoosh adapter and answers the same way: stemmed
English text with the same field boosts, filters and counts on the 6 facets over the whole match set, the 4 sorts,
paging and escaped snippets with <mark>. One process writes; a reader (read_only=True, the web workers beside a
node's indexer) never takes the index lock and sees each new commit within about half a second.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Iterable

import tantivy
from whoosh.analysis.filters import STOP_WORDS

from catalogue.errors import CatalogueError
from catalogue.search import query_syntax
from catalogue.search.interface import FACETS, Hit, SearchQuery, SearchResult

SCHEMA_VERSION = 1
MAX_QUERY_CHARS = 1000
MAX_TERMS = 40
TEXT_FIELDS = {"title": 4.0, "keywords": 2.0, "summary": 1.5, "description": 1.0, "publisher_name": 1.5,
               "owner": 1.0, "variables": 1.0, "linkage_text": 1.0}
STORED_TEXT = ("title", "summary", "description", "publisher_name")
EXACT_FIELDS = ("id", *FACETS)
COMMA_FACETS = ("nation", "tre", "theme", "linkage_key")
SNIPPET_FIELDS = ("summary", "description", "title")
SNIPPET_CHARS, SNIPPET_SURROUND = 240, 60
TOKENIZER = "catalogue_en"
WRITE_HEAP, REBUILD_HEAP = 32_000_000, 256_000_000
LOCK_TIMEOUT = 30.0
BAD_SYNTAX = "Some of your search syntax was not understood, so the words were searched for."


class ReadOnlyIndex(CatalogueError):
    code = "read-only-index"


def _analyzer() -> tantivy.TextAnalyzer:
    """The Whoosh analyzer's steps in Rust: words of 2+ characters (dots inside kept), lower case, Whoosh's stop
    words, then the Snowball English stemmer (Whoosh uses the original Porter one; they differ on a few words)."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"\w(?:\.?\w)+"))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS)))
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in EXACT_FIELDS:
        sb.add_text_field(name, stored=True, fast=name != "id", tokenizer_name="raw")
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=name in STORED_TEXT, tokenizer_name=TOKENIZER)
    sb.add_text_field("title_sort", fast=True, tokenizer_name="raw")
    sb.add_text_field("modified", stored=True, fast=True, tokenizer_name="raw")
    sb.add_unsigned_field("readiness", stored=True, fast=True)  # tenths of a point
    return sb.build()


def _clean(text) -> str:
    """Text Rust can take: lone surrogates become '?'."""
    return str(text or "").encode("utf-8", "replace").decode("utf-8")


def _to_tantivy(doc: dict) -> dict:
    out: dict = {}
    for key in ("id", *FACETS, *TEXT_FIELDS):
        value = doc.get(key)
        values = value if isinstance(value, list) else [value]
        values = [_clean(v) for v in values if v]
        if key in COMMA_FACETS:  # as the Whoosh adapter, whose comma-separated keyword fields cannot hold a comma
            values = [v.replace(",", " ") for v in values]
        if values:
            out[key] = values
    out["linkage_text"] = [" ".join(_clean(k).replace("-", " ") for k in doc.get("linkage_key", []))]
    out["title_sort"] = [_clean(doc.get("title")).lower()]
    out["modified"] = [_clean(doc.get("modified"))]
    out["readiness"] = [int(round(float(doc.get("readiness") or 0) * 10))]
    return out


def build_query(text: str, schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer):
    """The user's text as a Tantivy query: (query or None when nothing is left to search for, notice,
    highlight terms as {field or None: {stems}}). Reads the syntax of query_syntax.py; if that finds nothing, or
    too many words, every word must match in some text field, as in the Whoosh adapter."""
    text, notice = _clean(text).strip(), ""
    if len(text) > MAX_QUERY_CHARS:
        text, notice = text[:MAX_QUERY_CHARS], f"Your search was shortened to its first {MAX_QUERY_CHARS} characters."
    if not text:
        return tantivy.Query.all_query(), notice, {}

    def stems(field: str | None, words: str) -> list[str]:
        return [words] if field in EXACT_FIELDS else analyzer.analyze(words)

    def over_fields(field: str | None, make, boost: float):
        """make(field) in the given field, or in every text field with its boost, any of them matching."""
        names = {field: 1.0} if field else TEXT_FIELDS
        clauses = [q if b * boost == 1.0 else tantivy.Query.boost_query(q, b * boost)
                   for name, b in names.items() for q in [make(name)] if q is not None]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, c) for c in clauses])

    def word(field, words, boost):
        def make(name):
            terms = [tantivy.Query.term_query(schema, name, t) for t in dict.fromkeys(stems(name, words))]
            if len(terms) <= 1:
                return terms[0] if terms else None
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, t) for t in terms])
        return over_fields(field, make, boost)

    def phrase(field, words, boost):
        def make(name):
            if name in EXACT_FIELDS:
                return tantivy.Query.term_query(schema, name, words)
            tokens = analyzer.pre_tokenize(words).tokens
            if len(tokens) <= 1:
                return tantivy.Query.term_query(schema, name, tokens[0].text) if tokens else None
            return tantivy.Query.phrase_query(schema, name, [(t.position - tokens[0].position, t.text) for t in tokens])
        return over_fields(field, make, boost)

    def compile_(node):
        kind = node[0]
        if kind == "word":
            return word(*node[1:])
        if kind == "phrase":
            return phrase(*node[1:])
        if kind == "not":
            inner = compile_(node[1])
            return inner and tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()),
                                                          (tantivy.Occur.MustNot, inner)])
        if kind == "maybe":
            required, optional = compile_(node[1]), compile_(node[2])
            if required is None or optional is None:
                return required
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, required), (tantivy.Occur.Should, optional)])
        if kind == "and":
            must = [(tantivy.Occur.Must, q) for q in map(compile_, (n for n in node[1] if n[0] != "not")) if q]
            must_not = [(tantivy.Occur.MustNot, q) for q in map(compile_, (n[1] for n in node[1] if n[0] == "not"))
                        if q]
            if not must and not must_not:
                return None
            if not must:
                must = [(tantivy.Occur.Must, tantivy.Query.all_query())]
            return must[0][1] if len(must) == 1 and not must_not else tantivy.Query.boolean_query(must + must_not)
        clauses = [q for q in map(compile_, node[1]) if q is not None]  # or
        if len(clauses) <= 1:
            return clauses[0] if clauses else None
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in clauses])

    tree, repaired = query_syntax.parse(text, set(TEXT_FIELDS) | set(EXACT_FIELDS))
    parsed = compile_(tree) if tree is not None and len(re.findall(r"\w+", text)) <= MAX_TERMS else None
    if parsed is None:  # fall back to plain words: every word must match in some text field
        tree = query_syntax.join("and", [("word", None, w, 1.0) for w in re.findall(r"\w+", text)[:MAX_TERMS]])
        parsed, repaired = tree and compile_(tree), True
    notice = notice or (BAD_SYNTAX if repaired else "")
    marks: dict = {}
    for field, words in query_syntax.words(tree):
        marks.setdefault(field, set()).update(stems(field, words) if field not in EXACT_FIELDS else ())
    return parsed, notice, marks


class TantivyEngine:
    """Full-text search with facets over a Tantivy index in a folder."""

    name = "tantivy"

    def __init__(self, path: str, read_only: bool = False):
        self.path = Path(path)
        self.writer = not read_only
        self._ix: tantivy.Index | None = None
        self._analyzer = _analyzer()
        self._write_lock = threading.Lock()

    def close(self) -> None:
        self._ix = None

    # housekeeping
    def _state_file(self) -> Path:
        return self.path / "catalogue-state.json"

    def _state(self) -> dict:
        try:
            return json.loads(self._state_file().read_text())
        except (OSError, ValueError):
            return {}

    def _write_state(self, state: dict) -> None:
        tmp = self._state_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self._state_file())

    def _current(self) -> bool:
        state = self._state()
        return state.get("engine") == "tantivy" and state.get("version") == SCHEMA_VERSION \
            and tantivy.Index.exists(str(self.path))

    def _open(self) -> tantivy.Index | None:
        """The index; a writer creates it when missing or of another version, a reader waits for it."""
        if self._ix is None:
            if self._current():
                self._ix = tantivy.Index.open(str(self.path))
            elif self.writer:
                self._create()
            else:
                return None
            self._ix.register_tokenizer(TOKENIZER, self._analyzer)
        return self._ix

    def _create(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._ix = tantivy.Index(_schema(), path=str(self.path), reuse=False)
        self._write_state({"engine": "tantivy", "version": SCHEMA_VERSION, "seq": None})

    def last_seq(self) -> int | None:
        if self.writer:
            self._open()
        return self._state().get("seq") if self._current() else None

    def set_last_seq(self, seq: int) -> None:
        self._need_writer()
        self._open()
        self._write_state({"engine": "tantivy", "version": SCHEMA_VERSION, "seq": seq})

    def doc_count(self) -> int:
        ix = self._open()
        return ix.searcher().num_docs if ix is not None else 0

    # writes
    def _need_writer(self) -> None:
        if not self.writer:
            raise ReadOnlyIndex("This search engine was opened to read only; the node's indexer writes the index.")

    def _writer(self, heap: int, threads: int):
        """The index writer, waiting up to LOCK_TIMEOUT for another process to let go of it."""
        self._need_writer()
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                return self._open().writer(heap, threads)
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _commit(self, writer) -> None:
        writer.commit()
        writer.wait_merging_threads()  # finish merges now, and let go of the lock
        self._ix.reload()

    def index(self, docs: list[dict]) -> None:
        if not docs:
            return
        with self._write_lock:
            writer = self._writer(WRITE_HEAP, 1)
            schema = self._ix.schema
            try:
                for doc in docs:
                    writer.delete_documents_by_term("id", _clean(doc["id"]))
                    writer.add_document(tantivy.Document.from_dict(_to_tantivy(doc), schema))
            except BaseException:
                writer.rollback()
                raise
            self._commit(writer)

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        with self._write_lock:
            writer = self._writer(WRITE_HEAP, 1)
            for doc_id in ids:
                writer.delete_documents_by_term("id", _clean(doc_id))
            self._commit(writer)

    def rebuild(self, docs: Iterable[dict]) -> int:
        """Replace every document in one commit: readers see the old index until the new one is complete."""
        self._need_writer()
        with self._write_lock:
            if not self._current():
                self._ix = None
                self._create()
                self._ix.register_tokenizer(TOKENIZER, self._analyzer)
            writer = self._writer(REBUILD_HEAP, 2)
            schema = self._ix.schema
            writer.delete_all_documents()
            n = 0
            try:
                for doc in docs:
                    writer.add_document(tantivy.Document.from_dict(_to_tantivy(doc), schema))
                    n += 1
            except BaseException:
                writer.rollback()
                raise
            self._commit(writer)
            return n

    # reads
    def search(self, q: SearchQuery) -> SearchResult:
        page = max(1, q.page)
        ix = self._open()
        empty = SearchResult(0, page, q.page_size, [], {f: [] for f in FACETS})
        if ix is None:
            return empty
        schema, searcher = ix.schema, ix.searcher()
        parsed, notice, marks = build_query(q.text, schema, self._analyzer)
        empty.notice = notice
        if parsed is None:
            return empty
        filters = [(tantivy.Occur.Must, tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, name, _clean(v))) for v in values]))
            for name, values in sorted(q.filters.items()) if name in FACETS and values]
        matched = tantivy.Query.boolean_query([(tantivy.Occur.Must, parsed), *filters]) if filters else parsed
        aggs = searcher.aggregate(matched, {name: {"terms": {"field": name, "size": 10_000}} for name in FACETS})
        facets = {name: sorted(((b["key"], b["doc_count"]) for b in aggs.get(name, {}).get("buckets", [])
                                if b["doc_count"]), key=lambda kv: (-kv[1], kv[0])) for name in FACETS}
        order, field = tantivy.Order.Desc, None
        if q.sort == "title" or (q.sort == "relevance" and not q.text.strip()):
            order, field = tantivy.Order.Asc, "title_sort"
        elif q.sort in ("modified", "readiness"):
            field = q.sort
        result = searcher.search(matched, limit=max(1, q.page_size), count=True, order_by_field=field,
                                 offset=(page - 1) * q.page_size, order=order)
        hits = [self._hit(searcher.doc(address), marks) for _, address in result.hits] if q.page_size > 0 else []
        return SearchResult(result.count, page, q.page_size, hits, facets, notice)

    def _hit(self, doc, marks: dict) -> Hit:
        first = doc.to_dict()

        def one(name: str) -> str:
            return (first.get(name) or [""])[0]

        snippet = ""
        for name in SNIPPET_FIELDS:
            snippet = self._snippet(one(name), marks.get(None, set()) | marks.get(name, set()))
            if snippet:
                break
        return Hit(id=one("id"), title=one("title"), summary=one("summary"), publisher=one("publisher"),
                   publisher_name=one("publisher_name"), readiness=(first.get("readiness") or [0])[0] / 10,
                   band=one("band"), modified=one("modified"), nations=list(first.get("nation") or []),
                   snippet=snippet)

    def _snippet(self, text: str, stems: set[str]) -> str:
        """Escaped text around the first matched words, each in <mark class="match termN">; "" if none match."""
        if not text or not stems:
            return ""
        found = [t for t in self._analyzer.pre_tokenize(text).tokens if t.text in stems]
        if not found:
            return ""
        start, end = 0, len(text)
        if len(text) > SNIPPET_CHARS:
            start = max(0, found[0].char_offset_from - SNIPPET_SURROUND)
            start = start if start == 0 else text.find(" ", start) + 1 or start
            end = min(len(text), start + SNIPPET_CHARS)
            end = end if end == len(text) else text.rfind(" ", start, end) if " " in text[start:end] else end
        seen: dict[str, int] = {}
        out, pos = [], start
        for token in found:
            a, b = token.char_offset_from, token.char_offset_to
            if a < pos or b > end:
                continue
            n = seen.setdefault(token.text, len(seen))
            out += [html.escape(text[pos:a]), f'<mark class="match term{n}">{html.escape(text[a:b])}</mark>']
            pos = b
        out.append(html.escape(text[pos:end]))
        return "".join(out).strip()
