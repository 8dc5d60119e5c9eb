"""A rebuild's documents read in worker processes are the ones read here, in order; a worker's failure is raised
and stops the reading; the index built from them answers as before (SQLite, and PostgreSQL under test-postgres)."""
import os
from pathlib import Path

import pytest

from catalogue.records import reading
from catalogue.search.interface import SearchQuery
from catalogue.search.tantivy_engine import prepare

pytestmark = pytest.mark.postgres


def _ids(cat):
    return cat.published_ids()


def test_workers_read_what_this_process_reads(small_catalogue):
    cat, names = small_catalogue, small_catalogue.publisher_names()
    ids = _ids(cat)
    here = list(reading.documents(cat.store, ids, names, prepare))
    there = list(reading.documents(cat.store, ids, names, prepare, processes=2, process_from=1))
    assert [d["id"] for d in here] == ids == [d["id"] for d in there]
    assert here == there


def test_batches_and_more_workers_than_batches(small_catalogue, monkeypatch):
    monkeypatch.setattr(reading, "BATCH", 5)  # 12 records: 3 batches over 4 workers, then a window of 8 in flight
    cat, names = small_catalogue, small_catalogue.publisher_names()
    docs = list(reading.documents(cat.store, _ids(cat), names, processes=4, process_from=1))
    assert [d["id"] for d in docs] == _ids(cat)
    assert all("readiness" in d and "variables" in d for d in docs)


def _fails_on_one(doc: dict) -> dict:
    if doc["id"].endswith(sorted_ids_last[0]):
        raise ValueError(f"cannot prepare {doc['id']}")
    return doc


sorted_ids_last = [""]


def test_a_workers_failure_is_raised_and_nothing_lost(engine_small_catalogue, monkeypatch):
    cat = engine_small_catalogue
    before = cat.search(SearchQuery(page_size=50)).total
    sorted_ids_last[0] = _ids(cat)[-1]
    monkeypatch.setattr(reading, "BATCH", 4)
    monkeypatch.setattr(reading, "PROCESS_FROM", 1)
    monkeypatch.setattr(cat.engine, "prepare", _fails_on_one)
    with pytest.raises(ValueError, match="cannot prepare"):
        cat.reindex()
    monkeypatch.undo()
    assert cat.store.count() == before == 12
    if cat.engine.name == "tantivy":  # one commit at the end: the old index still answers
        assert cat.search(SearchQuery(page_size=50)).total == before
    assert cat.engine.last_seq() is None  # no mark: the next sync redoes the rebuild
    cat.sync_index(force=True)
    assert cat.search(SearchQuery(page_size=50)).total == before


def test_stopping_early_stops_the_workers(small_catalogue, monkeypatch):
    monkeypatch.setattr(reading, "BATCH", 2)
    cat = small_catalogue
    docs = reading.documents(cat.store, _ids(cat), cat.publisher_names(), processes=2, process_from=1)
    assert next(docs)["id"] == _ids(cat)[0]
    pool = docs.gi_frame.f_locals["pool"]
    pids = list(pool._processes)
    docs.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # reaped


def test_reindex_through_workers_finds_the_same(engine_small_catalogue, monkeypatch):
    cat = engine_small_catalogue
    queries = ["", "hospital", "nhs number", '"date of birth"']
    before = [(r.total, [h.id for h in r.hits]) for r in (cat.search(SearchQuery(text=q, page_size=50)) for q in queries)]
    monkeypatch.setattr(reading, "PROCESS_FROM", 1)
    assert cat.reindex() == 12
    after = [(r.total, [h.id for h in r.hits]) for r in (cat.search(SearchQuery(text=q, page_size=50)) for q in queries)]
    assert after == before


def test_in_memory_sqlite_is_read_here():
    assert not reading._shareable("sqlite:///:memory:") and not reading._shareable("sqlite://")
    assert reading._shareable("sqlite:////tmp/x/catalogue.db") and reading._shareable("postgresql+psycopg://u@h/db")


def _dies(doc: dict) -> dict:
    os.kill(os.getpid(), 9)


def test_a_killed_worker_is_a_plain_error(small_catalogue, monkeypatch):
    cat = small_catalogue
    docs = reading.documents(cat.store, _ids(cat), cat.publisher_names(), _dies, processes=2, process_from=1)
    with pytest.raises(reading.WorkerLost, match="ended abruptly"):
        list(docs)
    assert cat.store.count() == 12


def _gone(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()  # ended, not yet reaped
    except FileNotFoundError:
        return True


def test_workers_end_with_their_parent_even_by_kill_9(small_catalogue, tmp_path):
    """A rebuild killed with -9 (an indexer killed by its supervisor) leaves no worker behind."""
    import subprocess
    import sys
    import time

    script = tmp_path / "killed.py"
    script.write_text(f"""
import os, time
from catalogue.records.store import Store
from catalogue.records import reading

def slow(doc):
    time.sleep(60)
    return doc

store = Store({small_catalogue.store.url!r})
docs = reading.documents(store, {_ids(small_catalogue)!r}, {{}}, slow, processes=2, process_from=1)
print(*docs.gi_frame.f_locals["pool"]._processes, flush=True)
time.sleep(0.5)
os.kill(os.getpid(), 9)
""")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2, out.stderr
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(p) for p in pids)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was(small_catalogue, enabled):
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        docs = reading.documents(small_catalogue.store, _ids(small_catalogue), {}, processes=2, process_from=1)
        next(docs)
        assert not gc.isenabled()  # paused while the engine is fed
        docs.close()
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()
