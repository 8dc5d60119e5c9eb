"""Benchmark: audit N synthetic records from the store (the target is 10,000 in at most 30 s).

Loads N records (30 variables each, as in bench_catalogue.py) through Catalogue.save_many, then times the audit
itself (read from the store, score, group; once with the stored validation reports and once validating every
record again), building every table and CSV, and storing a snapshot.
Prints the figures, then one JSON line.
Usage: python benchmarks/bench_audit.py --n 10000 [--keep DIR]   (with --keep, a second run reuses the records)
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_catalogue import PUBLISHERS, synthetic  # noqa: E402

from catalogue.audit.service import audit_catalogue  # noqa: E402
from catalogue.audit.snapshots import AuditSnapshots  # noqa: E402
from catalogue.audit.tables import run_tables, to_csv  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.settings import Settings  # noqa: E402

TARGET_S = 30.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--keep", help="keep the instance in this folder (and reuse its records next time)")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="catalogue-bench-audit-"))
    cat = Catalogue(Settings(instance_dir=str(folder)))
    if cat.store.count() != args.n:
        cat.load_publishers({"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS)
        rng = random.Random(42)
        records = [synthetic(i, rng) for i in range(args.n)]
        print(f"Loading {args.n} records through Catalogue.save_many ...", file=sys.stderr)
        start = time.perf_counter()
        for b in range(0, args.n, 1000):
            cat.save_many(records[b:b + 1000], author="bench", route="bench")
            print(f"  {min(b + 1000, args.n)}/{args.n}", file=sys.stderr)
        print(f"  loaded in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    assert cat.store.count() == args.n, "the store holds other records: use a fresh --keep folder"

    as_of = date(2026, 1, 1)
    start = time.perf_counter()
    run = audit_catalogue(cat.store, as_of)
    audit_s = time.perf_counter() - start

    start = time.perf_counter()
    again = audit_catalogue(cat.store, as_of, revalidate=True)
    revalidate_s = time.perf_counter() - start
    identical = run.to_dict(with_records=False) == again.to_dict(with_records=False)

    start = time.perf_counter()
    tables = run_tables(run)
    csv_bytes = sum(len(to_csv(t)) for t in tables.values())
    for pub in run.publishers:
        run_tables(run, pub.id)
    tables_s = time.perf_counter() - start

    start = time.perf_counter()
    AuditSnapshots(cat.store).save(run)
    snapshot_s = time.perf_counter() - start

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"n": args.n, "audit_s": round(audit_s, 2), "audit_revalidate_s": round(revalidate_s, 2),
               "records_per_s": round(args.n / audit_s, 1), "tables_s": round(tables_s, 2),
               "snapshot_s": round(snapshot_s, 2), "identical": identical, "peak_rss_mb": round(peak_mb, 1),
               "within_target": max(audit_s, revalidate_s) <= TARGET_S * args.n / 10000}
    print(f"N                 {args.n}")
    print(f"audit             {figures['audit_s']} s ({figures['records_per_s']} records/s; read, score and group, "
          f"with the validation reports stored at save time); target {TARGET_S:g} s per 10,000")
    print(f"audit --revalidate {figures['audit_revalidate_s']} s (every record validated again); "
          f"same figures: {identical}")
    print(f"tables + CSV      {figures['tables_s']} s ({len(tables)} catalogue tables, {csv_bytes} CSV bytes, "
          f"plus every publisher's)")
    print(f"snapshot          {figures['snapshot_s']} s")
    print(f"peak RSS          {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))
    cat.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
