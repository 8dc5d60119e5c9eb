"""Load: searchers and uploaders at once against `catalogue serve` (gunicorn workers + the node's indexer).

Builds (or reuses, with --keep) an instance of N synthetic records (30 variables each), starts `catalogue serve`
on it, waits until it is warm (its workers build their link indexes as they start: the time and CPU are printed),
then runs a bounded client: SEARCHERS threads loop over /search pages (text, facet filters, sorts, pages
1-3) and UPLOADERS threads loop over PUT /api/datasets/<new id> (one record each, through the write path), both
for DURATION seconds, one request at a time per thread, with no pause between requests (a closed loop: each
thread's latency is then about threads / throughput). Prints p50/p95/p99 and errors for each, the CPU the server
spent per request (its web workers and its indexer apart) and the CPU this client spent per request (it shares the
machine), how far behind the index was at the end and how long it took to catch up, and the server's peak RSS;
then one JSON line.

The client is http.client, one connection per request (gunicorn's sync workers close each connection): about
0.2 ms of CPU per request against a local server, where a `requests` session took 0.8-1.0 ms. `--think S` adds a user model instead: each thread pauses a
random time (exponential, mean S seconds) between its requests. Its figures are labelled and are not the issue's
target run, which has no think time.

Usage: python benchmarks/bench_load.py --n 10000 [--engine whoosh|tantivy] [--searchers 32] [--uploaders 20]
                                       [--duration 60] [--workers W] [--keep DIR] [--think S]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import tree_cpu_s, tree_rss_mb  # noqa: E402
from bench_catalogue import NATIONS, PUBLISHERS, QUERIES, THEMES, TRES, percentile, synthetic  # noqa: E402
from catalogue.publishing.accounts import Accounts  # noqa: E402
from catalogue.records.service import Catalogue  # noqa: E402
from catalogue.search import ENGINES  # noqa: E402
from catalogue.settings import Settings  # noqa: E402

CATALOGUE = str(Path(sys.executable).parent / "catalogue")
UPLOADER = "load.publisher@example.org"
TIMEOUT = 60  # seconds per request: a slower answer counts as an error


def prepare(folder: Path, n: int, engine: str) -> dict:
    """N synthetic records in the instance (topped up if kept), and a publisher's token."""
    settings = Settings(instance_dir=str(folder), search_engine=engine, secret_key="bench-load")
    cat = Catalogue(settings)
    try:
        cat.load_publishers({"id": p, "name": p.replace("-", " ").title()} for p in PUBLISHERS)
        have = cat.count()
        start, rng = time.perf_counter(), random.Random(1)
        for lo in range(have, n, 500):
            results = cat.save_many([synthetic(i, rng) for i in range(lo, min(n, lo + 500))], author="bench",
                                    route="bench")
            assert all(r.action in ("created", "unchanged") for r in results)
            print(f"  ingested {min(n, lo + 500)} / {n}", file=sys.stderr, flush=True)
        ingest_s = time.perf_counter() - start
        accounts = Accounts(cat.store)
        if accounts.principal(UPLOADER) is None:
            accounts.create_user(UPLOADER, role="publisher", password="bench load password",
                                 publisher=PUBLISHERS[0])
        token = accounts.create_token(UPLOADER)[1]
        return {"settings": settings, "token": token, "ingested": n - have, "ingest_s": ingest_s,
                "records": cat.count()}
    finally:
        cat.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, settings: Settings, workers: int | None, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CATALOGUE_INSTANCE_DIR": settings.instance_dir, "CATALOGUE_SECRET_KEY": "bench-load",
               "CATALOGUE_SEARCH_ENGINE": settings.search_engine}
        env.pop("CATALOGUE_DATABASE_URL", None)
        args = [CATALOGUE, "serve", "--port", str(self.port)] + (["--workers", str(workers)] if workers else [])
        with open(log, "w") as out:
            self.proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.peak_total = self.peak_one = 0.0
        self._stop = threading.Event()

    def wait_ready(self, within: float = 600) -> None:
        start = time.monotonic()
        while time.monotonic() - start < within:
            if self.proc.poll() is not None:
                raise SystemExit("catalogue serve exited; see its log")
            try:
                if self.health()["index"]["writer"] == "indexer":
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit("catalogue serve did not become ready")

    def wait_warm(self, within: float = 300, idle: float = 0.2) -> tuple[float, float]:
        """Wait until the server is warm: its processes (each worker building its link index as it starts) used
        under `idle` of a CPU over two seconds running. Returns (seconds waited, CPU seconds they used meanwhile)."""
        start, first = time.monotonic(), tree_cpu_s(self.proc.pid)["total"]
        last, quiet = first, 0
        while time.monotonic() - start < within and quiet < 2:
            time.sleep(1.0)
            now = tree_cpu_s(self.proc.pid)["total"]
            quiet = quiet + 1 if now - last < idle else 0
            last = now
        return time.monotonic() - start, last - first

    def health(self) -> dict:
        return requests.get(self.url + "/healthz", timeout=30).json()

    def sample_rss(self) -> None:
        while not self._stop.wait(1.0):
            total, one = tree_rss_mb(self.proc.pid)
            self.peak_total, self.peak_one = max(self.peak_total, total), max(self.peak_one, one)

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def search_params(rng: random.Random) -> dict:
    params = {"q": rng.choice(QUERIES), "page": rng.choice((1, 1, 1, 2, 3))}
    pick = rng.random()
    if pick < 0.3:
        params["nation"] = rng.choice(NATIONS)
    elif pick < 0.5:
        params["tre"], params["theme"] = rng.choice(TRES), rng.choice(THEMES)
    if rng.random() < 0.25:
        params["sort"] = rng.choice(("readiness", "modified", "title"))
    return params


def fetch(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    """One request on a fresh connection (gunicorn's sync workers close it after the answer): (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def run_load(port: int, token: str, searchers: int, uploaders: int, duration: float, n: int,
             think: float = 0.0) -> dict:
    deadline = time.monotonic() + duration
    lat: dict[str, list[float]] = {"search": [], "upload": []}
    errors: dict[str, list[str]] = {"search": [], "upload": []}
    uploaded: list[str] = []
    lock = threading.Lock()

    def record(kind: str, started: float, problem: str | None) -> None:
        with lock:
            if problem:
                errors[kind].append(problem)
            else:
                lat[kind].append((time.perf_counter() - started) * 1000)

    def pause(rng: random.Random) -> None:
        if think:
            time.sleep(min(rng.expovariate(1 / think), max(0.0, deadline - time.monotonic())))

    def searcher(k: int) -> None:
        rng = random.Random(k)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _ = fetch(port, "GET", "/search?" + urlencode(search_params(rng)))
                record("search", started, None if status == 200 else f"status {status}")
            except (OSError, http.client.HTTPException) as exc:
                record("search", started, type(exc).__name__)
            pause(rng)

    def uploader(k: int) -> None:
        rng, i = random.Random(1000 + k), 0
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while time.monotonic() < deadline:
            rec = synthetic(n + k * 100_000 + i, rng)
            rec["identifier"] = f"load-{k:02d}-{i:05d}-{int(time.time())}"
            rec["publisher"], rec["creator"] = PUBLISHERS[0], [PUBLISHERS[0]]
            i += 1
            started = time.perf_counter()
            try:
                status, body = fetch(port, "PUT", f"/api/datasets/{rec['identifier']}", json.dumps(rec).encode(),
                                     headers)
                ok = status in (200, 201)
                record("upload", started, None if ok else f"status {status}: {body[:120].decode(errors='replace')}")
                if ok:
                    with lock:
                        uploaded.append(rec["identifier"])
            except (OSError, http.client.HTTPException) as exc:
                record("upload", started, type(exc).__name__)
            pause(rng)

    threads = [threading.Thread(target=searcher, args=(k,)) for k in range(searchers)]
    threads += [threading.Thread(target=uploader, args=(k,)) for k in range(uploaders)]
    started, cpu = time.monotonic(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    answered = sum(len(v) for v in lat.values()) + sum(len(v) for v in errors.values())
    out: dict = {"elapsed_s": round(elapsed, 1), "uploaded": len(uploaded), "think_s": think,
                 "client_cpu_s": round(cpu, 1), "client_cpu_ms_per_request": round(cpu * 1000 / max(answered, 1), 2)}
    for kind in ("search", "upload"):
        values = lat[kind]
        out[kind] = {"requests": len(values) + len(errors[kind]), "per_s": round(len(values) / elapsed, 1),
                     "p50_ms": round(statistics.median(values), 1) if values else None,
                     "p95_ms": round(percentile(values, 0.95), 1) if values else None,
                     "p99_ms": round(percentile(values, 0.99), 1) if values else None,
                     "errors": len(errors[kind]), "error_kinds": sorted(set(errors[kind]))[:5]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000, help="records in the catalogue before the load")
    ap.add_argument("--engine", default="whoosh", choices=ENGINES)
    ap.add_argument("--searchers", type=int, default=32)
    ap.add_argument("--uploaders", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds")
    ap.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    ap.add_argument("--keep", help="keep the instance in this folder (a kept folder is topped up to N records)")
    ap.add_argument("--think", type=float, default=0.0,
                    help="a user model: mean seconds each thread pauses between requests (default 0: no pause, "
                         "the issue's target run)")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"Preparing {args.n} records ({args.engine}) in {folder} ...", file=sys.stderr, flush=True)
    prep = prepare(folder, args.n, args.engine)
    server = Server(prep["settings"], args.workers, folder / "serve.log")
    try:
        t = time.perf_counter()
        server.wait_ready()
        ready_s = time.perf_counter() - t
        sampler = threading.Thread(target=server.sample_rss, daemon=True)
        sampler.start()
        warm_s, warm_cpu_s = server.wait_warm()
        print(f"Server warm {warm_s:.0f}s after it was ready ({warm_cpu_s:.1f} CPU s: the workers' link indexes)",
              file=sys.stderr, flush=True)
        for q in QUERIES:  # warm every worker a little
            requests.get(server.url + "/search", params={"q": q}, timeout=TIMEOUT)
        print(f"Load: {args.searchers} searchers and {args.uploaders} uploaders for {args.duration:.0f}s on "
              f"{server.url} ...", file=sys.stderr, flush=True)
        cpu_before = tree_cpu_s(server.proc.pid)
        result = run_load(server.port, prep["token"], args.searchers, args.uploaders, args.duration, args.n,
                          args.think)
        cpu_after = tree_cpu_s(server.proc.pid)
        cpu, indexer = (cpu_after[k] - cpu_before[k] for k in ("total", "indexer"))
        answered = result["search"]["requests"] + result["upload"]["requests"]
        result["server_cpu_s"], result["indexer_cpu_s"] = round(cpu, 1), round(indexer, 1)
        result["server_cpu_ms_per_request"] = round(cpu * 1000 / max(answered, 1), 1)
        result["web_cpu_ms_per_request"] = round((cpu - indexer) * 1000 / max(answered, 1), 1)
        health = server.health()
        lag_at_end = health["index"]["lag"]
        t = time.perf_counter()
        while server.health()["index"]["lag"] > 0 and time.perf_counter() - t < 600:
            time.sleep(0.2)
        caught_up_s = time.perf_counter() - t
    finally:
        server.stop()
    workers = args.workers or "default"
    figures = {"bench": "load", "n": prep["records"], "engine": args.engine, "workers": workers,
               "cpus": os.cpu_count(), "searchers": args.searchers, "uploaders": args.uploaders,
               "duration_s": args.duration, "ingest_records_per_s": round(prep["ingested"] / prep["ingest_s"], 1)
               if prep["ingested"] > 0 else None, "serve_ready_s": round(ready_s, 1),
               "warm_s": round(warm_s, 1), "warm_cpu_s": round(warm_cpu_s, 1), **result,
               "load_average": round(os.getloadavg()[0], 1), "index_lag_at_end": lag_at_end, "index_caught_up_s": round(caught_up_s, 1),
               "server_peak_rss_mb": server.peak_total, "largest_process_rss_mb": server.peak_one}
    s, u = result["search"], result["upload"]
    if args.think:
        print(f"USER MODEL, not the target run: each thread pauses {args.think}s on average between requests")
    print(f"N = {prep['records']} records, engine {args.engine}, gunicorn workers {workers}, {os.cpu_count()} CPUs; "
          f"the load started once the server was warm, {warm_s:.0f}s after it was ready ({warm_cpu_s:.1f} CPU s)")
    print(f"search /search pages: {s['requests']} requests, {s['per_s']}/s, p50 {s['p50_ms']} ms, "
          f"p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms, errors {s['errors']} {s['error_kinds'] or ''}")
    print(f"upload PUT /api/datasets: {u['requests']} requests, {u['per_s']}/s, p50 {u['p50_ms']} ms, "
          f"p95 {u['p95_ms']} ms, p99 {u['p99_ms']} ms, errors {u['errors']} {u['error_kinds'] or ''}")
    print(f"server CPU: {result['server_cpu_s']} s in the run, {result['server_cpu_ms_per_request']} ms per request "
          f"(search and upload together; web workers {result['web_cpu_ms_per_request']} ms, the indexer "
          f"{result['indexer_cpu_s']} s in all); this client {result['client_cpu_ms_per_request']} ms per request; "
          f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"index: {lag_at_end} revisions behind at the end, caught up {caught_up_s:.1f}s later; "
          f"server peak RSS {server.peak_total} MB in all, largest process {server.peak_one} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
