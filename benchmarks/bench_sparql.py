"""Benchmark: the SPARQL projection at N synthetic records (bench_catalogue's generator, 30 variables each).

Fills a SQLite store with N records (Store.put_many with each record's validation report: the store, not the
search index, is what the projection reads), builds the projection from it as `catalogue reindex` does (one record
at a time through the DCAT writer, bulk-loaded), then times SPARQL queries through the /sparql view with Flask's test
client: the query parse, a worker process, the snapshot and the serialisation, as a client sees it. The app holds the
sparql blueprint only, so a 100,000-record Whoosh index is not built for nothing.

Prints N, store fill rate, projection build time and rate, store size, query p50/p95 (50 runs each; target for the
COUNT: 200 ms), peak RSS of this process and of the query workers, then one JSON line.
Usage: python benchmarks/bench_sparql.py --n 100000 [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402

from bench_catalogue import PUBLISHERS, percentile, synthetic  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.records.validation import validate  # noqa: E402
from catalogue.settings import Settings  # noqa: E402
from web import errors  # noqa: E402
from web.services import KEY as SERVICES_KEY, Services  # noqa: E402
from web.views import sparql  # noqa: E402

COUNT = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset }"
QUERIES = {
    "count datasets": COUNT,
    "count per publisher": "SELECT ?p (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset ; dct:publisher ?p } GROUP BY ?p",
    "one dataset's title": "SELECT ?t WHERE { ?d dct:identifier 'synthetic-000042' ; a dcat:Dataset ; dct:title ?t }",
}


def fill(cat: Catalogue, n: int, batch: int) -> float:
    rng = random.Random(42)
    start = time.perf_counter()
    for b in range(0, n, batch):
        records = [synthetic(i, rng) for i in range(b, min(b + batch, n))]
        reports = [validate(r) for r in records]
        assert all(rep.valid for rep in reports), reports[0].to_dict()
        cat.store.put_many([(r, rep.to_dict()) for r, rep in zip(records, reports)], author="bench", route="bench")
        done = min(b + batch, n)
        print(f"  stored {done}/{n}, {done / (time.perf_counter() - start):.0f}/s", file=sys.stderr)
    return time.perf_counter() - start


def worker_peak_mb(pid: int) -> float:
    """A live query worker's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def du(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000, help="records per store transaction")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--keep", help="keep the instance in this folder (and reuse a store already filled there)")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="catalogue-bench-sparql-"))
    settings = Settings(instance_dir=str(folder), sparql_timeout=60.0)
    cat = Catalogue(settings)
    cat.load_publishers({"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS)
    fill_s = None
    if cat.store.count() != args.n:
        print(f"Storing {args.n} records (30 variables each) ...", file=sys.stderr)
        fill_s = fill(cat, args.n, args.batch)

    app = Flask("bench")
    app.extensions[SERVICES_KEY] = Services(cat)
    app.register_blueprint(errors.bp)
    app.register_blueprint(sparql.bp)
    with app.app_context():
        service = sparql.service()
    print("Building the SPARQL projection ...", file=sys.stderr)
    start = time.perf_counter()
    built = service.rebuild()
    build_s = time.perf_counter() - start
    assert built == args.n, built

    client = app.test_client()
    latencies: dict[str, list[float]] = {}
    for name, query in QUERIES.items():
        first = client.get("/sparql", query_string={"query": query, "format": "json"})  # starts a worker
        assert first.status_code == 200, first.get_data(as_text=True)
        if name == "count datasets":
            assert first.get_json()["results"]["bindings"][0]["n"]["value"] == str(args.n)
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            resp = client.get("/sparql", query_string={"query": query, "format": "json"})
            times.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200
        latencies[name] = times
    workers_mb = max(worker_peak_mb(w.proc.pid) for w in service.pool._workers)
    service.close()

    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    count = latencies["count datasets"]
    figures = {"n": args.n, "store_fill_per_s": round(args.n / fill_s, 1) if fill_s else None,
               "projection_build_s": round(build_s, 1), "projection_records_per_s": round(args.n / build_s, 1),
               "projection_mb": round(du(Path(settings.sparql_path) / "live"), 1),
               "count_p50_ms": round(statistics.median(count), 1), "count_p95_ms": round(percentile(count, 0.95), 1),
               "queries": {name: {"p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 0.95), 1)}
                           for name, v in latencies.items()},
               "peak_rss_mb": round(self_mb, 1), "worker_peak_rss_mb": round(workers_mb, 1)}
    print(f"N                   {args.n}")
    if fill_s:
        print(f"store fill          {figures['store_fill_per_s']} records/s ({fill_s:.1f} s, validate + store)")
    print(f"projection build    {figures['projection_build_s']} s, {figures['projection_records_per_s']} records/s, "
          f"{figures['projection_mb']} MB on disk")
    for name, v in figures["queries"].items():
        print(f"{name:<20}p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms ({args.runs} runs via /sparql)")
    print(f"COUNT target        p95 <= 200 ms: {'met' if figures['count_p95_ms'] <= 200 else 'NOT met'}")
    print(f"peak RSS            {figures['peak_rss_mb']} MB (this process), {figures['worker_peak_rss_mb']} MB "
          "(largest query worker)")
    print(json.dumps(figures))
    cat.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
