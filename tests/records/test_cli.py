import json

import pytest
from rdflib import Graph

from catalogue.cli import main


@pytest.fixture
def cli(runner, settings):
    def run(*args, **kw):
        return runner.invoke(main, ["--instance", settings.instance_dir, "--database-url", settings.db_url, *args],
                             catch_exceptions=False, **kw)
    return run


@pytest.fixture
def files(tmp_path, example_record):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(example_record))
    bad = dict(example_record, identifier="bad-one", accessRights="EVERYONE")
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps([example_record, bad]))
    lines = tmp_path / "records.jsonl"
    lines.write_text(json.dumps(example_record) + "\n\n" + json.dumps(dict(example_record, identifier="second")) + "\n")
    return {"good": good, "invalid": invalid, "jsonl": lines}


@pytest.mark.parametrize("command", ["init", "load", "validate", "reindex", "export", "import", "serve"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output) > 200


def test_validate_valid_file(cli, files):
    result = cli("validate", str(files["good"]))
    assert result.exit_code == 0
    assert "record 1 (dfe-national-pupil-database): valid, 0 error(s)" in result.output


def test_validate_invalid_file_exits_1_with_readable_report(cli, files):
    result = cli("validate", str(files["invalid"]))
    assert result.exit_code == 1
    assert "record 2 (bad-one): INVALID, 1 error(s)" in result.output
    assert "$.accessRights: 'EVERYONE' is not an allowed value" in result.output


def test_validate_json_output(cli, files):
    result = cli("validate", "--json", str(files["invalid"]), str(files["jsonl"]))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False
    assert [r["valid"] for r in data["files"][0]["records"]] == [True, False]
    assert data["files"][0]["records"][1]["issues"][0]["path"] == "$.accessRights"
    assert len(data["files"][1]["records"]) == 2


@pytest.mark.parametrize("content, words", [
    (b'{"title": "x",', "invalid JSON at line 1, column 15"),
    (b'{\n  "title": "x"\n  "description": 1}', "invalid JSON at line 3, column 3"),
    (b"\xff\xfe\x00garbage", "not UTF-8 text (bad byte 0xff at byte 0)"),
    (b'"just a string"', "expected a JSON object or a list of objects at the top level, found a string"),
    (b"", "the file is empty"),
    (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
])
def test_unreadable_input_gets_one_line_error(cli, tmp_path, content, words):
    f = tmp_path / "broken.json"
    f.write_bytes(content)
    result = cli("validate", str(f))
    assert result.exit_code == 1
    assert words in result.output
    assert "Traceback" not in result.output
    assert str(f) in result.output


def test_bad_jsonl_line_is_named(cli, tmp_path, example_record):
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps(example_record) + "\n{oops\n")
    result = cli("validate", str(f))
    assert result.exit_code == 1 and "invalid JSON at line 2" in result.output


def test_missing_file_is_a_clear_error(cli, tmp_path):
    result = cli("validate", str(tmp_path / "nope.json"))
    assert result.exit_code == 1 and "cannot read the file" in result.output


def test_load_then_reload_makes_no_duplicates(cli, files, settings):
    first = cli("load", str(files["jsonl"]))
    assert first.exit_code == 0, first.output
    assert "2 created" in first.output
    again = cli("load", str(files["jsonl"]))
    assert "2 unchanged" in again.output
    from catalogue.records.store import Store

    store = Store(settings.db_url)
    assert store.count() == 2 and store.max_seq() == 2
    store.close()


def test_load_rejects_invalid_records_and_exits_1(cli, files):
    result = cli("load", str(files["invalid"]))
    assert result.exit_code == 1
    assert "1 created" in result.output and "1 rejected" in result.output
    assert "Rejected record 2 (bad-one)" in result.output


def test_load_with_unreadable_file_loads_nothing(cli, files, tmp_path, settings):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = cli("load", str(files["good"]), str(broken))
    assert result.exit_code == 1 and "Nothing loaded" in result.output
    from catalogue.records.store import Store

    assert Store(settings.db_url).count() == 0


def test_init_seed_reindex_export_import_round_trip(cli, runner, tmp_path, seed_records):
    result = cli("init", "--seed")
    assert result.exit_code == 0, result.output
    assert f"Ready: {len(seed_records)} published datasets" in result.output
    again = cli("init", "--seed")
    assert f"{len(seed_records)} unchanged" in again.output
    assert cli("reindex").output.startswith(f"Indexed {len(seed_records)} datasets")
    out = tmp_path / "all.ttl"
    assert cli("export", "--format", "ttl", "--output", str(out)).exit_code == 0
    assert len(Graph().parse(out, format="turtle")) > 1000
    # importing the export into a second, empty store gives equal records
    other = tmp_path / "other"
    url = f"sqlite:///{other / 'c.db'}"
    result2 = runner.invoke(main, ["--instance", str(other), "--database-url", url, "import", str(out)])
    assert result2.exit_code == 0, result2.output
    from catalogue.records.store import Store

    store = Store(url)
    imported = {d.id: d.record for d in store.datasets()}
    store.close()
    assert imported == {r["identifier"]: r for r in seed_records}


def test_import_of_broken_rdf_is_a_clear_error(cli, tmp_path):
    f = tmp_path / "broken.ttl"
    f.write_text("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> dcat:title \"x\" ;;; .\n")
    result = cli("import", str(f))
    assert result.exit_code == 1
    assert "broken.ttl" in result.output and "Traceback" not in result.output
