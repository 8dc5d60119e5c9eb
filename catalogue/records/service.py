"""The one way in for writes: validate, store (new revision), project (search index). Plus index catch-up."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from catalogue.errors import CatalogueError
from catalogue.records import reading
from catalogue.records.scoring import readiness
from catalogue.search import SearchEngine, SearchQuery, SearchResult, make_engine
from catalogue.search.documents import search_document
from catalogue.settings import Settings
from catalogue.records.store import PUBLISHED, Dataset, Revision, Store
from catalogue.records.validation import UNSTORABLE_CODES, Problem, Report, misshapen, storable_text, validate


class IndexOwned(CatalogueError):
    """The index is written by this node's indexer process, not by this one."""

    code = "index-owned"


@dataclass
class SaveResult:
    identifier: str
    action: str  # created, updated, unchanged, withdrawn, rejected
    report: Report
    revision: int | None = None

    def to_dict(self) -> dict:
        return {"identifier": self.identifier, "action": self.action, "revision": self.revision,
                "report": self.report.to_dict()}


def _flaggable(record, report: Report) -> bool:
    """An invalid record may still be stored, flagged, if it can be found and shown: it has an identifier,
    publisher and title, no text or numbers no store can hold (read from its report: lone surrogates, NUL, NaN,
    huge numbers) and no values of the wrong type."""
    return (isinstance(record, dict)
            and all(isinstance(record.get(k), str) and record.get(k) for k in ("identifier", "publisher", "title"))
            and not any(p.code in UNSTORABLE_CODES for p in report.issues)
            and not (report.misshapen if report.misshapen is not None else misshapen(record)))


class Catalogue:
    """The store (truth) and its search projection, wired together."""

    STORE_BATCH = 200  # records per store transaction

    def __init__(self, settings: Settings, store: Store | None = None, engine: SearchEngine | None = None,
                 *, index_writer: bool = True):
        """index_writer=False: the node's indexer (catalogue/records/indexer.py) owns the index, so writes only
        go to the store, the index is opened read-only and searches see the indexer's commits."""
        self.settings = settings
        self.index_writer = index_writer
        self.store = store or Store(settings.db_url)
        self.engine = engine or make_engine(settings.index_path, settings.search_engine, read_only=not index_writer)
        self._lock = threading.RLock()
        self._last_sync = 0.0
        self._pub_names: dict[str, str] | None = None
        self._pub_names_at = 0.0

    # publishers
    NAMES_TTL = 30.0  # seconds publisher names are kept: another process (a harvest, a load) may add or rename one

    def publisher_names(self) -> dict[str, str]:
        if self._pub_names is None or time.monotonic() - self._pub_names_at > self.NAMES_TTL:
            self._pub_names = {p["id"]: p["name"] for p in self.store.publishers()}
            self._pub_names_at = time.monotonic()
        return self._pub_names

    def load_publishers(self, publishers: Iterable[dict]) -> int:
        n = 0
        for pub in publishers:
            self.store.upsert_publisher(pub)
            n += 1
        self._pub_names = None
        return n

    # writes
    def save(self, record, *, author: str, route: str, allow_invalid: bool = False) -> SaveResult:
        """Validate, store as a new revision and index one record."""
        return self.save_many([record], author=author, route=route, allow_invalid=allow_invalid)[0]

    def save_many(self, records: Iterable, *, author: str, route: str, allow_invalid: bool = False,
                  progress: Callable[[int], None] | None = None) -> list[SaveResult]:
        """The single write path. Invalid records are rejected (nothing stored) unless allow_invalid, which stores
        incomplete records flagged, but never ones with values of the wrong type or text no page can show."""
        results: list[SaveResult | None] = []
        pending: list[tuple[int, dict, Report]] = []  # valid (or allowed) records waiting to be stored
        for i, record in enumerate(records, 1):
            report = validate(record)
            ident = record.get("identifier") if isinstance(record, dict) else None
            ident = ident if isinstance(ident, str) and storable_text(ident) else ""
            if not report.valid and not (allow_invalid and _flaggable(record, report)):
                results.append(SaveResult(ident, "rejected", report))
            else:
                results.append(None)
                pending.append((len(results) - 1, record, report))
            if progress:
                progress(i)
        changed: list[tuple[dict, int]] = []
        for start in range(0, len(pending), self.STORE_BATCH):
            batch = pending[start:start + self.STORE_BATCH]
            written = self.store.put_many([(rec, rep.to_dict()) for _, rec, rep in batch], author=author, route=route)
            for (pos, rec, rep), w in zip(batch, written):
                results[pos] = SaveResult(rec["identifier"], w.action, rep, w.revision)
                if w.action != "unchanged":
                    changed.append((rec, w.seq))
        self._project(changed, [])
        return results  # type: ignore[return-value]

    def withdraw(self, dataset_id: str, *, reason: str, author: str, route: str) -> SaveResult | None:
        written = self.store.withdraw(dataset_id, reason=reason, author=author, route=route)
        if written is None:
            return None
        if written.action == "withdrawn":
            self._project([], [(dataset_id, written.seq)])
        return SaveResult(dataset_id, written.action, Report(), written.revision)

    def _project(self, records: list[tuple[dict, int]], withdrawn: list[tuple[str, int]]) -> None:
        """Update the index for our own writes, then catch up with anyone else's."""
        if not self.index_writer or (not records and not withdrawn):
            return  # without the writer role the node's indexer projects them from the revision counter
        if self.engine.last_seq() is None:  # no index yet: build it once, from the store unless it holds only these
            if not self._first_build(records):
                self.reindex()
            return
        names = self.publisher_names()
        with self._lock:
            self.engine.index([search_document(r, names.get(r["publisher"], "")) for r, _ in records])
            self.engine.delete([i for i, _ in withdrawn])
        done = {r["identifier"]: seq for r, seq in records} | dict(withdrawn)
        self.sync_index(force=True, done=done)

    def _first_build(self, records: list[tuple[dict, int]]) -> bool:
        """Build a missing index from the records just written when they are all the store publishes (a new
        catalogue's first save or harvest), without reading them back. False, having done nothing, otherwise."""
        latest = {r["identifier"]: r for r, _ in records}
        with self._lock:
            seq = self.store.max_seq()  # read before the count: a write after it is caught up by the next sync
            if not latest or self.store.count() != len(latest) or seq != max(s for _, s in records):
                return False
            self._pub_names = None
            names = self.publisher_names()
            self.engine.rebuild(search_document(r, names.get(r["publisher"], "")) for r in latest.values())
            self.engine.set_last_seq(seq)
            return True

    # projection upkeep
    def sync_index(self, force: bool = False, min_interval: float = 2.0, done: dict[str, int] | None = None) -> int:
        """Catch the index up with the store from the revision counter. Returns documents touched.

        `done` maps ids to the revision seq already projected by the caller, so they are not redone."""
        now = time.monotonic()
        if not self.index_writer or (not force and now - self._last_sync < min_interval):
            return 0
        with self._lock:
            self._last_sync = now
            last = self.engine.last_seq()
            if last is None:
                return self.reindex()
            marks = self.store.change_marks(last)
            if not marks:
                return 0
            done = done or {}
            todo = [(i, status) for i, seq, status in marks if done.get(i) != seq]
            live_ids = [i for i, status in todo if status == PUBLISHED]
            gone = [i for i, status in todo if status != PUBLISHED]
            names = self.publisher_names()
            for start in range(0, len(live_ids), 500):
                self.engine.index(reading.read(self.store, live_ids[start:start + 500], names))
            self.engine.delete(gone)
            self.engine.set_last_seq(max(seq for _, seq, _ in marks))
            return len(todo)

    def wait_for_index(self) -> None:
        """Wait until this process's index writes are committed: the Tantivy engine commits in the background, so
        a save returns while its commit finishes (searches in this process wait for it; others see it when done)."""
        self.engine.wait()

    def reindex(self) -> int:
        """Rebuild the whole index from the store."""
        if not self.index_writer:
            raise IndexOwned(f"This node's indexer is running and owns the search index at {self.settings.index_path}"
                             ": stop it (catalogue serve or catalogue indexer), rebuild, then start it again.")
        with self._lock:
            self._pub_names = None
            names = self.publisher_names()
            seq = self.store.max_seq()
            self.engine.wait()  # no commit of ours running while the readers are forked
            n = self.engine.rebuild(reading.documents(self.store, self.published_ids(), names, self.engine.prepare))
            self.engine.set_last_seq(seq)
            return n

    # reads
    def search(self, query: SearchQuery) -> SearchResult:
        self.sync_index()
        return self.engine.search(query)

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Autocomplete: titles, publishers, variable names and linkage keys for what has been typed."""
        self.sync_index()
        return self.engine.suggest(text, limit)

    def get(self, dataset_id: str) -> Dataset | None:
        return self.store.get(dataset_id)

    def revisions(self, dataset_id: str) -> list[Revision]:
        return self.store.revisions(dataset_id)

    def recent_changes(self, limit: int = 50, publisher: str | None = None) -> list[Revision]:
        """The latest revisions (created, updated, withdrawn), newest first, of all datasets or one publisher's."""
        return self.store.recent_revisions(limit, publisher)

    def datasets(self, publisher: str | None = None) -> list[Dataset]:
        """Published datasets, of one publisher or all."""
        return self.store.datasets(publisher=publisher)

    def datasets_by_id(self, ids: list[str]) -> list[Dataset]:
        """The published datasets among these identifiers, in one read (a results page's records)."""
        return self.store.datasets(ids=list(ids)) if ids else []

    def count(self) -> int:
        """How many datasets are published."""
        return self.store.count()

    def change_mark(self) -> int:
        """The store's revision counter: it moves on every write, so caches of derived views key on it."""
        return self.store.max_seq()

    def published_times(self) -> list[tuple[str, str, datetime]]:
        """(id, publisher, time of the last change) of every published dataset, by id, without record bodies."""
        return self.store.published_times()

    def published_ids(self) -> list[str]:
        """Identifiers of the published datasets, in order, without reading record bodies (for the sitemap)."""
        return sorted(ident for ident, _pub, _title, status, _rev in self.store.dataset_keys() if status == PUBLISHED)

    def publishers(self) -> list[dict]:
        return self.store.publishers()

    def publisher(self, pub_id: str) -> dict | None:
        return self.store.publisher(pub_id)

    def publisher_counts(self) -> dict[str, int]:
        """Published datasets per publisher id."""
        return self.store.publisher_counts()

    def close(self) -> None:
        self.engine.close()
        self.store.close()


def dataset_summary(dataset: Dataset) -> dict:
    """What every view of a dataset needs: record, score and report."""
    return {"record": dataset.record, "status": dataset.status, "revision": dataset.revision,
            "withdrawn_reason": dataset.withdrawn_reason, "updated_at": dataset.updated_at.isoformat(),
            "readiness": readiness(dataset.record).to_dict(), "validation": dataset.report}


__all__ = ["Catalogue", "SaveResult", "Problem", "dataset_summary"]
