"""Benchmark: ingest N synthetic records (30 variables each) through the service, rebuild the index, search.

Prints ingest rate, index build time, search p50/p95 and peak RSS, then one JSON line.
Usage: python benchmarks/bench_catalogue.py --n 10000 [--keep DIR]
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

from catalogue.search import SearchQuery  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.settings import Settings  # noqa: E402

PUBLISHERS = ["department-for-education", "department-for-work-pensions", "hm-revenue-customs",
              "office-for-national-statistics", "ministry-of-justice", "nhs-england", "welsh-government",
              "scottish-government", "public-health-scotland", "northern-ireland-statistics-and-research-agency",
              "home-office", "hm-land-registry", "uk-health-security-agency", "department-for-transport",
              "ministry-of-housing-communities-local-government", "digital-health-and-care-wales"]
TOPICS = ["pupil", "benefit", "earnings", "hospital", "offending", "census", "housing", "care", "tax", "survey",
          "employment", "prescribing", "mortality", "births", "apprenticeship", "disability", "court", "prison"]
NATIONS = ["England", "Wales", "Scotland", "Northern Ireland"]
TRES = ["ONS Secure Research Service", "SAIL Databank", "Scottish National Safe Haven", "NISRA Research Support Unit",
        "UK Data Service SecureLab", "NHS England Secure Data Environment"]
ROLES = ["nhs-number", "national-insurance-number", "pupil-matching-reference", "uprn", "postcode", "date-of-birth",
         "name", "sex", "chi-number"]
THEMES = ["Education", "Health", "Crime and justice", "Society", "Business and economy", "Towns and cities"]
QUERIES = ["pupil", "hospital admissions", "earnings tax", "census", "date of birth", "postcode housing",
           "nhs number", "benefit claimants", "court offending", "survey employment"]


def synthetic(i: int, rng: random.Random) -> dict:
    topic, other = rng.sample(TOPICS, 2)
    pub = PUBLISHERS[i % len(PUBLISHERS)]
    variables = []
    for v in range(30):
        var = {"name": f"{topic.upper()}_{v:02d}", "label": f"{topic} measure {v}",
               "description": f"Synthetic {topic} variable {v} about {other} records.",
               "dataType": rng.choice(["string", "integer", "date", "code", "decimal"])}
        if v < 3:
            var["linkageRole"] = ROLES[(i + v) % len(ROLES)]
            if rng.random() < 0.6:
                var["collectionMethod"] = "Recorded at registration and checked against the master index."
        variables.append(var)
    rec = {
        "identifier": f"synthetic-{i:06d}", "title": f"Synthetic {topic} and {other} dataset {i}",
        "summary": f"Synthetic {topic} records linked to {other} data.",
        "description": f"A synthetic dataset number {i} describing {topic} and {other} for benchmarking.",
        "publisher": pub, "creator": [pub],
        "contactPoint": {"contactName": "Data team", "email": "data@example.org"},
        "accessRights": "INTERNAL", "securityClassification": "OFFICIAL", "licence": "Data sharing agreement",
        "modified": f"20{rng.randint(10, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "version": "1", "updateFrequency": "freq:annual", "keyword": [topic, other], "theme": [rng.choice(THEMES)],
        "coverage": {"nations": rng.sample(NATIONS, rng.randint(1, 2)), "temporalStart": "2010-01-01"},
        "variables": variables,
    }
    if rng.random() < 0.7:
        rec["access"] = {"routes": [{"type": "tre", "name": rng.choice(TRES)}],
                         "legalGateways": ["Digital Economy Act 2017 s.64"]}
    if rng.random() < 0.5:
        rec["informationAssetOwner"] = {"role": "Director of Data", "email": "iao@example.org"}
    return rec


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500, help="records per save_many call")
    ap.add_argument("--keep", help="keep the instance in this folder")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="catalogue-bench-"))
    cat = Catalogue(Settings(instance_dir=str(folder)))
    cat.load_publishers({"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS)
    rng = random.Random(42)
    records = [synthetic(i, rng) for i in range(args.n)]

    print(f"Ingesting {args.n} records (30 variables each) through Catalogue.save_many ...", file=sys.stderr)
    start = time.perf_counter()
    for b in range(0, args.n, args.batch):
        results = cat.save_many(records[b:b + args.batch], author="bench", route="bench")
        assert all(r.action == "created" for r in results), results[0].to_dict()
        done = min(b + args.batch, args.n)
        rate = done / (time.perf_counter() - start)
        print(f"  {done}/{args.n} records, {rate:.0f}/s", file=sys.stderr)
    ingest_s = time.perf_counter() - start

    start = time.perf_counter()
    assert cat.reindex() == args.n
    index_s = time.perf_counter() - start

    lat = []
    rng = random.Random(7)
    for i in range(200):
        q = SearchQuery(text=QUERIES[i % len(QUERIES)], page_size=20)
        if i % 3 == 1:
            q.filters = {"nation": [rng.choice(NATIONS)]}
        elif i % 3 == 2:
            q.filters = {"tre": [rng.choice(TRES)], "theme": [rng.choice(THEMES)]}
        if i % 4 == 3:
            q.sort = "readiness"
        t = time.perf_counter()
        res = cat.engine.search(q)
        lat.append((time.perf_counter() - t) * 1000)
        assert res.facets is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"n": args.n, "ingest_per_s": round(args.n / ingest_s, 1), "index_build_s": round(index_s, 2),
               "search_p50_ms": round(statistics.median(lat), 1), "search_p95_ms": round(percentile(lat, 0.95), 1),
               "peak_rss_mb": round(peak_mb, 1)}
    print(f"N                 {figures['n']}")
    print(f"ingest            {figures['ingest_per_s']} records/s ({ingest_s:.1f} s, validate + store + index)")
    print(f"index rebuild     {figures['index_build_s']} s")
    print(f"search (200 q)    p50 {figures['search_p50_ms']} ms, p95 {figures['search_p95_ms']} ms (with 6 facets)")
    print(f"peak RSS          {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))
    cat.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
