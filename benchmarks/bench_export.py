"""Benchmark: whole-catalogue exports (/catalogue.ttl, .jsonld, .rdf) at N records, from a real server process.

Ingests N synthetic records (bench_catalogue's generator), starts `catalogue serve` in a subprocess and measures,
per format, the first (cold) export and a cached one, then 4 concurrent cold requests after a change with search
latency meanwhile, sampling the RSS of the server's processes (/proc) throughout. Prints the figures, then one JSON line.
Usage: python benchmarks/bench_export.py --n 10000 [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_catalogue import PUBLISHERS, synthetic  # noqa: E402
from procs import tree_rss_mb  # noqa: E402

from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.settings import Settings  # noqa: E402

FORMATS = ("ttl", "jsonld", "rdf")


class RSSSampler(threading.Thread):
    """Samples the server's process tree (gunicorn's arbiter, its web workers, the indexer) every 50 ms: peak() is the
    largest single process since the last reset() (the worker building an export), total() the tree's largest sum."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.top, self.top_total, self.highest, self.running = pid, 0.0, 0.0, 0.0, True

    def sample(self) -> tuple[float, float]:
        total, one = tree_rss_mb(self.pid)
        self.highest = max(self.highest, one)
        return total, one

    def run(self) -> None:
        while self.running:
            try:
                total, one = self.sample()
            except (OSError, ValueError):
                return
            self.top, self.top_total = max(self.top, one), max(self.top_total, total)
            time.sleep(0.05)

    def reset(self) -> float:
        self.top_total, self.top = self.sample()
        return self.top

    def peak(self) -> float:
        return round(self.top, 1)


def fetch(url: str, headers: dict | None = None) -> tuple[float, int, int, dict]:
    """(seconds, status, bytes, headers) of one GET, reading the body in chunks."""
    start, size = time.perf_counter(), 0
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=3600) as resp:
            while chunk := resp.read(1 << 20):
                size += len(chunk)
            return time.perf_counter() - start, resp.status, size, dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return time.perf_counter() - start, exc.code, 0, dict(exc.headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ingest(folder: Path, n: int, batch: int = 500) -> float:
    """Load records synthetic-000000 ... up to n through the service; a kept folder is topped up, not redone."""
    cat = Catalogue(Settings(instance_dir=str(folder)))
    cat.load_publishers({"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS)
    rng = random.Random(42)
    have = cat.store.count()
    records = [synthetic(i, rng) for i in range(n)][have:]  # the same records as a fresh run
    start = time.perf_counter()
    for b in range(0, len(records), batch):
        records_b = records[b:b + batch]
        assert all(r.action == "created" for r in cat.save_many(records_b, author="bench", route="bench"))
        print(f"  {have + b + len(records_b)}/{n} records", file=sys.stderr)
    cat.close()
    return time.perf_counter() - start


def change_one(folder: Path) -> None:
    """Save one record again with a new title, through the normal write path, so the exports are stale."""
    cat = Catalogue(Settings(instance_dir=str(folder)))
    rec = cat.get("synthetic-000000").record
    rec["title"] += " (changed)"
    assert cat.save(rec, author="bench", route="bench").action == "updated"
    cat.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--keep", help="keep the instance in this folder (a kept folder is topped up to N records)")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="catalogue-bench-export-"))
    print(f"Ingesting {args.n} synthetic records ...", file=sys.stderr)
    ingest(folder, args.n)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CATALOGUE_INSTANCE_DIR": str(folder), "CATALOGUE_BASE_URL": base}
    server = subprocess.Popen([sys.executable, "-c", "from catalogue.cli import main; main()", "serve",
                               "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures: dict = {"n": args.n}
    try:
        for _ in range(600):
            try:
                if fetch(base + "/search.json?q=pupil")[1] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        rss = RSSSampler(server.pid)
        rss.start()
        figures["server_rss_start_mb"] = round(rss.reset(), 1)
        for fmt in FORMATS:
            print(f"Cold /catalogue.{fmt} ...", file=sys.stderr)
            rss.reset()
            seconds, status, size, headers = fetch(f"{base}/catalogue.{fmt}")
            assert status == 200, status
            cached, status2, size2, _ = fetch(f"{base}/catalogue.{fmt}")
            assert status2 == 200 and size2 == size
            not_modified = fetch(f"{base}/catalogue.{fmt}", {"If-None-Match": headers["ETag"]})[1]
            figures[fmt] = {"cold_s": round(seconds, 1), "cached_s": round(cached, 2), "mb": round(size / 2**20, 1),
                            "peak_rss_mb": rss.peak(), "conditional_status": not_modified}
            print(f"  {json.dumps(figures[fmt])}", file=sys.stderr)

        change_one(folder)
        print("4 concurrent cold /catalogue.ttl after a change, with searches meanwhile ...", file=sys.stderr)
        rss.reset()
        searches: list[float] = []
        with ThreadPoolExecutor(4) as pool:
            jobs = [pool.submit(fetch, f"{base}/catalogue.ttl") for _ in range(4)]
            while not all(j.done() for j in jobs):
                searches.append(fetch(base + "/search.json?q=hospital+admissions")[0])
                time.sleep(0.5)
            results = [j.result() for j in jobs]
        assert all(r[1] == 200 for r in results) and len({r[2] for r in results}) == 1
        exports = sorted(p.name for p in (folder / "exports").glob("catalogue-*"))
        figures["concurrent_4_ttl"] = {"each_s": [round(r[0], 1) for r in results], "peak_rss_mb": rss.peak(),
                                       "search_max_s": round(max(searches), 2) if searches else None,
                                       "search_count": len(searches), "export_files": len(exports)}
        figures["server_peak_rss_mb"] = round(rss.highest, 1)  # the largest single process seen
        figures["server_tree_peak_rss_mb"] = round(rss.top_total, 1)  # all of them, since the last reset
        rss.running = False
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"N                      {args.n}")
    print(f"server RSS at start    {figures['server_rss_start_mb']} MB")
    for fmt in FORMATS:
        f = figures[fmt]
        print(f"/catalogue.{fmt:<7}     cold {f['cold_s']} s, cached {f['cached_s']} s, {f['mb']} MB, "
              f"peak RSS {f['peak_rss_mb']} MB, If-None-Match -> {f['conditional_status']}")
    c = figures["concurrent_4_ttl"]
    print(f"4 concurrent cold ttl  {c['each_s']} s, peak RSS {c['peak_rss_mb']} MB, "
          f"slowest of {c['search_count']} searches meanwhile {c['search_max_s']} s")
    print(f"server peak RSS        {figures['server_peak_rss_mb']} MB (largest process), "
          f"{figures['server_tree_peak_rss_mb']} MB (all, last step)")
    print(json.dumps(figures))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
