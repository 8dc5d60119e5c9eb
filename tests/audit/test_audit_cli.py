"""`catalogue audit`: table, CSV and JSON output parsed back, snapshots and --fail-under exit codes."""
import csv
import io
import json

import pytest

from catalogue.cli import main
from tests.support.app import SEED
from tests.support.audit_records import MINIMAL, PARTIAL

pytestmark = pytest.mark.postgres
AS_OF = "2024-06-30"


@pytest.fixture
def cli(runner, settings):
    def run(*args):
        return runner.invoke(main, ["--instance", settings.instance_dir, "--database-url", settings.db_url, *args],
                             catch_exceptions=False)
    return run


@pytest.fixture
def loaded(cli, tmp_path):
    """The two hand-worked records of test_audit_engine, loaded through the normal write path."""
    path = tmp_path / "records.json"
    path.write_text(json.dumps([MINIMAL, PARTIAL]))
    result = cli("load", "--publishers", str(SEED / "publishers.json"), str(path))
    assert result.exit_code == 0, result.output
    return cli


def test_audit_has_help(runner):
    result = runner.invoke(main, ["audit", "--help"])
    assert result.exit_code == 0
    for option in ("--publisher", "--format", "--output", "--snapshot", "--fail-under", "--check-links"):
        assert option in result.output


def test_table_output(loaded):
    result = loaded("audit", "--as-of", AS_OF)
    assert result.exit_code == 0
    out = result.stdout
    assert "Whole catalogue: 2 records as of 2024-06-30" in out
    assert "Weighted completeness: 42.9" in out  # (39 + 75) / 2 / 133
    assert "no_legal_gateway 2" in out
    assert "Department for Education" in out and "Home Office" in out
    assert "Audited 2 records" in result.stderr


def test_csv_publishers_parse_back(loaded):
    result = loaded("audit", "--as-of", AS_OF, "--format", "csv")
    rows = {r["publisher"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["department-for-education"]["weighted_completeness"] == "29.3"  # 39/133
    assert rows["home-office"]["weighted_completeness"] == "56.4"  # 75/133
    assert rows["home-office"]["readiness"] == "65.4" and rows["home-office"]["quality"] == "75.0"
    assert rows["department-for-education"]["gap_stale"] == "1" and rows["home-office"]["gap_stale"] == "0"
    assert rows["welsh-government"]["records"] == "0" and rows["welsh-government"]["quality"] == ""


def test_csv_fixes_for_one_publisher(loaded, tmp_path):
    out = tmp_path / "fixes.csv"
    result = loaded("audit", "--as-of", AS_OF, "--publisher", "home-office", "--table", "fixes", "--format", "csv",
                    "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["id"] for r in rows} == {"part-1"}
    assert rows[0]["field"] == "access.legalGateways" and rows[0]["weighted_completeness_gain"] == "2.3"


def test_json_output_parses_back(loaded, tmp_path):
    out = tmp_path / "audit.json"
    assert loaded("audit", "--as-of", AS_OF, "--format", "json", "--output", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["as_of"] == AS_OF and data["catalogue"]["records"] == 2
    recs = {r["id"]: r for r in data["records"]}
    assert recs["min-1"]["hdruk"]["quality"] == 62.5 and recs["min-1"]["hdruk"]["medallion"] == "bronze"
    assert recs["part-1"]["mqa"]["points"] == 182.5 and recs["part-1"]["readiness"]["total"] == 65.4
    assert data["catalogue"]["gaps"]["no_legal_gateway"] == {"records": 2, "pct": 100.0}
    one = json.loads(loaded("audit", "--as-of", AS_OF, "--format", "json", "--table", "records").stdout)
    assert [r["id"] for r in one["rows"]] == ["min-1", "part-1"]  # worst first


def test_snapshot_option_stores_the_run(loaded, settings):
    from catalogue.audit.snapshots import AuditSnapshots
    from catalogue.records.store import Store

    result = loaded("audit", "--as-of", AS_OF, "--snapshot")
    assert result.exit_code == 0 and "Stored snapshot 1." in result.stderr
    store = Store(settings.db_url)
    try:
        snaps = AuditSnapshots(store).list()
        assert [(s.id, s.as_of, s.records) for s in snaps] == [(1, AS_OF, 2)]
    finally:
        store.close()


@pytest.mark.parametrize("args, code", [
    (["--fail-under", "42"], 0),  # catalogue weighted completeness 42.9
    (["--fail-under", "42.9"], 0),
    (["--fail-under", "43"], 1),
    (["--publisher", "home-office", "--fail-under", "56.4"], 0),  # 75/133 = 56.4
    (["--publisher", "home-office", "--fail-under", "57"], 1),
    (["--publisher", "department-for-education", "--fail-under", "30"], 1),  # 29.3
    (["--metric", "readiness", "--fail-under", "32.7"], 0),  # (0 + 65.4) / 2
    (["--metric", "readiness", "--fail-under", "33"], 1),
    (["--metric", "quality", "--fail-under", "68.8"], 0),  # (62.5 + 75) / 2 = 68.75, shown as 68.8
])
def test_fail_under_exit_codes(loaded, args, code):
    result = loaded("audit", "--as-of", AS_OF, *args)
    assert result.exit_code == code, result.output
    assert ("FAIL:" if code else "OK:") in result.stderr


def test_empty_catalogue(cli):
    result = cli("audit", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "Whole catalogue: 0 records" in result.stdout and "Weighted completeness: n/a" in result.stdout
    failed = cli("audit", "--fail-under", "1")
    assert failed.exit_code == 1 and "has no records" in failed.stderr


def test_unknown_publisher(loaded):
    result = loaded("audit", "--publisher", "no-such-publisher")
    assert result.exit_code == 1 and "no publisher with the id 'no-such-publisher'" in result.stderr


def test_revalidate_gives_the_same_figures_on_an_unchanged_schema(loaded):
    plain = json.loads(loaded("audit", "--as-of", AS_OF, "--format", "json").stdout)
    again = json.loads(loaded("audit", "--as-of", AS_OF, "--format", "json", "--revalidate").stdout)
    assert plain == again and plain["records"][0]["warnings"] == 13  # the minimal record's 13 warnings
