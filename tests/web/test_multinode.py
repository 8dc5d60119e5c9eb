"""Two real nodes (`catalogue serve`, each with its own index folder and indexer) on one PostgreSQL.

Publish through node A and find it in search on node B within 2 s; withdraw on B and see it gone from A; kill -9
node B in the middle of a bulk upload to A, restart it, and its index agrees with the store: no missing record,
no ghost hit. Run by `make test-multinode` (a private PostgreSQL from scripts/with_postgres.sh)."""
from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from catalogue.records.store import PUBLISHED, Store
from tests.support.app import fresh_db_url, read_json
from tests.support.paths import SEED

pytestmark = [pytest.mark.multinode,
              pytest.mark.skipif(not os.environ.get("CATALOGUE_TEST_DATABASE_URL"),
                                 reason="needs PostgreSQL: make test-multinode")]
CATALOGUE = str(Path(sys.executable).parent / "catalogue")
PUBLISHER = "department-for-education"
SEEN_WITHIN = 2.0  # seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """One node: an instance folder (its own index) and a `catalogue serve` process group."""

    def __init__(self, name: str, folder: Path, db_url: str):
        self.name, self.folder, self.port = name, folder, free_port()
        self.env = {**os.environ, "CATALOGUE_INSTANCE_DIR": str(folder), "CATALOGUE_DATABASE_URL": db_url,
                    "CATALOGUE_SECRET_KEY": "multinode-test", "CATALOGUE_WORKERS": "2"}
        self.env.pop("CATALOGUE_INDEX_DIR", None)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def cli(self, *args: str, **env: str) -> str:
        done = subprocess.run([CATALOGUE, *args], env={**self.env, **env}, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"catalogue {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def start(self) -> None:
        self.starts += 1
        log = open(self.folder.parent / f"{self.name}-{self.starts}.log", "w")
        self.proc = subprocess.Popen([CATALOGUE, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"node {self.name} exited: {self.log()}"
            try:  # serving, and its indexer has started (a fresh interpreter: a few seconds)
                if self.health()["index"]["writer"] == "indexer":
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"node {self.name} did not answer within 120 s: {self.log()}")

    def log(self) -> str:
        return (self.folder.parent / f"{self.name}-{self.starts}.log").read_text()[-4000:]

    def kill(self) -> None:
        """kill -9 the whole node: gunicorn's master, its workers and the indexer."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)

    def search_ids(self, q: str = "") -> tuple[int, set[str]]:
        """The total and every id search finds for q, page by page."""
        ids: set[str] = set()
        page, total = 1, 0
        while True:
            body = requests.get(self.url + "/search.json", params={"q": q, "page": page}, timeout=30).json()
            total = body["total"]
            ids |= {h["id"] for h in body["hits"]}
            if page >= body["pages"]:
                return total, ids
            page += 1

    def health(self) -> dict:
        return requests.get(self.url + "/healthz", timeout=10).json()


def wait_until(check, within: float) -> float:
    """Seconds until check() is true; fails after `within` (plus a little for the request itself)."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            raise AssertionError(f"not true within {within} s")
        time.sleep(0.05)


@pytest.fixture
def nodes(tmp_path):
    db_url = fresh_db_url(tmp_path)
    a, b = Node("a", tmp_path / "a", db_url), Node("b", tmp_path / "b", db_url)
    a.cli("init", "--seed")
    a.cli("users", "create", "pub@example.org", "--role", "publisher", "--publisher", PUBLISHER,
          "--password-env", "PW", PW="multinode test password")
    token = a.cli("tokens", "create", "pub@example.org").strip().splitlines()[-1]
    try:
        a.start()
        b.start()
        yield a, b, {"Authorization": f"Bearer {token}"}, db_url
    finally:
        a.stop()
        b.stop()
        for node in (a, b):  # shown when the test fails
            if node.starts:
                print(f"--- node {node.name}, last start ---\n{node.log()}")


def record(ident: str, title: str) -> dict:
    rec = copy.deepcopy(read_json(SEED / "example-record.json"))
    rec["identifier"], rec["title"] = ident, title
    return rec


def published_ids(db_url: str) -> set[str]:
    store = Store(db_url)
    try:
        return {i for i, _pub, _title, status, _rev in store.dataset_keys() if status == PUBLISHED}
    finally:
        store.close()


def test_two_nodes_on_one_postgresql(nodes):
    a, b, auth, db_url = nodes

    # publish through A: the response and the dataset page read the store; B's search has it within 2 s
    resp = requests.post(a.url + "/api/datasets", json=record("mn-one", "Multinode quokka census"), headers=auth,
                         timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.json()["action"] == "created"
    page = requests.get(a.url + "/datasets/mn-one.json", timeout=30)
    assert page.status_code == 200 and page.json()["record"]["title"] == "Multinode quokka census"
    took = wait_until(lambda: b.search_ids("quokka")[1] == {"mn-one"}, SEEN_WITHIN)
    print(f"published on A, found on B after {took:.2f} s")

    # withdraw through B: gone from A's search within 2 s
    resp = requests.post(b.url + "/api/datasets/mn-one/withdraw", json={"reason": "multinode test"}, headers=auth,
                         timeout=30)
    assert resp.status_code == 200 and resp.json()["action"] == "withdrawn", resp.text
    took = wait_until(lambda: a.search_ids("quokka")[1] == set(), SEEN_WITHIN)
    print(f"withdrawn on B, gone from A after {took:.2f} s")

    # a bulk upload to A; kill -9 node B in the middle of it
    batches = [[record(f"mn-bulk-{n:02d}-{i:03d}", f"Multinode wallaby batch {n} number {i}") for i in range(60)]
               for n in range(8)]
    statuses: list[int] = []

    def upload():
        for batch in batches:
            r = requests.post(a.url + "/api/uploads", data=json.dumps(batch), headers=auth, timeout=300)
            statuses.append(r.status_code)

    uploader = threading.Thread(target=upload)
    uploader.start()
    wait_until(lambda: b.health()["store"]["revision"] > b.health()["index"]["revision"] or len(statuses) >= 2,
               within=120)  # B is indexing the upload's first records
    time.sleep(0.3)
    at_kill = b.health()["index"]
    b.kill()
    print(f"killed B after {len(statuses)} of {len(batches)} uploads, its index {at_kill['lag']} revision(s) behind")
    uploader.join(600)
    assert statuses == [200] * len(batches)

    # restart B: its index catches up with the store, with no missing record and no ghost hit
    b.start()
    wait_until(lambda: b.health()["index"]["lag"] == 0, within=120)
    wait_until(lambda: a.health()["index"]["lag"] == 0, within=120)
    truth = published_ids(db_url)
    assert {f"mn-bulk-{n:02d}-{i:03d}" for n in range(8) for i in range(60)} <= truth and "mn-one" not in truth
    for node in (a, b):
        total, ids = node.search_ids()
        assert total == len(truth) and ids == truth, (node.name, len(ids), len(truth), sorted(truth ^ ids)[:10])
        assert node.search_ids("wallaby")[0] == 480
