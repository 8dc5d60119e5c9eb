"""Search documents of many stored records, for a rebuild of the search index (`catalogue reindex`, the indexer).

Reading a record, scoring it and preparing its document costs more than the engine's own indexing, so from
PROCESS_FROM records on the work runs in worker processes, a batch each, while this process feeds the engine.
The workers are forked when documents() is called, before the caller starts the engine's writer threads, and they
read through a fresh connection pool (SQLAlchemy's advice for forked processes), never the parent's connections.
"""
from __future__ import annotations

import ctypes
import gc
import os
import signal
import warnings
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Callable, Iterator

from catalogue.collector import collector_paused
from catalogue.errors import CatalogueError
from catalogue.records.store import Store
from catalogue.search.documents import search_document

BATCH = 1000  # records a read, in this process or a worker
PROCESS_FROM = 5000  # fewer records are read here: the workers would not pay for themselves
AHEAD = 2  # batches in flight per worker, so memory stays flat however large the store


class WorkerLost(CatalogueError):
    code = "reindex-worker-lost"


_worker: tuple | None = None  # (store, publisher names, prepare) in a worker process


def _identity(doc: dict) -> dict:
    return doc


def documents(store: Store, ids: list[str], names: dict[str, str], prepare: Callable[[dict], dict] = _identity,
              processes: int | None = None, process_from: int | None = None) -> Iterator[dict]:
    """Each published record of `ids`, in order, as prepare(search document). With `processes` (default: the
    machine's cores, at most 4) worker processes from `process_from` records on; a batch that fails in a worker
    raises here."""
    processes = processes or min(os.cpu_count() or 1, 4)
    process_from = PROCESS_FROM if process_from is None else process_from
    batches = [ids[start:start + BATCH] for start in range(0, len(ids), BATCH)]
    if len(ids) < process_from or processes < 2 or not _shareable(store.url):
        return (doc for batch in batches for doc in read(store, batch, names, prepare))
    pool = ProcessPoolExecutor(processes, mp_context=get_context("fork"), initializer=_start,
                               initargs=(store, names, prepare, os.getpid()))
    with warnings.catch_warnings():  # Python 3.12+ warns of fork beside threads: ours run no code in the children
        warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
        running = deque(pool.submit(_read_here, batch) for batch in batches[:processes * AHEAD])  # forks now
    return _collect(pool, running, batches[processes * AHEAD:])


def _collect(pool: ProcessPoolExecutor, running: deque, waiting: list[list[str]]) -> Iterator[dict]:
    try:
        with collector_paused():  # while the engine is fed: the documents hold no cycles
            for batch in waiting:
                yield from running.popleft().result()
                running.append(pool.submit(_read_here, batch))
            while running:
                yield from running.popleft().result()
    except BrokenProcessPool:
        raise WorkerLost("A process reading the store for the rebuild ended abruptly (killed, or out of memory). "
                         "The rebuild stopped and the records are untouched; run it again.") from None
    finally:  # done, failed, or the caller stopped early: read no more
        pool.shutdown(wait=True, cancel_futures=True)


def _shareable(url: str) -> bool:
    """Whether another process can open the same database (not an in-memory SQLite one)."""
    return not (url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite:/")))


def read(store: Store, ids: list[str], names: dict[str, str],
         prepare: Callable[[dict], dict] = _identity) -> list[dict]:
    """prepare(search document) of each published record of `ids`, in this process: one batch."""
    return [prepare(search_document(record, names.get(pub, ""))) for _i, pub, record in store.records(ids)]


def _start(store: Store, names: dict[str, str], prepare: Callable[[dict], dict], parent: int) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (the indexer's only notes a stop)
    _die_with(parent)
    store.engine.dispose(close=False)  # a pool of this process's own: the parent's connections stay the parent's
    gc.freeze()  # the parent's heap, inherited, out of the cycle collector's way (and its pages left shared)
    _worker = (store, names, prepare)


def _die_with(parent: int) -> None:
    """Have Linux kill this worker when its parent ends, even by kill -9, so no reader is left behind holding a
    database connection (PR_SET_PDEATHSIG; elsewhere nothing is done)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


def _read_here(ids: list[str]) -> list[dict]:
    store, names, prepare = _worker
    return read(store, ids, names, prepare)
