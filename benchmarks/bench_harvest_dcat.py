"""DCAT harvest throughput: a generated N-dataset DCAT catalogue (Turtle, written by our own DCAT writer from the
synthetic records of bench_catalogue.py, 30 variables each) served from a local HTTP server on 127.0.0.1, harvested
into a fresh store (gather and parse, cut each dataset out, map it back, validate, store, index).

Prints N, records/s end to end, the time to parse the file alone (as the harvester reads a page), a full re-harvest where nothing
changed, peak RSS and the load average, then one JSON line.

    python benchmarks/bench_harvest_dcat.py [--n 2000] [--engine whoosh|tantivy] [--file PATH] [--profile]

--file keeps the generated Turtle there (and reuses it if it exists: writing it takes a while). CPU seconds (of this
process, which also serves the file) are printed beside wall time: on a shared machine they are the steadier figure.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import pstats
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_catalogue import PUBLISHERS, synthetic  # noqa: E402
from catalogue.formats.dcat.write import catalogue_graph  # noqa: E402
from catalogue.provenance import Source  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.settings import Settings  # noqa: E402
from harvesters.dcat import read_page  # noqa: E402
from harvesters.runner import harvest  # noqa: E402
from harvesters.store import HarvestRepository  # noqa: E402

BASE = "https://catalogue.example.org"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the figures readable
        pass


def write_catalogue(n: int, folder: Path) -> Path:
    rng = random.Random(42)
    records = [synthetic(i, rng) for i in range(n)]
    publishers = {p: {"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS}
    path = folder / "catalogue.ttl"
    path.write_bytes(catalogue_graph(records, BASE, publishers).serialize(format="turtle", encoding="utf-8"))
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="datasets in the generated file")
    ap.add_argument("--engine", default="whoosh", choices=("whoosh", "tantivy"))
    ap.add_argument("--file", help="the generated Turtle: kept here, and reused if it exists")
    ap.add_argument("--no-rerun", action="store_true", help="skip the second, unchanged harvest")
    ap.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-dcat-") as tmp:
        t = time.perf_counter()
        kept = Path(a.file) if a.file else None
        if kept and kept.exists():
            path = Path(tmp) / "catalogue.ttl"
            shutil.copyfile(kept, path)
        else:
            path = write_catalogue(a.n, Path(tmp))
            if kept:
                shutil.copyfile(path, kept)
        print(f"{a.n} datasets: {path.stat().st_size / 1e6:.1f} MB of Turtle in {time.perf_counter() - t:.1f}s")
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=tmp))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/catalogue.ttl"
        try:
            t, parse_cpu = time.perf_counter(), time.process_time()
            read_page(path.read_bytes(), url, "text/turtle")  # as the harvester reads a page
            parse_s, parse_cpu = time.perf_counter() - t, time.process_time() - parse_cpu
            instance = Path(tmp) / "instance"
            cat = Catalogue(Settings(instance_dir=str(instance), secret_key="bench", search_engine=a.engine))
            repo = HarvestRepository(cat.store)
            source = Source("bench-dcat", "dcat", url)
            repo.add_source(source)
            profiler = cProfile.Profile() if a.profile else None
            start, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            result = harvest(cat, repo, source, full=True)
            if profiler:
                profiler.disable()
            first, cpu = time.perf_counter() - start, time.process_time() - cpu
            start, rerun_cpu = time.perf_counter(), time.process_time()
            again = None if a.no_rerun else harvest(cat, repo, source, full=True)
            rerun, rerun_cpu = time.perf_counter() - start, time.process_time() - rerun_cpu
            cat.close()
        finally:
            server.shutdown()
            server.server_close()
    n = result.run.totals.get("created", 0)
    if result.run.status != "complete" or n != a.n:
        print(f"harvest did not complete: {result.run.status} {result.run.error} {result.run.totals}", file=sys.stderr)
        return 1
    rate, peak = n / first, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"N                 {n}")
    print(f"harvest           {rate:.0f} records/s ({first:.1f} s, {first / n * 1000:.1f} ms a record; "
          f"engine {a.engine}); {cpu:.1f} CPU s ({cpu / n * 1000:.1f} ms a record)")
    print(f"parse file alone  {parse_s:.1f} s, {parse_cpu:.1f} CPU s (as the harvester reads a page)")
    if again is not None:
        print(f"re-harvest        {again.run.totals['unchanged']} unchanged in {rerun:.1f} s "
              f"({again.run.totals['unchanged'] / rerun:.0f} records/s); {rerun_cpu:.1f} CPU s")
    load = os.getloadavg()
    print(f"peak RSS          {peak:.0f} MB")
    print(f"load average      {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (wall time waits for a core above 2)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    print(json.dumps({"n": n, "engine": a.engine, "records_per_s": round(rate, 1), "seconds": round(first, 2),
                      "ms_per_record": round(first / n * 1000, 2), "cpu_s": round(cpu, 2),
                      "cpu_ms_per_record": round(cpu / n * 1000, 2), "parse_s": round(parse_s, 2),
                      "parse_cpu_s": round(parse_cpu, 2), "rerun_s": round(rerun, 2) if again else None,
                      "rerun_cpu_s": round(rerun_cpu, 2) if again else None, "peak_rss_mb": round(peak, 1),
                      "load_1m": round(load[0], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
