"""One indexer per node: the one process that writes this node's search index, following the store's revision counter.

Web workers open the index read-only (`Catalogue(..., index_writer=False)`) and only store their writes; this loop
projects every change, made through any node on the same database, a moment later. Several nodes on one
PostgreSQL each run their own indexer over their own index folder.

Revision numbers are taken when a row is written but seen only when its transaction commits, and concurrent
transactions commit out of order (PostgreSQL). So the mark the index keeps (`last_seq`) is a watermark: every
revision at or below it is in the index. A number missing above it (a transaction still open, or one rolled back)
holds the watermark back for at most GAP_GRACE seconds; changes above it are projected meanwhile, and not redone.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalogue.errors import CatalogueError
from catalogue.records import reading
from catalogue.records.clock import utc_now
from catalogue.records.service import Catalogue
from catalogue.records.store import PUBLISHED, RevisionRow, Store
from catalogue.settings import Settings

GAP_GRACE = 60.0  # seconds a missing revision number may hold the watermark back (a transaction still open)
POLL = 0.5  # seconds between looks at the revision counter
BATCH = 500  # records read and indexed per commit


class IndexerRunning(CatalogueError):
    """Another indexer already writes this node's index."""

    code = "indexer-running"


def revision_seqs(store: Store, after: int) -> list[int]:
    """Numbers of the committed revisions above `after`, in order (the primary key: no record bodies)."""
    with Session(store.engine) as s:
        return list(s.scalars(select(RevisionRow.seq).where(RevisionRow.seq > after).order_by(RevisionRow.seq)))


def revision_before(store: Store, seconds: float) -> int:
    """The newest revision written more than `seconds` ago (0 if none)."""
    cutoff = utc_now() - timedelta(seconds=seconds)
    with Session(store.engine) as s:
        return s.scalar(select(func.max(RevisionRow.seq)).where(RevisionRow.created_at < cutoff)) or 0


class Follower:
    """Follows the store's revision numbers above a watermark (every revision at or below it has been seen). A number
    missing above it (a transaction still open: on PostgreSQL they commit out of order) holds it back for up to
    `grace` seconds, so a late commit is not missed; what was seen above it is remembered, so it is not redone."""

    def __init__(self, grace: float = GAP_GRACE, clock: Callable[[], float] = time.monotonic):
        self.grace, self.clock = grace, clock
        self.gaps: dict[int, float] = {}  # missing revision number above the watermark -> when first missed
        self.done: dict[str, int] = {}  # dataset id -> revision already seen, above the watermark

    def pending(self, store: Store, mark: int) -> tuple[list[int], list[tuple[str, int, str]]]:
        """(committed revision numbers above `mark`, the (id, seq, status) changes not yet seen). One indexed query
        when nothing was written."""
        seqs = revision_seqs(store, mark)  # first: a revision committed after this read is caught next time
        if not seqs:
            return [], []
        return seqs, [(i, seq, status) for i, seq, status in store.change_marks(mark) if self.done.get(i) != seq]

    def seen(self, changes: list[tuple[str, int, str]]) -> None:
        self.done.update((i, seq) for i, seq, _ in changes)

    def advance(self, mark: int, seqs: list[int]) -> int:
        """The highest number with every revision up to it seen (or given up on after the grace period)."""
        present, now = set(seqs), self.clock()
        for seq in range(mark + 1, seqs[-1] + 1):
            if seq not in present and now - self.gaps.setdefault(seq, now) < self.grace:
                break
            mark = seq
        self.done = {i: seq for i, seq in self.done.items() if seq > mark}
        self.gaps = {seq: t for seq, t in self.gaps.items() if seq > mark}
        return mark

    def reset(self) -> None:
        self.gaps, self.done = {}, {}


class Indexer:
    """Projects the store's changes into the catalogue's (writable) index engine, one step at a time."""

    def __init__(self, catalogue: Catalogue, grace: float = GAP_GRACE, clock: Callable[[], float] = time.monotonic):
        if not catalogue.index_writer:
            raise ValueError("the indexer needs a catalogue that may write its index")
        self.cat, self.grace = catalogue, grace
        self.follower = Follower(grace, clock)

    def step(self) -> int:
        """Project what changed above the watermark, then move it on. Returns the documents touched."""
        engine, store = self.cat.engine, self.cat.store
        mark = engine.last_seq()
        if mark is None:
            return self.rebuild()
        seqs, todo = self.follower.pending(store, mark)
        if not seqs:
            return 0
        touched = self._project(todo)
        new_mark = self.follower.advance(mark, seqs)
        if new_mark != mark:
            engine.set_last_seq(new_mark)
        self.cat.wait_for_index()  # each batch's commit overlapped reading the next; readers see the last one now
        return touched

    def catch_up(self, max_steps: int = 100) -> int:
        """Step until nothing is left to project (or max_steps, while other nodes keep writing)."""
        total = 0
        for _ in range(max_steps):
            touched = self.step()
            if not touched:
                break
            total += touched
        return total

    def _project(self, todo: list[tuple[str, int, str]]) -> int:
        if not todo:
            return 0
        engine, store = self.cat.engine, self.cat.store
        names = {p["id"]: p["name"] for p in store.publishers()}  # fresh: another node may have renamed one
        live = [i for i, _, status in todo if status == PUBLISHED]
        for start in range(0, len(live), BATCH):
            engine.index(reading.read(store, live[start:start + BATCH], names))
        engine.delete([i for i, _, status in todo if status != PUBLISHED])
        self.follower.seen(todo)
        return len(todo)

    def rebuild(self) -> int:
        """Build the whole index from the store. The watermark is set back to the newest revision older than
        the grace period, so changes committed while the store was read are looked at again."""
        engine, store = self.cat.engine, self.cat.store
        safe = revision_before(store, self.grace)
        names = {p["id"]: p["name"] for p in store.publishers()}
        engine.wait()  # no commit of ours running while the readers are forked
        n = engine.rebuild(reading.documents(store, self.cat.published_ids(), names, engine.prepare))
        engine.set_last_seq(safe)
        self.follower.reset()
        return n


# the node's indexer lock: a file beside the index folder (a rebuild replaces the folder)
def lock_path(settings: Settings) -> Path:
    index = Path(settings.index_path)
    return index.parent / f"{index.name}.indexer.lock"


def indexer_pid(settings: Settings) -> int | None:
    """The process id of the indexer that holds this node's lock, or None when none is running."""
    path = lock_path(settings)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def take_lock(settings: Settings) -> int:
    """Hold this node's indexer lock for the life of the process (the kernel drops it when the process ends)."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise IndexerRunning(f"an indexer (pid {indexer_pid(settings)}) already writes the index at "
                             f"{settings.index_path}") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


@dataclass
class IndexStatus:
    engine: str
    store_revision: int  # the store's revision counter
    index_revision: int | None  # every revision up to this one is in the index (None: no index yet)
    lag: int  # revisions the index is behind the store
    writer: str  # "in-process", "indexer" (a running indexer process) or "none" (nothing is keeping it up)
    indexer_pid: int | None

    def to_dict(self) -> dict:
        return asdict(self)


def index_status(cat: Catalogue) -> IndexStatus:
    """How far this node's index is behind the store. Raises the store's error when it cannot be reached."""
    store_rev = cat.store.max_seq()
    index_rev = cat.engine.last_seq()
    pid = None if cat.index_writer else indexer_pid(cat.settings)
    writer = "in-process" if cat.index_writer else ("indexer" if pid is not None else "none")
    return IndexStatus(getattr(cat.engine, "name", type(cat.engine).__name__), store_rev, index_rev,
                       max(0, store_rev - (index_rev or 0)), writer, pid)


def follow(settings: Settings, interval: float = POLL, watch_parent: bool = False,
           log: Callable[[str], None] | None = None) -> None:
    """Run this node's indexer until SIGTERM or Ctrl+C (after the step in hand), or, with watch_parent, until the
    process that started it is gone. While the store cannot be reached it says so once and keeps trying."""
    log = log or (lambda text: print(f"[indexer {os.getpid()}] {text}", file=sys.stderr, flush=True))
    lock = take_lock(settings)
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: stopping.append(number))
    parent = os.getppid()
    cat = Catalogue(settings)
    indexer = Indexer(cat)
    log(f"following the store's revision counter into {settings.index_path}")
    failing = False
    try:
        while not stopping and not (watch_parent and os.getppid() != parent):
            try:
                touched = indexer.step()
            except OperationalError as exc:
                if not failing:
                    log(f"cannot reach the store; retrying: {str(exc).splitlines()[0]}")
                failing = True
                time.sleep(max(interval, 2.0))
                continue
            if failing:
                log("the store can be reached again")
                failing = False
            if touched:
                log(f"indexed {touched} change(s); the index holds every revision up to {cat.engine.last_seq()}")
            time.sleep(interval)
    finally:
        cat.close()
        os.close(lock)
    log("stopped")


def main() -> None:
    """`python -m catalogue.records.indexer [--once]`, as `catalogue serve` starts it: the settings as JSON on
    stdin. --once catches up (building the index if need be), prints the documents touched, and exits."""
    settings = Settings(**json.loads(sys.stdin.read()))
    if "--once" in sys.argv[1:]:
        take_lock(settings)
        cat = Catalogue(settings)
        try:
            print(Indexer(cat).catch_up())
        finally:
            cat.close()
        return
    follow(settings, watch_parent=True)


if __name__ == "__main__":
    main()
