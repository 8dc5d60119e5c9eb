"""Benchmark: the link index over N synthetic records, the "Linkable with" panel and a 5-dataset access plan.

Records come from bench_catalogue's generator (30 variables, 3 linkage keys each, 9 roles in turn, so each
popular key is held by about N/3 datasets), with lead times and some linkedDatasets added. They are written
straight to the store in batches (Store.put_many): the link index reads the store, not the search index. With
--instance DIR it reads an instance that `bench_catalogue.py --keep DIR` built instead (as `make bench` does).

Prints the index build time, the panel's server-side time per request (catch-up on the change marks, then
linkable_with(limit=10) and its JSON) p50/p95 over 200 dataset ids, a 5-dataset plan (build_plan, its CSV rows,
Markdown and JSON) p50/p95, and peak RSS; then one JSON line. Target: p95 <= 50 ms at N = 100,000.
Usage: python benchmarks/bench_linkage.py --n 100000 | --instance DIR
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_catalogue import PUBLISHERS, percentile, synthetic  # noqa: E402
from catalogue.linkage.index import LinkIndex  # noqa: E402
from catalogue.linkage.links import linkable_with  # noqa: E402
from catalogue.linkage.plan import build_plan, plan_markdown, plan_rows  # noqa: E402
from catalogue.records.store import Store  # noqa: E402
from catalogue.settings import Settings  # noqa: E402

LEAD_TIMES = ["3 to 6 months", "2 to 4 months", "6 to 9 months", "about 3 months", "Immediate", "6 months or more"]


def records(n: int):
    """bench_catalogue's records, plus a lead time and, for one in 20, two datasets it has been linked with."""
    rng = random.Random(42)
    for i in range(n):
        rec = synthetic(i, rng)
        if "access" in rec:
            rec["access"]["leadTime"] = LEAD_TIMES[i % len(LEAD_TIMES)]
        if i >= 2 and i % 20 == 0:
            rec["linkage"] = {"linkedDatasets": [{"title": f"Synthetic dataset {j}", "identifier": f"synthetic-{j:06d}"}
                                                 for j in (i - 1, i - 2)]}
        yield rec


def fill(store: Store, n: int, batch: int = 2000) -> float:
    for pub in PUBLISHERS:
        store.upsert_publisher({"id": pub, "name": pub.replace("-", " ").title()})
    start, pending = time.perf_counter(), []
    for rec in records(n):
        pending.append((rec, {"valid": True, "issues": []}))
        if len(pending) == batch:
            store.put_many(pending, author="bench", route="bench")
            pending = []
            print(f"  {rec['identifier']} stored", file=sys.stderr)
    if pending:
        store.put_many(pending, author="bench", route="bench")
    return time.perf_counter() - start


def timed(fn, args_list) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call (on a busy machine the wall-clock tail is mostly waiting for a core)."""
    wall, cpu = [], []
    for args in args_list:
        t, c = time.perf_counter(), time.thread_time()
        fn(*args)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--instance", help="read the store of an instance folder built by bench_catalogue.py --keep")
    ap.add_argument("--keep", help="keep the instance in this folder")
    args = ap.parse_args()
    folder = Path(args.instance or args.keep or tempfile.mkdtemp(prefix="catalogue-linkage-bench-"))
    store = Store(Settings(instance_dir=str(folder)).db_url)
    fill_s = None
    if not args.instance:
        print(f"Storing {args.n} synthetic records ...", file=sys.stderr)
        fill_s = fill(store, args.n)

    start = time.perf_counter()
    index = LinkIndex(store)
    build_s = time.perf_counter() - start
    n = len(index)
    rss_index = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rng = random.Random(7)
    ids = sorted(index.facts)
    sample = [rng.choice(ids) for _ in range(200)]

    def panel(ident: str) -> None:
        index.catch_up()  # what every request does: one indexed query on the revision counter
        found = linkable_with(index, ident, limit=10)
        json.dumps(found.to_dict())

    def plan(chosen: list[str]) -> None:
        p = build_plan(index, chosen)
        plan_rows(p)
        plan_markdown(p)
        json.dumps(p.to_dict())

    panel(sample[0])  # warm the registers and caches once
    panel_ms, panel_cpu = timed(panel, [(i,) for i in sample])
    plans = [([rng.choice(ids) for _ in range(5)],) for _ in range(200)]
    plan_ms, plan_cpu = timed(plan, plans)
    totals = [linkable_with(index, i, limit=10).total for i in sample[:20]]
    figures = {"n": n, "index_build_s": round(build_s, 2),
               "panel_p50_ms": round(statistics.median(panel_ms), 1),
               "panel_p95_ms": round(percentile(panel_ms, .95), 1),
               "plan5_p50_ms": round(statistics.median(plan_ms), 1),
               "plan5_p95_ms": round(percentile(plan_ms, .95), 1),
               "panel_cpu_p95_ms": round(percentile(panel_cpu, .95), 1),
               "plan5_cpu_p95_ms": round(percentile(plan_cpu, .95), 1),
               "load_average": round(os.getloadavg()[0], 1), "cores": os.cpu_count(),
               "links_per_dataset_median": int(statistics.median(totals)),
               "rss_after_index_mb": round(rss_index, 1),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if fill_s is not None:
        figures["store_fill_s"] = round(fill_s, 1)
    print(f"N                 {n} published datasets in the link index")
    print(f"link index build  {figures['index_build_s']} s (streamed from the store)")
    print(f"linkable with     p50 {figures['panel_p50_ms']} ms, p95 {figures['panel_p95_ms']} ms (200 datasets, "
          f"catch-up + top 10 + JSON; median {figures['links_per_dataset_median']} linkable datasets each); "
          f"CPU p95 {figures['panel_cpu_p95_ms']} ms")
    print(f"5-dataset plan    p50 {figures['plan5_p50_ms']} ms, p95 {figures['plan5_p95_ms']} ms (plan, CSV rows, "
          f"Markdown, JSON); CPU p95 {figures['plan5_cpu_p95_ms']} ms")
    print(f"machine           load average {figures['load_average']} on {figures['cores']} cores")
    print(f"peak RSS          {figures['peak_rss_mb']} MB ({figures['rss_after_index_mb']} MB after the index build)")
    print(json.dumps(figures))
    store.close()
    if not args.keep and not args.instance:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
