"""Relevance: the judged queries (tests/search/judgements.json) against the seed catalogue, per engine.

Prints nDCG@10, recall@10 and the zero-result rate for each engine, the queries that score worst, then one
JSON line. Usage: python benchmarks/bench_relevance.py [--engines whoosh,tantivy] [--per-query]
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.settings import Settings  # noqa: E402
from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS  # noqa: E402
from tests.support.relevance import evaluate  # noqa: E402


def seeded(folder: str, engine: str) -> Catalogue:
    overrides = {"instance_dir": folder, "database_url": f"sqlite:///{folder}/catalogue.db"}
    if "search_engine" in Settings.__dataclass_fields__:
        overrides["search_engine"] = engine
    elif engine != "whoosh":
        raise SystemExit(f"engine {engine!r} is not available in this build")
    cat = Catalogue(Settings(**overrides))
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(SEED_RECORDS), author="bench", route="bench")
    return cat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="whoosh,tantivy")
    ap.add_argument("--per-query", action="store_true", help="print every query's figures")
    args = ap.parse_args()
    out = {}
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        with tempfile.TemporaryDirectory() as folder:
            try:
                cat = seeded(folder, engine)
            except SystemExit as exc:
                print(f"{engine}: skipped ({exc})")
                continue
            try:
                res = evaluate(cat)
            finally:
                cat.close()
        out[engine] = {k: round(res[k], 4) for k in ("ndcg", "recall", "zero_rate")} | {"queries": res["queries"]}
        print(f"{engine}: {res['queries']} judged queries, nDCG@10 {res['ndcg']:.3f}, recall@10 {res['recall']:.3f}, "
              f"zero-result rate {res['zero_rate']:.1%}")
        rows = res["rows"] if args.per_query else sorted(res["rows"], key=lambda r: r["ndcg"])[:8]
        for r in rows:
            print(f"  {r['ndcg']:.2f}  {r['recall']:.2f}  {r['total']:3d} hits  {r['q']!r}  top: {', '.join(r['top'])}")
    print(json.dumps({"bench": "relevance", **out}))


if __name__ == "__main__":
    main()
