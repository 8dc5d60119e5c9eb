"""Benchmark: ingest N synthetic records (30 variables each) through the service, rebuild the index, search.

Prints ingest rate, index rebuild time, search p50/p95/p99 (with the 6 facets) and peak RSS, then one JSON line.
The machine's load average at the start and the CPU time of ingest and rebuild (all threads: Tantivy indexes and
commits in its own) come with them, as wall times on a shared machine move with its load. Ingest is the time in
Catalogue.save_many (validate, store, index); making the synthetic records is left out of it (shown with it too).
Tantivy's commit of one batch may run while the next batch is made, as it runs while the next is validated.
The searches run in a fresh process over the built index, as a web worker would, so their RSS is the search
process's own. --engine both runs each engine in its own process and prints them side by side.
Usage: python benchmarks/bench_catalogue.py --n 10000 [--engine whoosh|tantivy|both] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalogue.search import ENGINES, SearchQuery  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.search.documents import search_document  # noqa: E402
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


def cpu_with_children() -> float:
    """CPU seconds of this process and of its ended children (a rebuild reads the store in worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, which starts afresh at exec (ru_maxrss keeps the parent's peak)."""
    try:
        status = Path("/proc/self/status").read_text()
        return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)
    except (OSError, IndexError, ValueError):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def queries() -> list[SearchQuery]:
    """200 searches: 10 texts, a third filtered by nation, a third by TRE and theme, a quarter sorted by score."""
    out, rng = [], random.Random(7)
    for i in range(200):
        q = SearchQuery(text=QUERIES[i % len(QUERIES)], page_size=20)
        if i % 3 == 1:
            q.filters = {"nation": [rng.choice(NATIONS)]}
        elif i % 3 == 2:
            q.filters = {"tre": [rng.choice(TRES)], "theme": [rng.choice(THEMES)]}
        if i % 4 == 3:
            q.sort = "readiness"
        out.append(q)
    return out


def search_figures(folder: Path, engine: str) -> dict:
    """Time the 200 searches in this process (after 20 to warm up), over an index built by another."""
    cat = Catalogue(Settings(instance_dir=str(folder), search_engine=engine))
    for q in queries()[:20]:
        cat.engine.search(q)
    lat = []
    for q in queries():
        t = time.perf_counter()
        res = cat.engine.search(q)
        lat.append((time.perf_counter() - t) * 1000)
        assert len(res.facets) == 6
    cat.close()
    return {"search_p50_ms": round(statistics.median(lat), 1), "search_p95_ms": round(percentile(lat, 0.95), 1),
            "search_p99_ms": round(percentile(lat, 0.99), 1), "search_rss_mb": peak_rss_mb()}


def engine_only(cat: Catalogue, n: int) -> float:
    """Seconds the engine itself takes to rebuild the index from N documents (reindex also reads the store and
    scores every record): the documents are prepared in chunks and their preparation time left out."""
    prep, names = 0.0, cat.publisher_names()

    def docs():
        nonlocal prep
        rng = random.Random(42)
        for b in range(0, n, 2000):
            t = time.perf_counter()
            chunk = [search_document(r, names.get(r["publisher"], ""))
                     for r in (synthetic(i, rng) for i in range(b, min(b + 2000, n)))]
            prep += time.perf_counter() - t
            yield from chunk

    start = time.perf_counter()
    assert cat.engine.rebuild(docs()) == n
    return time.perf_counter() - start - prep


def run(n: int, batch: int, engine: str, folder: Path) -> dict:
    cat = Catalogue(Settings(instance_dir=str(folder), search_engine=engine))
    cat.load_publishers({"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS)
    rng = random.Random(42)
    print(f"[{engine}] ingesting {n} records (30 variables each) through Catalogue.save_many ...", file=sys.stderr)
    load = os.getloadavg()[0]  # the machine's load when we start: wall times are only comparable at similar loads
    start, cpu = time.perf_counter(), time.process_time()
    making, making_cpu = 0.0, 0.0  # making the synthetic records (about 80 us each) is not ingest: kept apart
    for b in range(0, n, batch):
        t, c = time.perf_counter(), time.thread_time()
        records = [synthetic(i, rng) for i in range(b, min(b + batch, n))]
        making, making_cpu = making + time.perf_counter() - t, making_cpu + time.thread_time() - c
        results = cat.save_many(records, author="bench", route="bench")
        assert all(r.action == "created" for r in results), results[0].to_dict()
        done = min(b + batch, n)
        print(f"  {done}/{n} records, {done / (time.perf_counter() - start - making):.0f}/s", file=sys.stderr)
    cat.wait_for_index()  # the last batch's commit, which Tantivy finishes in the background
    total_s = time.perf_counter() - start
    ingest_s, ingest_cpu = total_s - making, time.process_time() - cpu - making_cpu

    start, cpu = time.perf_counter(), cpu_with_children()
    assert cat.reindex() == n
    index_s, index_cpu = time.perf_counter() - start, cpu_with_children() - cpu
    engine_s = engine_only(cat, n)
    cat.engine.set_last_seq(cat.store.max_seq())  # the same documents again: a kept instance needs no rebuild
    cat.close()
    out = subprocess.run([sys.executable, __file__, "--search-only", str(folder), "--engine", engine],
                         check=True, capture_output=True, text=True)
    figures = {"engine": engine, "n": n, "ingest_per_s": round(n / ingest_s, 1),
               "ingest_with_making_per_s": round(n / total_s, 1),
               "ingest_cpu_ms": round(ingest_cpu / n * 1000, 3), "index_build_s": round(index_s, 2),
               "index_build_cpu_s": round(index_cpu, 2), "index_engine_s": round(engine_s, 2),
               "load_avg": round(load, 2)}
    figures["peak_rss_mb"] = peak_rss_mb()
    figures.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return figures


ROWS = [("load average at the start", "load_avg"), ("ingest (records/s)", "ingest_per_s"),
        ("  with making the records (records/s)", "ingest_with_making_per_s"),
        ("  CPU per record, all threads (ms)", "ingest_cpu_ms"), ("index rebuild (s)", "index_build_s"),
        ("  CPU, all threads and workers (s)", "index_build_cpu_s"), ("  of which the engine (s)", "index_engine_s"),
        ("search p50 (ms)", "search_p50_ms"), ("search p95 (ms)", "search_p95_ms"),
        ("search p99 (ms)", "search_p99_ms"),
        ("search process RSS (MB)", "search_rss_mb"), ("peak RSS, ingest + rebuild (MB)", "peak_rss_mb")]


def show(results: list[dict]) -> None:
    print(f"N = {results[0]['n']}, 200 searches with the 6 facets".ljust(34) + "".join(
        r["engine"].rjust(12) for r in results))
    for label, key in ROWS:
        print(label.ljust(34) + "".join(str(r.get(key, "")).rjust(12) for r in results))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500, help="records per save_many call")
    ap.add_argument("--engine", default="whoosh", choices=[*ENGINES, "both"])
    ap.add_argument("--keep", help="keep the instance in this folder")
    ap.add_argument("--search-only", help=argparse.SUPPRESS)  # internal: time searches over this folder
    args = ap.parse_args()
    if args.search_only:
        print(json.dumps(search_figures(Path(args.search_only), args.engine)))
        return
    if args.engine == "both":  # each engine in its own process, so each peak RSS is its own
        results = []
        for engine in ENGINES:
            cmd = [sys.executable, __file__, "--n", str(args.n), "--batch", str(args.batch), "--engine", engine]
            out = subprocess.run(cmd + (["--keep", f"{args.keep}-{engine}"] if args.keep else []),
                                 check=True, stdout=subprocess.PIPE, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        show(results)
        print(json.dumps({"n": args.n, **{r["engine"]: r for r in results}}))
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="catalogue-bench-"))
    figures = run(args.n, args.batch, args.engine, folder)
    show([figures])
    print(json.dumps(figures))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
