"""Query workers with a deadline: each query runs in a worker process, which is killed if it runs past its time.

pyoxigraph has no query timeout and a thread cannot be stopped, so a runaway query would burn a core for as long
as it liked. Here it gets a clear error when its time is up, its worker is killed (and replaced on demand), and the
other workers keep answering.
"""
from __future__ import annotations

import json
import queue
import select
import subprocess
import sys
import threading
import time

from catalogue.errors import CatalogueError


class QueryTimeout(CatalogueError):
    code = "query-timeout"


class Busy(CatalogueError):
    code = "busy"


class WorkerFailed(CatalogueError):
    code = "query-failed"


class _Worker:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "catalogue.sparql.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)

    def call(self, request: dict, deadline: float) -> tuple[dict, bytes]:
        """Send one request and wait for its answer until deadline (TimeoutError), or EOFError if we died."""
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        out = self.proc.stdout
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([out], [], [], remaining)[0]:
            raise TimeoutError
        line = out.readline()  # the worker writes header and body at once, when the query is done
        if not line:
            raise EOFError
        header = json.loads(line)
        body = out.read(header["length"]) if header["length"] else b""
        if len(body) != header["length"]:
            raise EOFError
        return header, body

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class QueryPool:
    """Up to `size` worker processes, started as needed; one query at a time each."""

    def __init__(self, size: int = 2):
        self.size = max(1, size)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self.killed = 0  # workers stopped for running past their deadline

    def _take(self, deadline: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._workers) < self.size:
                worker = _Worker()
                self._workers.add(worker)
                return worker
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise Busy(f"All {self.size} query workers stayed busy for the whole time limit. Try again shortly.") \
                from None

    def _drop(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._workers.discard(worker)

    def run(self, request: dict, timeout: float) -> tuple[dict, bytes]:
        """The worker's answer to one request, or QueryTimeout once `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        worker = self._take(deadline)
        try:
            header, body = worker.call(request, deadline)
        except TimeoutError:
            self._drop(worker)
            self.killed += 1
            raise QueryTimeout(f"The query ran past the time limit of {timeout:g} s and was stopped. Narrow it (more "
                               "specific patterns, LIMIT) and try again.") from None
        except (EOFError, OSError, ValueError):
            self._drop(worker)
            raise WorkerFailed("The query stopped its query worker (it may have needed too much memory).") from None
        self._idle.put(worker)
        return header, body

    def close(self) -> None:
        with self._lock:
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.stop()
        while not self._idle.empty():
            self._idle.get_nowait()
