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


def timed(client, params: dict) -> tuple[float, dict]:
    start = time.perf_counter()
    resp = client.post("/api/3/action/package_search", json={"rows": 1000, **params})
    seconds = time.perf_counter() - start
    body = resp.get_json()
    assert resp.status_code == 200 and body["success"], body
    return seconds, body["result"]


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
    build_s, first = timed(client, {"sort": "metadata_modified desc"})  # builds the cache
    assert first["count"] == n and len(first["results"]) == min(1000, n), first["count"]

    warm: dict[str, list[float]] = {label: [] for label, _ in SEARCHES}
    for _round in range(3):
        for label, params in SEARCHES:
            warm[label].append(timed(client, params)[0] * 1000)
    warm_all = [t for ts in warm.values() for t in ts]

    unseen = []  # pages no request has built packages for yet, as a harvester paging the catalogue meets them
    for page in range(5):
        unseen.append(timed(client, {"sort": "id asc", "start": n // 2 + page * 1000})[0] * 1000)

    cold = []
    rng = random.Random(7)
    for w in range(args.writes):
        ident = f"synthetic-{rng.randrange(n):06d}"
        rec = cat.get(ident).record
        rec["title"] = f"{rec['title'].split(' (edit')[0]} (edit {time.time_ns()})"
        saved = cat.save(rec, author="bench", route="bench")
        assert saved.action == "updated", saved.to_dict()
        seconds, result = timed(client, {"sort": "metadata_modified desc"})
        assert result["results"][0]["id"] == ident, "the record just written comes first"
        cold.append(seconds * 1000)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"n": n, "engine": args.engine, "first_request_s": round(build_s, 2),
               "warm_p50_ms": round(statistics.median(warm_all), 1),
               "warm_p95_ms": round(percentile(warm_all, 0.95), 1),
               "cold_after_write_p50_ms": round(statistics.median(cold), 1),
               "cold_after_write_p95_ms": round(percentile(cold, 0.95), 1),
               "unseen_page_p50_ms": round(statistics.median(unseen), 1),
               "unseen_page_max_ms": round(max(unseen), 1),
               "peak_rss_mb": round(peak_mb, 1)}
    print(f"N                              {n} (text queries: {args.engine})")
    print(f"first package_search (builds)  {figures['first_request_s']} s")
    for label, ts in warm.items():
        print(f"  warm {label:<24}  p50 {statistics.median(ts):.0f} ms")
    print(f"package_search rows=1000 warm  p50 {figures['warm_p50_ms']} ms, p95 {figures['warm_p95_ms']} ms "
          f"({len(warm_all)} requests)")
    print(f"cold after one write           p50 {figures['cold_after_write_p50_ms']} ms, "
          f"p95 {figures['cold_after_write_p95_ms']} ms ({len(cold)} writes)")
    print(f"page never built before        p50 {figures['unseen_page_p50_ms']} ms, max "
          f"{figures['unseen_page_max_ms']} ms ({len(unseen)} pages of 1000, id order)")
    print(f"peak RSS                       {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))
    cat.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
