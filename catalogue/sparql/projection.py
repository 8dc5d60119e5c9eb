"""The SPARQL store on disk: a projection of the record store, kept like the search index.

<folder>/live is the pyoxigraph (RocksDB) store. One process at a time writes it, under a file lock: it catches up
from the store's change marks (replacing each changed record's named graph, dropping withdrawn ones) or rebuilds it
whole (`catalogue reindex`). After each write it takes a snapshot (a RocksDB checkpoint: hard links, cheap) into
<folder>/snapshots/ and names it in <folder>/state.json with the revision it reached. Queries run on the newest
snapshot, opened read-only by query workers in other processes (RocksDB forbids reading a store another process
writes). A snapshot is deleted once a newer one has existed for `grace` seconds, longer than any query may run.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import NamedNode, Store as OxStore

from catalogue.formats.dcat.write import latest_modified
from catalogue.formats.export import store_records
from catalogue.records.store import PUBLISHED, Store
from catalogue.sparql import graphs

BATCH = 500  # records read from the store at a time when catching up
_CODE = [Path(graphs.__file__).parent.parent / "formats" / "dcat", Path(graphs.__file__).parent / "graphs.py",
         Path(graphs.__file__).parent.parent / "formats" / "vocabularies.py"]


@dataclass
class State:
    seq: int  # the store revision the projection has reached
    snapshot: str  # folder name under snapshots/
    version: str  # base URI and mapping code it was built with: another means rebuild
    fixed: dict[str, str] = field(default_factory=dict)  # fixed graph IRI -> fingerprint
    publishers: str = ""  # fingerprint of the publisher table
    records: int = 0  # published records projected at the last rebuild or catch-up


def version(base_uri: str) -> str:
    """Base URI plus a hash of the mapping code, so a new release (or a new base URL) rebuilds the projection."""
    digest = hashlib.sha256(base_uri.encode())
    for path in _CODE:
        for name in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            if name.exists():
                digest.update(name.read_bytes())
    return digest.hexdigest()[:16]


def dataset_graph(base_uri: str, identifier: str) -> NamedNode:
    """A record's graph name: its dataset IRI (as catalogue.formats.dcat.write builds it)."""
    return NamedNode(f"{base_uri.rstrip('/')}/datasets/{quote(identifier, safe='')}")


def _publisher_table(store: Store) -> tuple[dict[str, dict], str]:
    pubs = {p["id"]: p for p in store.publishers()}
    return pubs, hashlib.sha256(json.dumps(pubs, sort_keys=True, default=str).encode()).hexdigest()[:20]


class Projection:
    """The on-disk SPARQL projection in `folder`: written here, read through its snapshots."""

    def __init__(self, folder: str | Path, grace: float = 120.0):
        self.folder = Path(folder)
        self.grace = grace
        self.skipped: list = []  # (identifier, predicate) of triples left out at the last write

    # reading the state
    def state(self) -> State | None:
        try:
            data = json.loads((self.folder / "state.json").read_text())
            return State(**data)
        except (OSError, ValueError, TypeError):
            return None

    def snapshot_path(self) -> Path | None:
        """The newest snapshot to query, or None before the first build."""
        state = self.state()
        if state is None:
            return None
        path = self.folder / "snapshots" / state.snapshot
        return path if path.is_dir() else None

    # writing
    @contextmanager
    def _writer(self, blocking: bool):
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def needs_rebuild(self, base_uri: str) -> bool:
        """No projection yet, or one built for another base URL or mapping code."""
        state = self.state()
        return state is None or state.version != version(base_uri) or not (self.folder / "live").is_dir()

    def sync(self, store: Store, base_uri: str, *, blocking: bool = False, limit: int | None = None) -> int | None:
        """Catch up with the store from its change marks, at most `limit` of them (the oldest). Returns the number
        of changes applied (0 if none), or None when another process or thread holds the writer lock (the caller
        reads the last snapshot meanwhile)."""
        with self._writer(blocking) as mine:
            if not mine:
                return None
            state = self.state()
            if self.needs_rebuild(base_uri):
                return self._rebuild(store, base_uri)
            marks = store.change_marks(state.seq)[:limit]
            publishers, pub_print = _publisher_table(store)
            if not marks and pub_print == state.publishers:
                return 0
            db = OxStore(str(self.folder / "live"))
            self.skipped = []
            fixed = graphs.fixed_graphs(base_uri, publishers, None)
            fixed_subjects = graphs.subjects(fixed)
            live_ids = [ident for ident, _seq, status in marks if status == PUBLISHED]
            for ident, _seq, status in marks:
                if status != PUBLISHED:  # withdrawn: its graph goes
                    db.remove_graph(dataset_graph(base_uri, ident))
            for start in range(0, len(live_ids), BATCH):
                batch = store.datasets(status=PUBLISHED, ids=live_ids[start:start + BATCH])
                for dataset in batch:
                    name, own, shared = graphs.record_quads(dataset.record, base_uri, publishers, fixed_subjects,
                                                            self.skipped)
                    db.remove_graph(name)
                    db.extend(own)
                    db.extend(shared)
            fixed[graphs.CATALOGUE.value] = graphs.catalogue_quads(base_uri, publishers, self._modified(db))
            prints = self._replace_fixed(db, fixed, state.fixed)
            seq = max([state.seq] + [s for _, s, _ in marks])
            self._publish(db, State(seq, "", state.version, prints, pub_print, self._count(db)))
            return len(marks)

    def rebuild(self, store: Store, base_uri: str) -> int:
        """Build the projection afresh from the store (waits for the writer lock). Returns records projected."""
        with self._writer(True):
            return self._rebuild(store, base_uri)

    def _rebuild(self, store: Store, base_uri: str) -> int:
        seq = store.max_seq()  # read first: a change made while we build is caught up by the next sync
        publishers, pub_print = _publisher_table(store)
        fixed = graphs.fixed_graphs(base_uri, publishers, None)
        fixed_subjects = graphs.subjects(fixed)
        for left in [*self.folder.glob("build-*"), *self.folder.glob("old-*")]:  # by a writer that died; ours now
            shutil.rmtree(left, ignore_errors=True)
        build = self.folder / f"build-{os.getpid()}"
        db = OxStore(str(build))
        self.skipped = []
        counted = {"records": 0, "modified": None}

        def records():
            for record in store_records(store):
                counted["records"] += 1
                counted["modified"] = latest_modified([counted["modified"], record.get("modified")])
                yield record

        db.bulk_extend(graphs.all_record_quads(records(), base_uri, publishers, fixed_subjects, self.skipped))
        fixed[graphs.CATALOGUE.value] = graphs.catalogue_quads(base_uri, publishers, counted["modified"])
        db.bulk_extend(q for quads in fixed.values() for q in quads)
        prints = {name: graphs.fingerprint(quads) for name, quads in fixed.items()}
        live, old = self.folder / "live", self.folder / f"old-{os.getpid()}"
        state = State(seq, "", version(base_uri), prints, pub_print, counted["records"])
        db.flush()
        snapshot = self._snapshot(db, seq)
        del db  # closes the RocksDB store
        if live.exists():
            live.rename(old)
        build.rename(live)
        shutil.rmtree(old, ignore_errors=True)
        state.snapshot = snapshot
        self._write_state(state)
        self._prune()
        return counted["records"]

    # helpers
    @staticmethod
    def _modified(db: OxStore) -> str | None:
        """The catalogue's dct:modified: the latest dataset modified date (as latest_modified() picks it)."""
        rows = db.query("PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
                        "SELECT (MAX(?text) AS ?latest) WHERE { GRAPH ?g { ?d a dcat:Dataset ; dct:modified ?m } "
                        "BIND(STR(?m) AS ?text) FILTER(REGEX(?text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}')) }")
        latest = next(iter(rows))["latest"]
        return latest.value if latest is not None else None

    @staticmethod
    def _count(db: OxStore) -> int:
        rows = db.query("PREFIX dcat: <http://www.w3.org/ns/dcat#> "
                        "SELECT (COUNT(?d) AS ?n) WHERE { GRAPH ?g { ?d a dcat:Dataset } }")
        return int(next(iter(rows))["n"].value)

    @staticmethod
    def _replace_fixed(db: OxStore, fixed: dict, before: dict[str, str]) -> dict[str, str]:
        prints = {}
        for name, quads in fixed.items():
            prints[name] = graphs.fingerprint(quads)
            if prints[name] != before.get(name):
                db.remove_graph(NamedNode(name))
                db.extend(quads)
        for name in set(before) - set(fixed):
            db.remove_graph(NamedNode(name))
        return prints

    def _publish(self, db: OxStore, state: State) -> None:
        db.flush()
        state.snapshot = self._snapshot(db, state.seq)
        self._write_state(state)
        self._prune()

    def _snapshot(self, db: OxStore, seq: int) -> str:
        name = f"{time.time_ns():020d}-{seq}"
        (self.folder / "snapshots").mkdir(parents=True, exist_ok=True)
        db.backup(str(self.folder / "snapshots" / name))
        return name

    def _write_state(self, state: State) -> None:
        tmp = self.folder / f".state-{os.getpid()}.json"
        tmp.write_text(json.dumps(state.__dict__))
        os.replace(tmp, self.folder / "state.json")

    def _prune(self) -> None:
        """Delete snapshots superseded more than `grace` seconds ago (a query may still be reading a newer one)."""
        names = sorted(p.name for p in (self.folder / "snapshots").iterdir())
        now = time.time_ns()
        for older, newer in zip(names, names[1:]):
            if now - int(newer.split("-")[0]) > self.grace * 1e9:
                shutil.rmtree(self.folder / "snapshots" / older, ignore_errors=True)
