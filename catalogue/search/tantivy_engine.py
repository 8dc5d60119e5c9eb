"""Tantivy adapter for the search engine interface. No Tantivy type leaves this module.

It reads the same documents and the same query syntax as the Whoosh adapter and answers the same way: stemmed
English text with the same field boosts, filters and counts on the 6 facets over the whole match set, the 4 sorts,
paging and escaped snippets with <mark>. One process writes; a reader (read_only=True, the web workers beside a
node's indexer) never takes the index lock and sees each new commit within about half a second.
"""
from __future__ import annotations

import html
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import tantivy
from whoosh.analysis.filters import STOP_WORDS

from catalogue.errors import CatalogueError
from catalogue.search import expansion as ex
from catalogue.search import query_syntax
from catalogue.search import completion
from catalogue.search.completion import Completions
from catalogue.search.files import SAVE_EVERY, read_json, write_json
from catalogue.search.interface import FACETS, MATCH_LABELS, Hit, SearchQuery, SearchResult
from catalogue.search import spelling
from catalogue.search.spelling import Vocabulary

SCHEMA_VERSION = 3
MAX_QUERY_CHARS = 1000
MAX_TERMS = 40
TEXT_FIELDS = {"title": 4.0, "keywords": 2.0, "summary": 1.5, "description": 1.0, "publisher_name": 1.5,
               "owner": 1.0, "variables": 1.0, "linkage_text": 1.0}
STORED_TEXT = ("title", "summary", "description", "publisher_name")
EXACT_FIELDS = ("id", *FACETS)
COMMA_FACETS = ("nation", "tre", "theme", "linkage_key")
SNIPPET_FIELDS = ("summary", "description", "title")
SNIPPET_CHARS, SNIPPET_SURROUND = 240, 60
TOKENIZER, SPELL_TOKENIZER, SPLIT_TOKENIZER = "catalogue_en", "catalogue_words", "catalogue_split"
WORD_PATTERN = r"\w(?:\.?\w)+"  # Whoosh's words of 2+ characters, dots inside kept
SPLIT_FIELDS = ("variables",)  # most of the text, and not stored: its words are found in Python (see _split)
REBUILD_BATCH = 1000
WRITE_HEAP, REBUILD_HEAP = 32_000_000, 256_000_000
LOCK_TIMEOUT = 30.0
BAD_SYNTAX = "Some of your search syntax was not understood, so the words were searched for."


class ReadOnlyIndex(CatalogueError):
    code = "read-only-index"


def _analyzer() -> tantivy.TextAnalyzer:
    """The Whoosh analyzer's steps in Rust: words of 2+ characters (dots inside kept), lower case, Whoosh's stop
    words, then the Snowball English stemmer (Whoosh uses the original Porter one; they differ on a few words)."""
    return _filtered(tantivy.Tokenizer.regex(WORD_PATTERN))


def _split_analyzer() -> tantivy.TextAnalyzer:
    """The same steps for words already found by _split and joined with spaces."""
    return _filtered(tantivy.Tokenizer.whitespace())


def _filtered(tokenizer) -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tokenizer)
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS)))
            .filter(tantivy.Filter.stemmer("english"))
            .build())


_ASCII_WORD = re.compile(r"\w\w+(?:\.\w+)*|\w(?:\.\w+)+", re.ASCII)  # WORD_PATTERN, without a group per character
_WORDS = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(WORD_PATTERN)).build()


def _split(text: str) -> str:
    """The words Tantivy's regex tokenizer finds in the text, joined with spaces: the same tokens at the same
    positions under the whitespace tokenizer. Found in Python, the words of ASCII text (where Python's \\w and
    Rust's agree) take about a fifth of the regex tokenizer's time (0.44 against 2.3 CPU s for 10,000 synthetic
    records' variables), and the finding can run in worker processes (prepare); other text goes through the regex
    tokenizer itself."""
    return " ".join(_ASCII_WORD.findall(text) if text.isascii() else _WORDS.analyze(text))


def _words_analyzer() -> tantivy.TextAnalyzer:
    """Unstemmed lower-case words, for the 'did you mean' vocabulary."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).build()


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in EXACT_FIELDS:
        sb.add_text_field(name, stored=True, fast=name != "id", tokenizer_name="raw")
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=name in STORED_TEXT,
                          tokenizer_name=SPLIT_TOKENIZER if name in SPLIT_FIELDS else TOKENIZER)
    sb.add_text_field("title_sort", fast=True, tokenizer_name="raw")
    sb.add_text_field("modified", stored=True, fast=True, tokenizer_name="raw")
    sb.add_unsigned_field("readiness", stored=True, fast=True)  # tenths of a point
    sb.add_text_field("words", tokenizer_name=SPELL_TOKENIZER, index_option="basic")  # the vocabulary, in Rust
    return sb.build()


def _clean(text) -> str:
    """Text Rust can take: lone surrogates become '?'."""
    text = text if isinstance(text, str) else str(text or "")
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


_FIELDS_IN = ("id", *FACETS, *TEXT_FIELDS)
assert set(spelling.FIELDS) <= set(TEXT_FIELDS) - set(COMMA_FACETS)  # so the words are the text fields' values
assert not set(SPLIT_FIELDS) & set(STORED_TEXT)  # a stored field keeps its text as written


def _to_tantivy(doc: dict) -> dict:
    out: dict = {}
    for key in _FIELDS_IN:
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
    # one value each (fewer objects to pass between processes): the words field keeps no positions, and the
    # variables run on from one to the next as in the Whoosh adapter, which joins them with new lines too
    out["words"] = ["\n".join(v for name in spelling.FIELDS for v in out.get(name, ()))]  # cleaned above
    for name in SPLIT_FIELDS:
        if name in out:
            out[name] = [_split("\n".join(out[name]))]  # after "words": the vocabulary's own tokenizer reads the text
    return out


PREPARED = "_tantivy"  # a prepared document's fields, as the writer takes them


def prepare(doc: dict) -> dict:
    """A search document as the writer and the autocomplete names need it, its words already found: made in a
    rebuild's worker processes (catalogue/records/reading.py), so this process only feeds the writer."""
    return {**{key: doc[key] for key in completion.FIELDS if key in doc}, PREPARED: _to_tantivy(doc)}


def _fields(doc: dict) -> dict:
    return doc.get(PREPARED) or _to_tantivy(doc)


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, replace) from a to b, giving up above `limit`: what Whoosh's FuzzyTerm counts."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


@dataclass
class Built:
    """A user's text as a Tantivy query, with what to tell them and what to mark."""
    query: tantivy.Query | None  # None: nothing left to search for
    notice: str = ""
    marks: dict = field(default_factory=dict)  # {field or None (every text field): {terms and exact values}}
    expansion: ex.Expansion | None = None  # a plain query's tree (synonyms, acronyms), as the Whoosh adapter's


def build_query(text: str, schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer, searcher=None,
                fuzzy: bool = False) -> Built:
    """The one place a search text becomes a query. A plain text is expanded (catalogue/search/expansion.py:
    acronyms, synonyms, phrases preferred; fuzzy=True lets each word be misspelt); a text with syntax is read by
    query_syntax.py; if that finds nothing, or too many words, every word must match in some text field. The
    Whoosh adapter does the same, so the engines agree on what a query means."""
    text, notice = _clean(text).strip(), ""
    if len(text) > MAX_QUERY_CHARS:
        text, notice = text[:MAX_QUERY_CHARS], f"Your search was shortened to its first {MAX_QUERY_CHARS} characters."
    if not text:
        return Built(tantivy.Query.all_query(), notice)
    marks: dict = {}
    Q, Occur = tantivy.Query, tantivy.Occur

    def mark(name: str | None, terms) -> None:
        marks.setdefault(name, set()).update(terms)

    def any_of(clauses: list, boost: float = 1.0):
        clauses = [c for c in clauses if c is not None]
        if not clauses:
            return None
        q = clauses[0] if len(clauses) == 1 else Q.boolean_query([(Occur.Should, c) for c in clauses])
        return q if boost == 1.0 else Q.boost_query(q, boost)

    def all_of(clauses: list):
        clauses = [c for c in clauses if c is not None]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else Q.boolean_query([(Occur.Must, c) for c in clauses])

    def term(name: str, token: str, boost: float, edits: int = 0):
        """The term, or with edits > 0 the field's terms within that many edits sharing its first letter (as
        Whoosh's FuzzyTerm with prefixlength=1)."""
        if edits:
            near = [t for t, _ in searcher.terms_with_prefix(name, token[:1])
                    if abs(len(t) - len(token)) <= edits and levenshtein(t, token, edits) <= edits]
            mark(name, near)
            q = Q.term_set_query(schema, name, near) if near else Q.empty_query()  # a word that must match
        else:
            q = Q.term_query(schema, name, token)
        return q if boost == 1.0 else Q.boost_query(q, boost)

    def phrase(name: str, words: str, boost: float):
        """The words together in one field (stop words keep their place); an exact field takes the whole value."""
        if name in EXACT_FIELDS:
            mark(name, [words])
            return term(name, words, boost)
        tokens = analyzer.pre_tokenize(words).tokens
        mark(name, [t.text for t in tokens])
        if len(tokens) <= 1:
            return term(name, tokens[0].text, boost) if tokens else None
        q = Q.phrase_query(schema, name, [(t.position - tokens[0].position, t.text) for t in tokens])
        return q if boost == 1.0 else Q.boost_query(q, boost)

    def fields_of(name: str | None) -> dict:
        return {name: 1.0} if name else TEXT_FIELDS

    def syntax_word(name: str | None, words: str, boost: float):
        """A word typed with syntax around it: in each field all its tokens ('date-of-birth'), any field will do."""
        if name in EXACT_FIELDS:
            return phrase(name, words, boost)
        stems = list(dict.fromkeys(analyzer.analyze(words)))
        mark(name, stems)
        return any_of([all_of([term(f, s, b * boost) for s in stems]) for f, b in fields_of(name).items()])

    def compile_syntax(node):
        kind = node[0]
        if kind == "word":
            return syntax_word(*node[1:])
        if kind == "phrase":
            return any_of([phrase(f, node[2], b * node[3]) for f, b in fields_of(node[1]).items()])
        if kind == "not":
            inner = compile_syntax(node[1])
            return inner and Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, inner)])
        if kind == "maybe":
            required, optional = compile_syntax(node[1]), compile_syntax(node[2])
            if required is None or optional is None:
                return required
            return Q.boolean_query([(Occur.Must, required), (Occur.Should, optional)])
        if kind == "or":
            return any_of([compile_syntax(n) for n in node[1]])
        must = [(Occur.Must, q) for q in (compile_syntax(n) for n in node[1] if n[0] != "not") if q]  # and
        must_not = [(Occur.MustNot, q) for q in (compile_syntax(n[1]) for n in node[1] if n[0] == "not") if q]
        if not must and not must_not:
            return None
        if not must:
            must = [(Occur.Must, Q.all_query())]
        return must[0][1] if len(must) == 1 and not must_not else Q.boolean_query(must + must_not)

    def compile_plain(node):
        """The expansion tree (ex.Words, Phrase, Facet, AnyOf, AllOf, Prefer), as whoosh_engine._compile reads it."""
        if isinstance(node, ex.Words):
            clauses = []
            for word in ex.WORD.findall(node.text):
                edits = ex.fuzzy_distance(word) if node.fuzzy and searcher is not None else 0
                stems = list(dict.fromkeys(analyzer.analyze(word)))
                for name in node.fields or (None,):
                    mark(name, stems)
                clauses.append(any_of([term(f, s, TEXT_FIELDS.get(f, 1.0) * node.boost, edits)
                                       for f in node.fields or TEXT_FIELDS for s in stems]))
            return all_of(clauses)
        if isinstance(node, ex.Phrase):
            return any_of([phrase(f, node.text, TEXT_FIELDS.get(f, 1.0) * node.boost)
                           for f in node.fields or TEXT_FIELDS])
        if isinstance(node, ex.Facet):
            mark(node.field, [node.value])
            return term(node.field, node.value, node.boost)
        if isinstance(node, ex.AnyOf):
            return any_of([compile_plain(p) for p in node.parts], node.boost)
        if isinstance(node, ex.AllOf):
            return all_of([compile_plain(p) for p in node.parts])
        required = compile_plain(node.required)  # Prefer
        optional = any_of([compile_plain(p) for p in node.optional])
        if required is None or optional is None:
            return required
        return Q.boolean_query([(Occur.Must, required), (Occur.Should, optional)])

    expansion = ex.expand(text, fuzzy=fuzzy)
    if expansion is not None:
        return Built(compile_plain(expansion.tree), notice, marks, expansion)
    tree, repaired = query_syntax.parse(text, set(TEXT_FIELDS) | set(EXACT_FIELDS))
    parsed = compile_syntax(tree) if tree is not None and len(re.findall(r"\w+", text)) <= MAX_TERMS else None
    if parsed is None:  # fall back to plain words: every word must match in some text field
        marks.clear()
        parsed = all_of([syntax_word(None, w, 1.0) for w in re.findall(r"\w+", text)[:MAX_TERMS]])
        repaired = True
    return Built(parsed, notice or (BAD_SYNTAX if repaired else ""), marks)


class TantivyEngine:
    """Full-text search with facets over a Tantivy index in a folder."""

    name = "tantivy"
    prepare = staticmethod(prepare)

    def __init__(self, path: str, read_only: bool = False):
        self.path = Path(path)
        self.writer = not read_only
        self._ix: tantivy.Index | None = None
        self._analyzer = _analyzer()
        self._write_lock = threading.Lock()
        self._meta: tuple | None = None  # meta.json as last loaded, to see another process's commits at once
        self.vocab = Vocabulary(self.path)  # 'did you mean', files beside the index as the Whoosh adapter keeps
        self.completions = Completions(self.path)
        self._words_since: float | None = None  # when the index's words first changed without the vocabulary
        # the commit running in the background (see _commit_later), and the revision mark to write when it lands
        self._commit_lock = threading.Lock()
        self._committing: threading.Thread | None = None
        self._commit_error: BaseException | None = None
        self._pending_seq: int | None = None

    def close(self) -> None:
        if self.writer:
            self.wait()
            self.completions.flush(force=True)
            self._follow_words(force=True)
            self.vocab.flush(force=True)
        self._ix = None

    # housekeeping
    def _state_file(self) -> Path:
        return self.path / "catalogue-state.json"

    def _state(self) -> dict:
        return read_json(self._state_file())

    def _write_state(self, seq: int | None) -> None:
        """The engine, schema version and revision mark beside the index (None: no mark, a rebuild is owed)."""
        write_json(self._state_file(), {"engine": "tantivy", "version": SCHEMA_VERSION, "seq": seq})

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
            self._register()
        return self._ix

    def _fresh(self) -> tantivy.Index | None:
        """The index with the latest commit loaded: Tantivy reloads by itself about half a second after a commit;
        a changed meta.json (another process committed) reloads it now, as the Whoosh adapter's searcher does."""
        ix = self._open()
        try:
            meta = self.path / "meta.json"
            stat = meta.stat()
            mark = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            return ix
        if ix is not None and mark != self._meta:
            ix.reload()
            self._meta = mark
        return ix

    def _register(self) -> None:
        self._ix.register_tokenizer(TOKENIZER, self._analyzer)
        self._ix.register_tokenizer(SPELL_TOKENIZER, _words_analyzer())
        self._ix.register_tokenizer(SPLIT_TOKENIZER, _split_analyzer())

    def _create(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._ix = tantivy.Index(_schema(), path=str(self.path), reuse=False)
        self._write_state(None)

    def last_seq(self) -> int | None:
        """The revision the index holds; in the writer, the one it will hold once the commit running lands."""
        if self.writer:
            with self._commit_lock:
                if self._committing is not None and self._pending_seq is not None:
                    return self._pending_seq
            self._open()
        return self._state().get("seq") if self._current() else None

    def set_last_seq(self, seq: int) -> None:
        """Mark the index as holding every revision up to `seq`. While a commit is still running the mark is
        written when it lands, never before: a crash in between leaves the old mark, and the work is redone."""
        self._need_writer()
        self._open()
        self.completions.flush()
        self._follow_words()
        with self._commit_lock:
            if self._committing is not None:
                self._pending_seq = seq
                return
            error, self._commit_error = self._commit_error, None
            if error is not None:  # the last commit failed: its documents are not in, so neither is the mark
                raise error
            self._write_state(seq)

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        return self.completions.suggest(text, limit)

    def doc_count(self) -> int:
        self.wait()
        ix = self._fresh()
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

    def _commit_later(self, writer) -> None:
        """Commit in a thread: Tantivy lets go of the GIL while it finishes indexing, writes, syncs and merges the
        segments, so the caller's next batch (validation, the store) runs meanwhile. The next write, every read
        and close wait for it (wait); a revision mark set meanwhile is written once it has landed."""
        def run() -> None:
            error = None
            try:
                self._commit(writer)
            except BaseException as exc:  # noqa: BLE001 - raised again by the next call that waits for it
                error = exc
                try:  # let go of the index lock now: the error's traceback keeps the writer alive
                    writer.rollback()
                    writer.wait_merging_threads()
                except Exception:  # noqa: BLE001 - already consumed by a commit that got that far
                    pass
            with self._commit_lock:
                seq, self._pending_seq = self._pending_seq, None
                try:
                    if error is None and seq is not None:
                        self._write_state(seq)
                except BaseException as exc:  # noqa: BLE001
                    error = exc
                self._commit_error, self._committing = error, None

        thread = threading.Thread(target=run, name="tantivy-commit", daemon=False)
        with self._commit_lock:
            self._committing = thread
        thread.start()

    def wait(self) -> None:
        """Wait for a commit running in the background; raise its error, if it failed."""
        thread = self._committing
        if thread is not None:
            thread.join()
        with self._commit_lock:
            error, self._commit_error = self._commit_error, None
        if error is not None:
            raise error

    def index(self, docs: list[dict]) -> None:
        if not docs:
            return
        with self._write_lock:
            self.wait()
            self._follow_words()  # every earlier batch has landed: read their words, if it is time
            writer = self._writer(WRITE_HEAP, 1)
            schema = self._ix.schema
            try:
                for doc in docs:
                    writer.delete_documents_by_term("id", _clean(doc["id"]))
                    writer.add_document(tantivy.Document.from_dict(_fields(doc), schema))
            except BaseException:
                writer.rollback()
                raise
            self._commit_later(writer)
            self._words_since = self._words_since or time.monotonic()
        self.completions.add(docs)

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        with self._write_lock:
            self.wait()
            writer = self._writer(WRITE_HEAP, 1)
            for doc_id in ids:
                writer.delete_documents_by_term("id", _clean(doc_id))
            self._commit_later(writer)
        self.completions.remove(ids)

    def rebuild(self, docs: Iterable[dict]) -> int:
        """Replace every document in one commit: readers see the old index until the new one is complete."""
        self._need_writer()
        with self._write_lock:
            self.wait()
            if not self._current():
                self._ix = None
                self._create()
                self._register()
            # no revision mark until the caller sets one: a rebuild that stops half way is redone, as with Whoosh
            self._write_state(None)
            writer = self._writer(REBUILD_HEAP, 2)
            schema = self._ix.schema
            writer.delete_all_documents()
            self.completions.reset()
            n, batch = 0, []
            try:
                for doc in docs:
                    writer.add_document(tantivy.Document.from_dict(_fields(doc), schema))
                    batch.append(doc)
                    if len(batch) == REBUILD_BATCH:
                        self.completions.add(batch)
                        n, batch = n + len(batch), []
                self.completions.add(batch)
                n += len(batch)
            except BaseException:
                writer.rollback()
                raise
            self._commit(writer)
            self.vocab.replace(self._index_words())
            self.vocab.save()
            self._words_since = None
            self.completions.save()
            return n

    def _index_words(self) -> dict[str, int]:
        """The 'did you mean' vocabulary read from the index's word field (each word with the number of documents
        it is in) rather than counted word by word in Python: after a rebuild and after incremental writes alike."""
        return {word: n for word, n in self._ix.searcher().terms_with_prefix("words", "")
                if 3 <= len(word) <= spelling.MAX_WORD and word.isalpha()}

    def _follow_words(self, force: bool = False) -> None:
        """Bring the vocabulary up to the committed index's words: when asked (a search wanting a correction in
        this process, close) or once the change is SAVE_EVERY seconds old, so its file beside the index is rewritten
        as often as before. Skipped while a commit is running: its words are read the next time."""
        since = self._words_since
        if since is None or self._committing is not None or self._ix is None:
            return
        if force or time.monotonic() - since >= SAVE_EVERY:
            self._words_since = None
            self.vocab.replace(self._index_words(), changed_at=since)
            self.vocab.flush()

    # reads
    def search(self, q: SearchQuery) -> SearchResult:
        page = max(1, q.page)
        if self.writer:
            self.wait()
        ix = self._fresh()
        if ix is None:
            return SearchResult(0, page, q.page_size, [], {f: [] for f in FACETS},
                                "The search index is being built; try again in a minute.")
        schema, searcher = ix.schema, ix.searcher()
        built = build_query(q.text, schema, self._analyzer)
        filters = [(tantivy.Occur.Must, tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, name, _clean(v))) for v in values]))
            for name, values in sorted(q.filters.items()) if name in FACETS and values]

        def filtered(query):
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *filters]) if filters else query

        text = _clean(q.text).strip()[:MAX_QUERY_CHARS]
        order, by = tantivy.Order.Desc, None
        if q.sort == "title" or (q.sort == "relevance" and not text):
            order, by = tantivy.Order.Asc, "title_sort"
        elif q.sort in ("modified", "readiness"):
            by = q.sort

        size = min(max(0, q.page_size), searcher.num_docs)  # Tantivy allocates for offset + limit: keep them real
        offset = (page - 1) * size
        if offset >= searcher.num_docs:
            size = offset = 0  # past the last page: count only

        def page_of(query):  # one pass gives the page and the total
            return searcher.search(query, limit=max(1, size), count=True, order_by_field=by, offset=offset,
                                   order=order)

        matched = filtered(built.query) if built.query is not None else None
        result = page_of(matched) if matched is not None else None
        total = result.count if result is not None else 0
        fuzzy = False
        loose = build_query(q.text, schema, self._analyzer, searcher, fuzzy=True) \
            if built.expansion is not None and total < ex.FEW_RESULTS else None  # too few: add similar spellings
        if loose is not None and loose.query is not None:
            parsed = loose.query if not total else tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, built.query),
                 (tantivy.Occur.Should, tantivy.Query.boost_query(loose.query, 0.2))])
            widened = page_of(filtered(parsed))
            if widened.count > total:
                built, matched, result, total, fuzzy = Built(parsed, built.notice, loose.marks, built.expansion), \
                    filtered(parsed), widened, widened.count, True
        wants_correction = built.expansion is not None and (fuzzy or not total)
        if wants_correction and self.writer:
            self._follow_words(force=True)
        suggestion = self.vocab.correct(text) if wants_correction else None
        extra = dict(suggestion=suggestion or "", expansions=list(built.expansion.notes) if built.expansion else [],
                     fuzzy=fuzzy)
        if matched is None:
            return SearchResult(0, page, q.page_size, [], {f: [] for f in FACETS}, built.notice, **extra)
        aggs = searcher.aggregate(matched, {name: {"terms": {"field": name, "size": 10_000}} for name in FACETS})
        facets = {name: sorted(((b["key"], b["doc_count"]) for b in aggs.get(name, {}).get("buckets", [])
                                if b["doc_count"]), key=lambda kv: (-kv[1], kv[0])) for name in FACETS}
        hits: list[Hit] = []
        if total and size and offset < total:
            if q.ids_only:
                ids = [searcher.doc(address)["id"][0] for _, address in result.hits]
                return SearchResult(total, page, q.page_size, [], facets, built.notice, ids=ids, **extra)
            docs = [(searcher.doc(address).to_dict(), (address.segment_ord, address.doc)) for _, address in result.hits]
            where = self._matched_fields(searcher, schema, [(d["id"][0], at) for d, at in docs], built.marks)
            hits = [self._hit(d, built.marks, where.get(at, [])) for d, at in docs]
        return SearchResult(total, page, q.page_size, hits, facets, built.notice, **extra)

    @staticmethod
    def _matched_fields(searcher, schema, page: list[tuple], marks: dict) -> dict[tuple, list[str]]:
        """For each hit (by its address), the fields its query terms were found in, named as MATCH_LABELS names
        them. Term queries, not term sets: each skips to the page's few documents instead of reading every posting."""
        if not page or not marks:
            return {}
        Q, Occur = tantivy.Query, tantivy.Occur
        these = Q.boolean_query([(Occur.Should, Q.term_query(schema, "id", i)) for i, _ in page])
        where: dict[tuple, list[str]] = {}
        for name, label in MATCH_LABELS.items():
            terms = marks.get(None, set()) | marks.get(name, set()) if name in TEXT_FIELDS else marks.get(name, set())
            if not terms:
                continue
            found = searcher.search(Q.boolean_query([(Occur.Must, these), (Occur.Must, Q.boolean_query(
                [(Occur.Should, Q.term_query(schema, name, t)) for t in terms]))]), limit=len(page), count=False)
            for _, address in found.hits:
                labels = where.setdefault((address.segment_ord, address.doc), [])
                if label not in labels:
                    labels.append(label)
        return where

    def _hit(self, doc: dict, marks: dict, matched: list[str]) -> Hit:
        def one(name: str) -> str:
            return (doc.get(name) or [""])[0]

        snippet = ""
        for name in SNIPPET_FIELDS:
            snippet = self._snippet(one(name), marks.get(None, set()) | marks.get(name, set()))
            if snippet:
                break
        return Hit(id=one("id"), title=one("title"), summary=one("summary"), publisher=one("publisher"),
                   publisher_name=one("publisher_name"), readiness=(doc.get("readiness") or [0])[0] / 10,
                   band=one("band"), modified=one("modified"), nations=list(doc.get("nation") or []),
                   snippet=snippet, matched=matched)

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
