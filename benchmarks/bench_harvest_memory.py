"""Harvest memory: peak RSS of a harvest process fed one large DCAT (N-Triples) or JSON (HDR UK, CKAN) response.

Each case runs the harvest in a fresh child process (so the figure is that process's own peak) against a server in
this process, and prints the response size, the seconds taken and the child's peak RSS, then one JSON line.

    python benchmarks/bench_harvest_memory.py [--mb 90] [--cap-mb N]

--cap-mb sets the response cap for the run (default: the harvester's default cap). With a cap below --mb the run
must fail cleanly ("larger than the ...-byte limit"), which shows what the cap protects.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ntriples(size: int) -> bytes:
    """About `size` bytes of N-Triples: two datasets, then plain triples (the kind of padding a large feed has)."""
    head = ('<http://ex.org/ds/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
            '<http://www.w3.org/ns/dcat#Dataset> .\n<http://ex.org/ds/1> <http://purl.org/dc/terms/title> "One" .\n')
    line = '<http://ex.org/thing/{:09d}> <http://ex.org/p> "value number {:09d}" .\n'
    n = max(0, size - len(head)) // len(line.format(0, 0))
    return (head + "".join(line.format(i, i) for i in range(n))).encode()


def empty_objects(size: int) -> bytes:
    """About `size` bytes of JSON: an HDR UK list whose padding is empty objects ({} is the costliest JSON per byte)."""
    n = max(0, size - 40) // 3
    return b'{"items": [], "padding": [' + b"{}," * n + b'{}]}'


def ckan_page(size: int) -> bytes:
    """About `size` bytes of a CKAN package_search answer padded with empty objects (read through ckanapi)."""
    n = max(0, size - 80) // 3
    return b'{"success": true, "result": {"count": 0, "results": [], "padding": [' + b"{}," * n + b'{}]}}'


def serve(body: bytes, ctype: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM starts afresh at exec; ru_maxrss on Linux keeps the parent's peak from fork."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, url: str, cap: int | None) -> None:
    """Run one harvest and print {status, error, seconds, peak_rss_mb} as JSON."""
    from catalogue.provenance import Source
    from harvesters.store import HarvestRepository
    from catalogue.records.service import Catalogue
    from catalogue.settings import Settings
    from harvesters.http import HttpConfig
    from harvesters.runner import harvest

    http = HttpConfig() if cap is None else HttpConfig(max_bytes=cap)
    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalogue(Settings(instance_dir=tmp, secret_key="bench"))
        repo = HarvestRepository(cat.store)
        base = peak_rss_mb()
        source = Source("bench", kind, url)
        repo.add_source(source)
        start = time.perf_counter()
        result = harvest(cat, repo, source, full=True, http=http, environ={})
        seconds = time.perf_counter() - start
        cat.close()
    peak = peak_rss_mb()
    print(json.dumps({"status": result.run.status, "error": result.run.error[:200], "seconds": round(seconds, 2),
                      "peak_rss_mb": round(peak), "rss_before_mb": round(base)}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=90, help="response size in MB (default 90)")
    ap.add_argument("--cap-mb", type=float, default=None, help="response cap in MB (default: the harvester's)")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "URL"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    cap = None if a.cap_mb is None else int(a.cap_mb * 1024 * 1024)
    if a.child:
        child(a.child[0], a.child[1], cap)
        return 0
    size = int(a.mb * 1024 * 1024)
    figures = []
    for kind, make, ctype in (("dcat", ntriples, "application/n-triples"),
                              ("hdruk", empty_objects, "application/json"),
                              ("ckan", ckan_page, "application/json")):
        body = make(size)
        httpd = serve(body, ctype)
        url = f"http://127.0.0.1:{httpd.server_address[1]}" + ("" if kind == "ckan" else "/feed")
        args = [sys.executable, __file__, "--child", kind, url] + ([] if a.cap_mb is None else ["--cap-mb",
                                                                                               str(a.cap_mb)])
        out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=os.environ)
        httpd.shutdown()
        httpd.server_close()
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        fig = {"kind": kind, "bytes": len(body), **json.loads(out.stdout.strip().splitlines()[-1])}
        figures.append(fig)
        print(f"{kind:<6} {len(body):>11,} bytes  {fig['seconds']:>7.2f}s  peak RSS {fig['peak_rss_mb']:>6,} MB "
              f"({fig['peak_rss_mb'] / (len(body) / 2**20):.1f}x the response)  {fig['status']}"
              f"{': ' + fig['error'] if fig['error'] else ''}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
