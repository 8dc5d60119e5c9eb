"""Autocomplete at scale: N synthetic records' names (titles, publishers, variable names, linkage keys) in the
file the index writer keeps (catalogue/search/completion.py), then a reader answering prefixes as /suggest does.

Prints the writer's time, the reader's first (table-building) answer, p50/p95/p99 over 500 prefixes and peak RSS,
then one JSON line. Both engines use this same structure. Usage: python benchmarks/bench_suggest.py --n 100000
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_catalogue import peak_rss_mb, percentile, synthetic  # noqa: E402
from catalogue.search.completion import Completions  # noqa: E402
from catalogue.search.documents import search_document  # noqa: E402

PREFIXES = ["pu", "pup", "pupil", "hos", "hospital ad", "nhs", "nhs n", "dep", "department for w", "uprn", "cen",
            "census 20", "tax", "synthetic pr", "PRISON_0", "date of b", "wel", "scot", "ear", "benefit cl"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    args = ap.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        writer = Completions(folder)
        t0 = time.perf_counter()
        for start in range(0, args.n, 1000):
            docs = [search_document(synthetic(i, rng)) for i in range(start, min(args.n, start + 1000))]
            writer.add(docs)
        writer.save()
        write_s = time.perf_counter() - t0
        reader = Completions(folder)
        t0 = time.perf_counter()
        reader.suggest("pu")
        first_ms = (time.perf_counter() - t0) * 1000
        times, qrng = [], random.Random(5)
        for _ in range(500):
            prefix = qrng.choice(PREFIXES)
            t0 = time.perf_counter()
            reader.suggest(prefix)
            times.append((time.perf_counter() - t0) * 1000)
    out = {"bench": "suggest", "n": args.n, "names_written_s": round(write_s, 2), "first_answer_ms": round(first_ms, 1),
           "p50_ms": round(statistics.median(times), 3), "p95_ms": round(percentile(times, 0.95), 3),
           "p99_ms": round(percentile(times, 0.99), 3), "peak_rss_mb": peak_rss_mb()}
    print(f"N = {args.n:,}: names written in {write_s:.1f} s (incl. building the documents); the reader's first answer "
          f"(loads the file, builds the table) {first_ms:.0f} ms; then over 500 prefixes p50 {out['p50_ms']} ms, "
          f"p95 {out['p95_ms']} ms, p99 {out['p99_ms']} ms (target p95 <= 20 ms); peak RSS {out['peak_rss_mb']} MB")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
