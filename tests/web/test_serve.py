"""`catalogue serve` as a real server: gunicorn sync workers that only read the index, one indexer beside them that
writes it (started again if it dies), a write found in search within 2 s, and a clean stop."""
from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from catalogue.publishing.accounts import Accounts
from catalogue.records.indexer import indexer_pid
from catalogue.records.service import Catalogue
from catalogue.settings import Settings
from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS, TEST_PASSWORD, read_json
from tests.support.paths import SEED

CATALOGUE = str(Path(sys.executable).parent / "catalogue")


def wait_for(check, within: float, what: str):
    start = time.monotonic()
    while time.monotonic() - start < within:
        try:
            value = check()
        except requests.ConnectionError:
            value = None
        if value:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {within} s")


@pytest.fixture
def served(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CATALOGUE_INSTANCE_DIR": str(tmp_path / "instance"), "CATALOGUE_SECRET_KEY": "t"}
    for name in ("CATALOGUE_DATABASE_URL", "CATALOGUE_INDEX_DIR", "CATALOGUE_WORKERS", "CATALOGUE_SEARCH_ENGINE"):
        env.pop(name, None)

    settings = Settings(instance_dir=str(tmp_path / "instance"), secret_key="t")
    cat = Catalogue(settings)  # the seed catalogue and a publisher's token, written before serve starts
    try:
        cat.load_publishers(SEED_PUBLISHERS)
        cat.save_many(copy.deepcopy(SEED_RECORDS), author="seed", route="seed")
        accounts = Accounts(cat.store)
        accounts.create_user("pub@example.org", role="publisher", password=TEST_PASSWORD,
                             publisher="department-for-education")
        token = accounts.create_token("pub@example.org")[1]
    finally:
        cat.close()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([CATALOGUE, "serve", "--port", str(port), "--workers", "2", "--timeout", "20"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(lambda: requests.get(url + "/healthz", timeout=5).json()["index"]["writer"] == "indexer", 120,
                     "serving with its indexer")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{log.read_text()[-3000:]}") from None
        yield url, {"Authorization": f"Bearer {token}"}, proc, settings, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)


def found(url: str, q: str) -> set[str]:
    return {h["id"] for h in requests.get(url + "/search.json", params={"q": q}, timeout=30).json()["hits"]}


def test_serve_runs_gunicorn_workers_and_one_indexer(served):
    url, auth, proc, settings, log = served
    assert "Using worker: sync" in log.read_text()
    assert found(url, "pupil")  # the seed catalogue, indexed before the workers started

    rec = read_json(SEED / "example-record.json")
    rec["identifier"], rec["title"] = "serve-one", "Served bilby census"
    resp = requests.post(url + "/api/datasets", json=rec, headers=auth, timeout=30)
    assert resp.status_code == 201, resp.text
    assert requests.get(url + "/datasets/serve-one.json", timeout=30).json()["record"]["title"] == rec["title"]
    wait_for(lambda: found(url, "bilby") == {"serve-one"}, 2.0, "the write found in search")

    # the indexer dies: serve starts it again, and it picks up what was written meanwhile
    first = indexer_pid(settings)
    os.kill(first, signal.SIGKILL)
    rec["identifier"], rec["title"] = "serve-two", "Served bilby atlas"
    assert requests.post(url + "/api/datasets", json=rec, headers=auth, timeout=30).status_code == 201
    wait_for(lambda: indexer_pid(settings) not in (None, first), 60, "a new indexer")
    wait_for(lambda: found(url, "bilby") == {"serve-one", "serve-two"}, 30, "caught up after the restart")
    assert "The indexer (pid %d) stopped; starting it again" % first in log.read_text()

    # stopping serve (its master process only) stops the indexer too
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(60) == 0
    assert indexer_pid(settings) is None


def test_debug_server_only_on_a_loopback_address(tmp_path):
    done = subprocess.run([CATALOGUE, "--instance", str(tmp_path), "serve", "--debug", "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "loopback" in done.stderr
