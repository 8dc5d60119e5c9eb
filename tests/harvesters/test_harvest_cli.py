"""`catalogue sources ...` and `catalogue harvest ...` from the shell."""
import json

import pytest
from tests.support.fake_servers import ckan_package, json_reply
from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture

from catalogue.cli import main

pytestmark = pytest.mark.postgres
TOKEN = "ckan-token-5b2e91d0-do-not-show"


@pytest.fixture
def cli(runner, settings, empty_catalogue):
    def run(*args, env=None):
        return runner.invoke(main, ["--instance", settings.instance_dir, "--database-url", settings.db_url, *args],
                             catch_exceptions=False, env=env)
    return run


def test_sources_add_list_remove(cli):
    added = cli("sources", "add", "dgu", "--type", "ckan", "--url", "https://data.example.gov.uk",
                "--publisher", "department-for-education", "--token-env", "DGU_TOKEN", "--option", "rows=500",
                "--schedule", "daily")
    assert added.exit_code == 0, added.output
    assert "read from $DGU_TOKEN when the harvest runs; it is not stored" in added.output
    listed = cli("sources", "list")
    assert "dgu" in listed.output and "from environment variable DGU_TOKEN" in listed.output
    data = json.loads(cli("sources", "list", "--json").stdout)
    src = data["sources"][0]
    assert (src["name"], src["type"], src["options"], src["publishers"], src["last_run"]) == (
        "dgu", "ckan", {"rows": "500"}, ["department-for-education"], None)
    again = cli("sources", "add", "dgu", "--type", "ckan", "--url", "https://x.example")
    assert again.exit_code != 0 and "already exists" in again.output
    assert cli("sources", "remove", "dgu").exit_code == 0
    assert cli("sources", "remove", "dgu").exit_code == 1
    assert "No harvest sources" in cli("sources", "list").output


@pytest.mark.parametrize("args, message", [
    (["--type", "ckan", "--url", "ftp://x.example"], "http:// or https://"),
    (["--type", "dcat", "--url", "/no/such/file.ttl"], "neither"),
    (["--type", "ckan", "--url", "https://x.example", "--token-env", TOKEN], "NAME of an environment variable"),
    (["--type", "ckan", "--url", "https://x.example", "--publisher", "Not A Slug"], "not a publisher id"),
    (["--type", "ckan", "--url", "https://x.example", "--option", "novalue"], "KEY=VALUE"),
])
def test_sources_add_refuses_bad_input(cli, args, message):
    result = cli("sources", "add", "bad", *args)
    assert result.exit_code == 2 and message in result.output
    assert TOKEN not in json.dumps(json.loads(cli("sources", "list", "--json").stdout))


def test_harvest_prints_progress_summary_and_json(cli, fake_ckan):
    fake = fake_ckan([ckan_package(i) for i in range(4)])
    cli("sources", "add", "portal", "--type", "ckan", "--url", fake.url)
    result = cli("harvest", "portal")
    assert result.exit_code == 0, result.output
    assert "Harvesting portal (ckan, incremental)" in result.stderr
    assert "4 records after" in result.stderr
    assert "complete" in result.stdout and "0 created, 0 updated" not in result.stdout
    assert "4 created, 0 updated, 0 unchanged, 0 withdrawn, 0 failed (4 stored flagged incomplete)" in result.stdout
    again = cli("harvest", "portal", "--full", "--json")
    data = json.loads(again.stdout)  # stdout is exactly one JSON object
    assert again.exit_code == 0
    assert {k: data[k] for k in ("created", "updated", "unchanged", "withdrawn", "failed")} == {
        "created": 0, "updated": 0, "unchanged": 4, "withdrawn": 0, "failed": 0}
    assert data["status"] == "complete" and data["mode"] == "full" and len(data["outcomes"]) == 4
    assert cli("sources", "list", "--json").stdout.count('"status": "complete"') == 1


def test_harvest_exit_codes(cli, fake_ckan):
    fake = fake_ckan([ckan_package(0), ckan_package(1, resources=7)])
    cli("sources", "add", "portal", "--type", "ckan", "--url", fake.url)
    partial = cli("harvest", "portal")
    assert partial.exit_code == 3
    assert "failed 00000000-0000-4000-8000-000000000001: could not transform" in partial.stderr
    fake.fail_times = 1000
    failed = cli("harvest", "portal", "--json", "--retries", "0")
    assert failed.exit_code == 1 and json.loads(failed.stdout)["status"] == "failed"
    unknown = cli("harvest", "nope")
    assert unknown.exit_code == 1 and "no harvest source named 'nope'" in unknown.output


def test_the_token_never_reaches_the_terminal(cli, fake_ckan):
    fake = fake_ckan([ckan_package(0)])
    denied = json_reply({"success": False, "error": {"__type": "Authorization Error",
                                                     "message": f"Access denied: bad key {TOKEN}"}}, 403)
    fake.override = lambda req: denied
    cli("sources", "add", "portal", "--type", "ckan", "--url", fake.url, "--token-env", "PORTAL_TOKEN")
    result = cli("harvest", "portal", env={"PORTAL_TOKEN": TOKEN})
    assert result.exit_code == 1
    assert all(r.headers.get("Authorization") == TOKEN for r in fake.server.requests)  # sent, as CKAN expects
    assert "Authorization Error" in result.output or "NotAuthorized" in result.output
    assert "[redacted]" in result.output
    as_json = cli("harvest", "portal", "--json", env={"PORTAL_TOKEN": TOKEN})
    listed = cli("sources", "list", "--json")
    for out in (result.output, as_json.output, listed.output):
        assert TOKEN not in out


def test_a_second_run_of_the_same_source_is_refused_while_one_is_in_progress(cli, fake_ckan, empty_catalogue):
    from datetime import timedelta

    from catalogue.provenance import FAILED, RunInProgress
    from harvesters.store import HarvestRepository

    fake = fake_ckan([ckan_package(0)])
    cli("sources", "add", "portal", "--type", "ckan", "--url", fake.url)
    repo = HarvestRepository(empty_catalogue.store)
    running = repo.start_run("portal", "full")  # as if another process were harvesting now
    busy = cli("harvest", "portal")
    assert busy.exit_code == 1
    assert f"portal: run {running} started at" in busy.output and "still in progress" in busy.output
    with pytest.raises(RunInProgress):
        repo.start_run("portal", "full")
    # a run left 'running' by a process that died is marked failed once it is old enough
    repo.start_run("portal", "full", stale_after=timedelta(0))
    assert repo.run(running).status == FAILED and "abandoned" in repo.run(running).error
