"""Harvest throughput: every dataset of a CKAN site (the local peer: `make bench-harvest`) into a fresh store.

Prints records/s for the whole run (gather, transform, validate, store, index) next to the time it takes only to
download the same package_search pages, then one JSON line. Target: >= 1,000 records/s end to end.

    python benchmarks/bench_harvest.py --url http://127.0.0.1:5050 [--rows 500] [--engine whoosh|tantivy]
                                       [--repeat 3] [--profile]

On a shared machine wall time mostly measures the other processes, so each run also says where its main thread's
wall time went (Linux schedstat): on a CPU, waiting for a CPU (the machine's load), or blocked (network, disk). CPU
seconds are the steadier figure; `write path` is the part spent in Catalogue.save_many (validate, store, index).
With --repeat, each run uses a fresh store and the JSON line gives the medians.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalogue.provenance import Source  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.settings import Settings  # noqa: E402
from harvesters.ckan import ROWS, SORT  # noqa: E402
from harvesters.http import HarvestSession, parse_json  # noqa: E402
from harvesters.runner import harvest  # noqa: E402
from harvesters.store import HarvestRepository  # noqa: E402


def download_only(url: str, rows: int) -> tuple[float, float, int, int]:
    """Seconds to fetch the same pages (bytes only), seconds to also decode them, datasets, bytes."""
    start, got, size, decode = time.perf_counter(), 0, 0, 0.0
    with HarvestSession() as session:
        while True:
            resp = session.get(f"{url.rstrip('/')}/api/action/package_search",
                               params={"q": "*:*", "sort": SORT, "rows": rows, "start": got})
            size += len(resp.content)
            t = time.perf_counter()
            result = parse_json(resp, resp.url)["result"]
            decode += time.perf_counter() - t
            got += len(result["results"])
            if not result["results"] or got >= result["count"]:
                break
    total = time.perf_counter() - start
    return total - decode, total, got, size


def schedstat() -> tuple[float, float]:
    """(seconds on a CPU, seconds waiting for one) of this thread so far; zeros where Linux does not say."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat", encoding="ascii") as fh:
            run_ns, wait_ns, _ = fh.read().split()
        return int(run_ns) / 1e9, int(wait_ns) / 1e9
    except (OSError, ValueError):
        return 0.0, 0.0


class WriteTimer:
    """Wall and process CPU seconds spent inside Catalogue.save_many (the one write path)."""

    def __init__(self):
        self.wall = self.cpu = 0.0
        self._orig = Catalogue.save_many
        timer = self

        def timed(cat, *args, **kw):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return timer._orig(cat, *args, **kw)
            finally:
                timer.wall += time.perf_counter() - wall
                timer.cpu += time.process_time() - cpu
        Catalogue.save_many = timed

    def close(self):
        Catalogue.save_many = self._orig


def one_run(url: str, rows: int, engine: str, profiler: cProfile.Profile | None, rerun: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalogue(Settings(instance_dir=tmp, secret_key="bench", search_engine=engine))
        repo = HarvestRepository(cat.store)
        source = Source("bench", "ckan", url, options={"rows": str(rows)})
        repo.add_source(source)
        writes = WriteTimer()
        run0, wait0 = schedstat()
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        try:
            result = harvest(cat, repo, source, full=True)
        finally:
            if profiler:
                profiler.disable()
            writes.close()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        run1, wait1 = schedstat()
        again = None
        if rerun:
            t = time.perf_counter()
            again = harvest(cat, repo, source, full=True)
            again = (again, time.perf_counter() - t)
        cat.close()
    if result.run.status != "complete" or (again and again[0].run.status != "complete"):
        raise SystemExit(f"harvest did not complete: {result.run.status} {result.run.error}")
    n = result.run.totals.get("created", 0)
    on_cpu, queued = run1 - run0, wait1 - wait0
    out = {"n": n, "seconds": seconds, "records_per_s": n / seconds if seconds else 0.0, "cpu_s": cpu,
           "write_cpu_s": writes.cpu, "write_s": writes.wall, "main_on_cpu_s": on_cpu, "main_waiting_for_cpu_s": queued,
           "main_blocked_s": max(0.0, seconds - on_cpu - queued)}
    if again:
        out["rerun_s"], out["rerun_unchanged"] = again[1], again[0].run.totals["unchanged"]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("CATALOGUE_CKAN_URL", "http://127.0.0.1:5050"))
    ap.add_argument("--rows", type=int, default=ROWS, help=f"package_search page size (the harvester's: {ROWS})")
    ap.add_argument("--engine", default="whoosh", choices=("whoosh", "tantivy"), help="search engine")
    ap.add_argument("--repeat", type=int, default=1, help="harvests, each into a fresh store (medians reported)")
    ap.add_argument("--profile", action="store_true", help="print the top functions of the first run")
    a = ap.parse_args()

    fetch_s, fetch_decode_s, listed, size = download_only(a.url, a.rows)
    print(f"download only: {listed} datasets in {fetch_s:.2f}s ({size / 1024:.0f} KiB; "
          f"{fetch_decode_s:.2f}s with JSON decoding)")
    profiler = cProfile.Profile() if a.profile else None
    runs = []
    for i in range(max(1, a.repeat)):
        load = os.getloadavg()[0]
        r = one_run(a.url, a.rows, a.engine, profiler if i == 0 else None, rerun=i == a.repeat - 1)
        r["load"] = load
        runs.append(r)
        print(f"harvest (full, fresh store, {a.engine}): {r['n']} records in {r['seconds']:.2f}s = "
              f"{r['records_per_s']:.0f} records/s end to end; {r['cpu_s']:.2f} CPU s "
              f"({1000 * r['cpu_s'] / max(1, r['n']):.2f} ms a record, of which the write path "
              f"{1000 * r['write_cpu_s'] / max(1, r['n']):.2f}); main thread: {r['main_on_cpu_s']:.2f}s on a CPU, "
              f"{r['main_waiting_for_cpu_s']:.2f}s waiting for one, {r['main_blocked_s']:.2f}s blocked; "
              f"load {load:.2f}")
    last = runs[-1]
    print(f"re-harvest (full, nothing changed): {last['rerun_unchanged']} unchanged in {last['rerun_s']:.2f}s "
          f"= {last['rerun_unchanged'] / last['rerun_s']:.0f} records/s")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    def med(key):
        return round(statistics.median(r[key] for r in runs), 2)

    print(json.dumps({"n": last["n"], "engine": a.engine, "runs": len(runs), "records_per_s": med("records_per_s"),
                      "seconds": med("seconds"), "cpu_s": med("cpu_s"), "write_cpu_s": med("write_cpu_s"),
                      "main_waiting_for_cpu_s": med("main_waiting_for_cpu_s"), "main_blocked_s": med("main_blocked_s"),
                      "load": med("load"), "download_s": round(fetch_s, 2),
                      "download_decode_s": round(fetch_decode_s, 2), "rerun_s": round(last["rerun_s"], 2),
                      "rows": a.rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
