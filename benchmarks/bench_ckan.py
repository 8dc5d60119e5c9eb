"""Benchmark: the CKAN-compatible API's package_search (rows=1000) at N records.

Ingests N synthetic records (bench_catalogue's generator, each with one distribution) through the write path,
then, in this process, through the Flask app: the package index build (the first package_search), package_search
rows=1000 warm, on pages no request has built yet, and cold-after-write (one record saved before each request),
and peak RSS. Prints the figures, then
one JSON line.
Usage: python benchmarks/bench_ckan.py --n 100000 [--engine whoosh|tantivy] [--keep DIR]
(a kept folder holding N records is reused). The engine answers only `q` (text); the rest is the package index.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_catalogue import PUBLISHERS, percentile, synthetic  # noqa: E402

from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.search import ENGINES  # noqa: E402
from catalogue.settings import Settings  # noqa: E402
from web import create_app  # noqa: E402

SEARCHES = [  # (label, parameters): rows=1000 each, as a harvester pages
    ("all, modified desc", {"sort": "metadata_modified desc"}),
    ("all, default sort", {}),
    ("fq organization", {"fq": f"organization:{PUBLISHERS[3]}"}),
    ("fq modified range", {"fq": "metadata_modified:[2000-01-01T00:00:00Z TO *]", "sort": "metadata_modified asc"}),
    ("q text", {"q": "pupil"}),
    ("title sort, page 5", {"sort": "title_string asc", "start": 4000}),
    ("facets", {"facet.field": json.dumps(["organization", "tags", "res_format"])}),
]


def record(i: int, rng: random.Random) -> dict:
    rec = synthetic(i, rng)
    rec["distribution"] = [{"title": "Extract", "accessURL": f"https://example.org/data/{i}",
                            "mediaType": rng.choice(["text/csv", "application/json", "application/vnd.ms-excel"])}]
    return rec


def ingest(cat: Catalogue, n: int, batch: int) -> None:
    have = cat.count()
    if have >= n:
        print(f"Reusing {have} stored records", file=sys.stderr)
        return
    rng = random.Random(42)
    start = time.perf_counter()
    for b in range(0, n, batch):
        records = [record(i, rng) for i in range(b, min(b + batch, n))]
        if b + batch <= have:
            continue
        cat.save_many(records, author="bench", route="bench")
        done = min(b + batch, n)
        print(f"  {done}/{n} records, {(done - have) / (time.perf_counter() - start):.0f}/s", file=sys.stderr)


def timed(client, params: dict) -> tuple[float, float, dict]:
    """(wall seconds, this thread's CPU seconds, result) of one package_search. On a shared machine the CPU time is
    the figure that does not depend on what else runs (the request runs in this thread, SQLite included)."""
    start, cpu = time.perf_counter(), time.thread_time()
    resp = client.post("/api/3/action/package_search", json={"rows": 1000, **params})
    seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
    body = resp.get_json()
    assert resp.status_code == 200 and body["success"], body
    return seconds, cpu, body["result"]


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 0.95) * 1000:.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000, help="records per save_many call")
    ap.add_argument("--writes", type=int, default=10, help="cold-after-write requests")
    ap.add_argument("--engine", default="whoosh", choices=ENGINES, help="search engine for the text queries")
    ap.add_argument("--keep", help="keep (or reuse) the instance in this folder")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="catalogue-bench-ckan-"))
    settings = Settings(instance_dir=str(folder), base_url="https://catalogue.example.org", search_engine=args.engine)
    cat = Catalogue(settings)
    cat.load_publishers({"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS)
    ingest(cat, args.n, args.batch)
    n = cat.count()

    app = create_app(settings, cat)
    client = app.test_client()
    build_s, build_cpu, first = timed(client, {"sort": "metadata_modified desc"})  # builds the index
    assert first["count"] == n and len(first["results"]) == min(1000, n), first["count"]

    warm: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in SEARCHES}
    for _round in range(3):
        for label, params in SEARCHES:
            warm[label].append(timed(client, params)[:2])
    warm_all = [t for ts in warm.values() for t in ts]

    unseen = []  # pages no request has built packages for yet, as a harvester paging the catalogue meets them
    for page in range(5):
        unseen.append(timed(client, {"sort": "id asc", "start": n // 2 + page * 1000})[:2])

    cold = []
    rng = random.Random(7)
    for w in range(args.writes):
        ident = f"synthetic-{rng.randrange(n):06d}"
        rec = cat.get(ident).record
        rec["title"] = f"{rec['title'].split(' (edit')[0]} (edit {time.time_ns()})"
        saved = cat.save(rec, author="bench", route="bench")
        assert saved.action == "updated", saved.to_dict()
        seconds, cpu, result = timed(client, {"sort": "metadata_modified desc"})
        assert result["results"][0]["id"] == ident, "the record just written comes first"
        cold.append((seconds, cpu))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def figs(name: str, pairs: list[tuple[float, float]]) -> dict:
        walls, cpus = [w for w, _ in pairs], [c for _, c in pairs]
        return {f"{name}_p50_ms": round(statistics.median(walls) * 1000, 1),
                f"{name}_p95_ms": round(percentile(walls, 0.95) * 1000, 1),
                f"{name}_cpu_p50_ms": round(statistics.median(cpus) * 1000, 1),
                f"{name}_cpu_p95_ms": round(percentile(cpus, 0.95) * 1000, 1)}

    no_text = [t for label, ts in warm.items() if label != "q text" for t in ts]
    figures = {"n": n, "engine": args.engine, "first_request_s": round(build_s, 2),
               "first_request_cpu_s": round(build_cpu, 2), **figs("warm", warm_all),
               **figs("warm_without_q", no_text), **figs("cold_after_write", cold), **figs("unseen_page", unseen),
               "peak_rss_mb": round(peak_mb, 1)}
    print(f"N                              {n} (text queries: {args.engine}); wall time, then CPU time")
    print(f"first package_search (builds)  {build_s:.2f} s (CPU {build_cpu:.2f} s)")
    for label, ts in warm.items():
        print(f"  warm {label:<24}  {ms([w for w, _ in ts])}; CPU {ms([c for _, c in ts])}")
    print(f"package_search rows=1000 warm  {ms([w for w, _ in warm_all])}; CPU {ms([c for _, c in warm_all])} "
          f"({len(warm_all)} requests)")
    print(f"  of which without q           {ms([w for w, _ in no_text])}; CPU {ms([c for _, c in no_text])}")
    print(f"cold after one write           {ms([w for w, _ in cold])}; CPU {ms([c for _, c in cold])} "
          f"({len(cold)} writes)")
    print(f"page never built before        {ms([w for w, _ in unseen])}; CPU {ms([c for _, c in unseen])} "
          f"({len(unseen)} pages of 1000, id order)")
    print(f"peak RSS                       {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))
    cat.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
