"""The production server behind `catalogue serve`: gunicorn sync workers that read the index, and the node's
indexer (catalogue/records/indexer.py) as a child process that writes it, restarted if it dies.

Sync workers, not threads: each worker handles one request at a time, and gunicorn replaces a worker whose
request (reading a slow client included) takes longer than the timeout, so no slow client holds a worker or a
thread for longer than that. Idle connections hold nothing (sync workers do not keep connections alive). Behind
a load balancer or reverse proxy that buffers requests, slow clients never reach the workers at all.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict

from gunicorn.app.base import BaseApplication

from catalogue.records.service import Catalogue
from catalogue.settings import Settings

RESTART_DELAYS = (1, 2, 5, 10, 30)  # seconds before restarting an indexer that died, growing while it keeps dying
STABLE = 60.0  # an indexer that ran this long before dying starts again after the shortest delay


class IndexerSupervisor:
    """Runs the indexer as a fresh interpreter (no inherited sockets or database connections; the settings go
    in on its stdin, never on a command line) and starts it again if it dies. gunicorn's arbiter may collect
    its exit status first: Popen.poll() then reports it dead all the same."""

    def __init__(self, settings: Settings, log, stopping=lambda: False):
        self.settings, self.log, self.stopping = settings, log, stopping
        self.process: subprocess.Popen | None = None
        self._started = 0.0
        self._stop = threading.Event()

    def start(self) -> None:
        self._spawn()
        threading.Thread(target=self._watch, name="indexer-supervisor", daemon=True).start()

    def _spawn(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "catalogue.records.indexer"], stdin=subprocess.PIPE)
        self.process.stdin.write(json.dumps(asdict(self.settings)).encode())
        self.process.stdin.close()
        self._started = time.monotonic()
        self.log.info("Started the indexer (pid %s) for %s", self.process.pid, self.settings.index_path)

    def _watch(self) -> None:
        failures = 0
        while not self._stop.wait(0.5):
            if self.process.poll() is None:
                continue
            if self.stopping():  # Ctrl+C reached the whole process group: the server is going down too
                return
            failures = failures + 1 if time.monotonic() - self._started < STABLE else 1
            delay = RESTART_DELAYS[min(failures - 1, len(RESTART_DELAYS) - 1)]
            self.log.error("The indexer (pid %s) stopped; starting it again in %ss", self.process.pid, delay)
            if self._stop.wait(delay) or self.stopping():
                return
            self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.log.warning("The indexer (pid %s) did not stop within %ss; killing it", proc.pid, timeout)
            proc.kill()


class Server(BaseApplication):
    """gunicorn, configured in code: the app is built in each worker, around a catalogue that reads the index."""

    def __init__(self, settings: Settings, *, host: str, port: int, workers: int, timeout: int, indexer: bool):
        self.settings, self.indexer = settings, indexer
        self.options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": "sync", "timeout": timeout,
                        "graceful_timeout": timeout, "proc_name": "catalogue", "accesslog": None,
                        "errorlog": "-", "loglevel": "info", "control_socket_disable": True, "when_ready": self._when_ready, "on_exit": self._on_exit}
        self.supervisor: IndexerSupervisor | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from web import create_app
        from web.services import warm_up

        app = create_app(self.settings, catalogue=Catalogue(self.settings, index_writer=False))
        warm_up(app)  # each worker builds its link index as it starts, not in its first dataset page's request
        return app

    def _when_ready(self, server) -> None:
        if self.indexer:
            # the arbiter drops its listening sockets first thing when it stops
            self.supervisor = IndexerSupervisor(self.settings, server.log, lambda: not server.LISTENERS)
            self.supervisor.start()

    def _on_exit(self, server) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()
