"""The CKAN API's projection of the store: one small Row per published dataset (what package_search filters, sorts
and facets on), and whole package dicts built only for the rows a request returns, cached per (id, revision).

Built once from the published records (streamed, no deep copies), then caught up from the store's change marks
(one indexed query when nothing changed), so a write rebuilds only its own record's Row and package. Reads and the
apply step of a catch-up share one lock; records are fetched outside it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue.formats.ckan import package_from_record, package_row
from catalogue.formats.ckan_query import Row
from catalogue.records.scoring import readiness
from catalogue.records.store import PUBLISHED, DatasetRow, Store

BATCH = 1000
PACKAGE_CACHE = 10_000  # whole packages kept, least recently used dropped first


def _chunks(ids: list[str] | None) -> list[list[str] | None]:
    return [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)] if ids is not None else [None]


def _light(store: Store, ids: list[str] | None = None):
    """Rows of published datasets (all, or these ids) from only the columns and record fields a Row reads: the
    database picks keyword and distribution out of the record, so the 30-variable bodies are never decoded here."""
    with Session(store.engine) as s:
        for chunk in _chunks(ids):
            q = select(DatasetRow.id, DatasetRow.seq, DatasetRow.publisher, DatasetRow.title, DatasetRow.created_at,
                       DatasetRow.updated_at, DatasetRow.record["keyword"].label("keyword"),
                       DatasetRow.record["distribution"].label("distribution")).where(DatasetRow.status == PUBLISHED)
            if chunk is not None:
                q = q.where(DatasetRow.id.in_(chunk))
            for r in s.execute(q.execution_options(yield_per=BATCH)):
                part = {"identifier": r.id, "title": r.title, "publisher": r.publisher,
                        "keyword": r.keyword if isinstance(r.keyword, list) else None,
                        "distribution": r.distribution if isinstance(r.distribution, list) else None}
                yield package_row(part, created=r.created_at, modified=r.updated_at, seq=r.seq)


def _records(store: Store, ids: list[str]):
    """(id, seq, publisher, created_at, updated_at, record) of these published datasets, read-only."""
    with Session(store.engine) as s:
        for chunk in _chunks(ids):
            q = select(DatasetRow.id, DatasetRow.seq, DatasetRow.publisher, DatasetRow.created_at,
                       DatasetRow.updated_at, DatasetRow.record) \
                .where(DatasetRow.status == PUBLISHED, DatasetRow.id.in_(chunk))
            for r in s.execute(q):
                if isinstance(r.record, dict) and isinstance(r.record.get("identifier"), str):
                    yield r


class PackageIndex:
    """Rows of every published dataset, kept in step with a store; packages on demand."""

    def __init__(self, store: Store, build: bool = True):
        self.store = store
        self.seq = 0
        self.rows: dict[str, Row] = {}
        self.by_name: dict[str, str] = {}  # CKAN name -> id
        self._names: dict[str, str] = {}  # publisher names, for the packages' organization titles
        self._packages: OrderedDict[str, tuple[int, dict]] = OrderedDict()  # id -> (seq, package)
        self._list: list[Row] | None = None  # the rows as a list, until the next change
        self.lock = threading.RLock()
        self._catching_up = threading.Lock()
        if build:
            self.rebuild()

    def rebuild(self) -> int:
        """Build from the store: every published record, streamed. Returns datasets indexed."""
        with self._catching_up:
            seq = self.store.max_seq()  # read first: anything written during the build is caught up later
            rows = {row.id: row for row in _light(self.store)}
            with self.lock:
                self.rows, self.seq, self._list = rows, seq, None
                self.by_name = {row.name: row.id for row in rows.values()}
                self._packages.clear()
            return len(rows)

    def catch_up(self, names: dict[str, str] | None = None) -> int:
        """Apply the store's changes since the last catch-up; a change of publisher names drops cached packages.
        Returns datasets touched. Cheap when nothing changed."""
        with self._catching_up:
            marks = self.store.change_marks(self.seq)
            renamed = names is not None and names != self._names
            if not marks and not renamed:
                return 0
            live = [i for i, _seq, status in marks if status == PUBLISHED]
            fresh = {row.id: row for row in _light(self.store, live)} if live else {}
            with self.lock:
                for ident, _seq, _status in marks:
                    old = self.rows.pop(ident, None)
                    if old is not None:
                        self.by_name.pop(old.name, None)
                    row = fresh.get(ident)
                    if row is not None:
                        self.rows[ident] = row
                        self.by_name[row.name] = ident
                if marks:
                    self.seq = max(self.seq, max(seq for _i, seq, _s in marks))
                    self._list = None
                if renamed:
                    self._names = dict(names)
                    self._packages.clear()
            return len(marks)

    def all_rows(self) -> list[Row]:
        """Every Row, in id order (the same list until the next change)."""
        with self.lock:
            if self._list is None:
                self._list = sorted(self.rows.values(), key=lambda row: row.id)
            return self._list

    def find(self, ref: str) -> Row | None:
        """A dataset by id or CKAN name."""
        with self.lock:
            row = self.rows.get(ref)
            return row if row is not None else self.rows.get(self.by_name.get(ref, ""))

    def packages(self, ids: list[str]) -> list[dict]:
        """The packages of these ids, in order: from the cache when the record has not changed since, else built
        (one query for all the missing ones). Ids no longer published are left out."""
        with self.lock:
            rows = [self.rows[i] for i in ids if i in self.rows]
            cached = {}
            for row in rows:
                hit = self._packages.get(row.id)
                if hit is not None and hit[0] == row.seq:
                    cached[row.id] = hit[1]
                    self._packages.move_to_end(row.id)
            names = dict(self._names)
        missing = [row.id for row in rows if row.id not in cached]
        if missing:
            built = {}
            for r in _records(self.store, missing):
                score = readiness(r.record)
                built[r.id] = (r.seq, package_from_record(
                    r.record, publisher_name=names.get(r.publisher, ""), created=r.created_at, modified=r.updated_at,
                    readiness={"total": score.total, "band": score.band}))
            with self.lock:
                for ident, (seq, pkg) in built.items():
                    cached[ident] = pkg
                    self._packages[ident] = (seq, pkg)
                while len(self._packages) > PACKAGE_CACHE:
                    self._packages.popitem(last=False)
        return [cached[row.id] for row in rows if row.id in cached]
