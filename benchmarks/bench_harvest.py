"""Harvest throughput: every dataset of a CKAN site (the local peer: `make bench-harvest`) into a fresh store.

Prints records/s for the whole run (gather, transform, validate, store, index) next to the time it takes only to
download the same package_search pages, then one JSON line. Target: >= 200 records/s end to end.

    python benchmarks/bench_harvest.py --url http://127.0.0.1:5050 [--rows 1000] [--engine whoosh|tantivy] [--profile]

CPU seconds are printed beside wall time: on a shared machine they are the steadier figure.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalogue.provenance import Source  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.settings import Settings  # noqa: E402
from harvesters.ckan import SORT  # noqa: E402
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("CATALOGUE_CKAN_URL", "http://127.0.0.1:5050"))
    ap.add_argument("--rows", type=int, default=1000, help="package_search page size")
    ap.add_argument("--engine", default="whoosh", choices=("whoosh", "tantivy"), help="search engine")
    ap.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    a = ap.parse_args()

    fetch_s, fetch_decode_s, listed, size = download_only(a.url, a.rows)
    print(f"download only: {listed} datasets in {fetch_s:.2f}s ({size / 1024:.0f} KiB; "
          f"{fetch_decode_s:.2f}s with JSON decoding)")
    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalogue(Settings(instance_dir=tmp, secret_key="bench", search_engine=a.engine))
        repo = HarvestRepository(cat.store)
        source = Source("bench", "ckan", a.url, options={"rows": str(a.rows)})
        repo.add_source(source)
        profiler = cProfile.Profile() if a.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = harvest(cat, repo, source, full=True)
        if profiler:
            profiler.disable()
        first, cpu = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        again = harvest(cat, repo, source, full=True)
        rerun = time.perf_counter() - start
        cat.close()
    n = result.run.totals.get("created", 0)
    if result.run.status != "complete" or again.run.status != "complete":
        print(f"harvest did not complete: {result.run.status} {result.run.error} / {again.run.error}", file=sys.stderr)
        return 1
    rate = n / first if first else 0.0
    print(f"harvest (full, fresh store, {a.engine}): {n} records in {first:.2f}s = {rate:.0f} records/s end to end "
          f"(target >= 1000); {cpu:.2f} CPU s in this process; download alone {fetch_s:.2f}s")
    print(f"re-harvest (full, nothing changed): {again.run.totals['unchanged']} unchanged in {rerun:.2f}s "
          f"= {again.run.totals['unchanged'] / rerun:.0f} records/s")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(json.dumps({"n": n, "engine": a.engine, "records_per_s": round(rate, 1), "seconds": round(first, 2),
                      "cpu_s": round(cpu, 2),
                      "download_s": round(fetch_s, 2), "download_decode_s": round(fetch_decode_s, 2),
                      "rerun_s": round(rerun, 2), "rows": a.rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
