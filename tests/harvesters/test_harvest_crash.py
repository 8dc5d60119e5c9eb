"""A killed harvest: the next run starts at once and adopts what the killed run stored. --force clears a lock."""
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from tests.support.fake_servers import json_reply
from tests.support.fake_servers import fake_server  # noqa: F401 - fixture
from sqlalchemy import text
from test_harvest_transforms import HDRUK_40

from catalogue.cli import main
from catalogue.provenance import FAILED, RUNNING
from harvesters.store import HarvestRepository, RunOwner, this_process
from tests.support import paths

pytestmark = pytest.mark.postgres
ROOT = str(paths.ROOT)

# Runs the real CLI in a child process; after the store has written the first batch it says so and stalls, so the
# test can kill -9 it between the dataset write and the rest of the run's bookkeeping.
CHILD = """
import pathlib, sys, time
from catalogue.records.service import Catalogue
marker, original = pathlib.Path(sys.argv[1]), Catalogue.save_many
def save_then_stall(self, *args, **kwargs):
    result = original(self, *args, **kwargs)
    marker.write_text("stored")
    time.sleep(120)
    return result
Catalogue.save_many = save_then_stall
from catalogue.cli import main
main(sys.argv[2:])
"""


def gateway(fake_server, pids):
    def handle(req):
        parts = req.path.strip("/").split("/")
        if parts == ["datasets"]:
            return json_reply({"items": [{"persistentId": p, "version": "1"} for p in pids]})
        doc = json.loads(json.dumps(HDRUK_40))
        doc["summary"]["title"] = f"Dataset {parts[-1]}"
        doc["identifier"] = parts[-1]
        return json_reply(doc)
    return fake_server(handle)


@pytest.fixture
def cli(runner, settings, empty_catalogue):
    def run(*args):
        return runner.invoke(main, ["--instance", settings.instance_dir, "--database-url", settings.db_url, *args],
                             catch_exceptions=False)
    return run


def test_a_killed_harvest_is_cleared_at_once_and_its_records_are_adopted(cli, settings, empty_catalogue,
                                                                          fake_server, tmp_path):
    srv = gateway(fake_server, ["pid-a", "pid-b", "pid-c"])
    assert cli("sources", "add", "gw", "--type", "hdruk", "--url", srv.url + "/datasets").exit_code == 0
    marker = tmp_path / "stored"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), "--instance", settings.instance_dir,
                              "--database-url", settings.db_url, "harvest", "gw"], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": ROOT}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the child harvest never stored its first batch"
    finally:
        child.kill()  # SIGKILL: no cleanup runs in the child
        child.wait(10)
    repo = HarvestRepository(empty_catalogue.store)
    killed = repo.runs("gw", limit=1)[0]
    assert killed.status == RUNNING and killed.pid == child.pid
    assert {d for d in ("pid-a", "pid-b", "pid-c") if empty_catalogue.store.get(d)} == {"pid-a", "pid-b", "pid-c"}

    again = cli("harvest", "gw", "--json")  # no --force needed: the killed process is gone
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert data["status"] == "complete", data["error"]
    assert {o["action"] for o in data["outcomes"]} <= {"unchanged", "updated"}
    assert {o["dataset_id"] for o in data["outcomes"]} == {"pid-a", "pid-b", "pid-c"}
    old = repo.run(killed.id)
    assert old.status == FAILED and "abandoned" in old.error and str(child.pid) in old.error
    assert {p["source"] for d in ("pid-a", "pid-b", "pid-c") for p in repo.provenance(d)} == {"gw"}


def test_a_run_held_by_another_host_waits_unless_forced(cli, empty_catalogue, fake_server):
    srv = gateway(fake_server, ["pid-a"])
    cli("sources", "add", "gw", "--type", "hdruk", "--url", srv.url + "/datasets")
    repo = HarvestRepository(empty_catalogue.store)
    held = repo.start_run("gw", "full", owner=RunOwner("another-host.example", 4242))
    busy = cli("harvest", "gw")
    assert busy.exit_code == 1 and "process 4242 on another-host.example" in busy.output
    assert "--force" in busy.output
    refused = cli("harvest", "gw", "--json")
    assert refused.exit_code == 1 and json.loads(refused.stdout)["status"] == "refused"
    forced = cli("harvest", "gw", "--force", "--json")
    assert forced.exit_code == 0 and json.loads(forced.stdout)["status"] == "complete"
    assert repo.run(held).status == FAILED and "cleared by --force" in repo.run(held).error
    # another host's run is still given up after the stale period
    other = repo.start_run("gw", "full", owner=RunOwner("another-host.example", 4243))
    repo.start_run("gw", "full", stale_after=timedelta(0))
    assert repo.run(other).status == FAILED and "more than 0 hours" in repo.run(other).error


def test_a_live_process_on_this_host_keeps_its_lock(empty_catalogue):
    from catalogue.provenance import RunInProgress
    from tests.support.harvest_helpers import add_source

    add_source(empty_catalogue, "gw", "hdruk", "http://127.0.0.1:9/datasets")
    repo = HarvestRepository(empty_catalogue.store)
    me = this_process()
    repo.start_run("gw", "full", owner=me)
    with pytest.raises(RunInProgress, match=f"process {me.pid} on"):
        repo.start_run("gw", "full")
    # the same PID started at another time (a reused PID) is not the run's process
    reused = repo.start_run("gw", "full", owner=RunOwner(me.host, me.pid, me.proc_start + "0"), force=True)
    if me.proc_start:
        repo.start_run("gw", "full")
        assert repo.run(reused).status == FAILED


def test_stores_made_before_runs_had_a_host_get_the_columns(empty_catalogue):
    HarvestRepository(empty_catalogue.store)
    with empty_catalogue.store.engine.begin() as conn:
        for col in ("host", "pid", "proc_start"):
            conn.execute(text(f"ALTER TABLE harvest_runs DROP COLUMN {col}"))
    repo = HarvestRepository(empty_catalogue.store)
    run_id = repo.start_run("old", "full")
    assert repo.run(run_id).pid == os.getpid()
