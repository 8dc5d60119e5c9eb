"""Hostile input gets a clear refusal, never a 500: surrogates, huge numbers, NaN, deep nesting, odd ids."""
import copy
import json

import pytest

from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture

from catalogue.cli import main
from catalogue.records.files import InputError, parse_records
from catalogue.records.validation import validate

pytestmark = pytest.mark.postgres
DFE = "department-for-education"
HUGE = "1" * 4301


def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def record(example_record, **change):
    rec = copy.deepcopy(example_record)
    rec.update(identifier="dfe-hostile", title="A hostile test record")
    rec.update(change)
    return rec


# validation: every write path gets these refusals as report issues

@pytest.mark.parametrize("field", ["summary", "title", "identifier", "description"])
def test_lone_surrogate_is_a_field_issue(example_record, field):
    report = validate(record(example_record, **{field: "bad \ud800 text"}))
    assert not report.valid
    issue = next(i for i in report.errors if i.path == f"$.{field}")
    assert "surrogate" in issue.message
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")  # the report itself is printable


def test_surrogate_in_nested_values_and_keys(example_record):
    rec = record(example_record, keyword=["ok", "\udfff"])
    rec["coverage"]["\ud83d"] = 1
    report = validate(rec)
    paths = {i.path for i in report.errors if "surrogate" in i.message}
    assert "$.keyword[1]" in paths and "$.coverage" in paths
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")


def test_paired_surrogates_as_real_characters_are_fine(example_record):
    assert validate(record(example_record, summary="Emoji are fine: \U0001F600")).valid


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused(example_record, value):
    rec = record(example_record)
    rec["variables"][0]["completeness"] = value
    report = validate(rec)
    assert not report.valid
    assert any(i.path == "$.variables[0].completeness" and "finite" in i.message for i in report.errors)


@pytest.mark.parametrize("value", [10 ** 301, -(10 ** 5000)], ids=["301 digits", "5001 digits"])
def test_huge_integers_are_refused(example_record, value):
    report = validate(record(example_record, identifier=value, coverage={"recordCount": value}))
    assert {"$.identifier", "$.coverage.recordCount"} <= {i.path for i in report.errors if "too large" in i.message}


def test_nul_is_refused(example_record):
    report = validate(record(example_record, title="nul \x00 here"))
    assert any(i.path == "$.title" and "NUL" in i.message for i in report.errors)


# parsing: one place for request bodies, uploads and CLI files

@pytest.mark.parametrize("text, expected", [
    ('{"a": %s}' % HUGE, "line 1, column 7"),
    ('{"a": -%s}' % HUGE, "line 1, column 7"),
    ('{"a": "NaN",\n "b": NaN}', "line 2, column 7"),
    ('{"a": Infinity}', "line 1, column 7"),
    ('{"a": -Infinity}', "line 1, column 7"),
    ('{"a": 1e999}', "line 1, column 7"),
])
def test_parse_refuses_huge_and_non_finite_numbers(text, expected):
    with pytest.raises(InputError) as exc:
        parse_records(text.encode(), "f.json")
    assert expected in str(exc.value) and "f.json" in str(exc.value)


def test_parse_names_the_jsonl_line():
    data = b'{"a": 1}\n{"a": NaN}\n'
    with pytest.raises(InputError, match="line 2"):
        parse_records(data, "f.jsonl")


@pytest.mark.parametrize("depth", [40, 5000])
def test_parse_refuses_deep_nesting(depth):
    with pytest.raises(InputError, match="nested"):
        parse_records(("[" * depth + "]" * depth).encode(), "f.json")


def test_jsonl_keeps_u2028_inside_strings():
    lines = [json.dumps({"title": "one\u2028two\u2029three\x85four"}, ensure_ascii=False) for _ in range(2)]
    values = parse_records("\r\n".join(lines).encode(), "f.jsonl")
    assert [v["title"] for v in values] == ["one\u2028two\u2029three\x85four"] * 2


def test_cli_validate_reports_a_huge_number_plainly(runner, tmp_path):
    bad = tmp_path / "big.json"
    bad.write_text('{"identifier": %s}' % HUGE)
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "ValueError" not in result.output and "digits" in result.output and "line 1" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# the web: a clear 4xx, nothing stored, pages keep working

@pytest.fixture
def client(writable_app):
    return writable_app.test_client()


@pytest.fixture
def auth(writable_app, api_token):
    return {"Authorization": f"Bearer {api_token(writable_app, publisher=DFE)}",
            "Content-Type": "application/json"}


def test_api_refuses_surrogates_with_a_report(client, auth, example_record):
    for field in ("summary", "title", "identifier"):
        body = json.dumps(record(example_record, **{field: "x\ud800y"}))
        resp = client.post("/api/datasets", data=body, headers=auth)
        assert resp.status_code == 422, (field, resp.status_code)
        assert any(i["path"] == f"$.{field}" for i in resp.get_json()["report"]["issues"])
        draft = client.post("/api/datasets?draft=1", data=body, headers=auth)
        assert draft.status_code in (400, 422), (field, draft.status_code)
        dry = client.post("/api/uploads?dry_run=1", data=body, headers=auth)
        assert dry.status_code == 200 and dry.get_json()["blocked"] == 1, (field, dry.status_code)
    for path in ("/publishers/" + DFE, "/publishers/" + DFE + ".json", "/datasets/dfe-hostile",
                 "/search?q=x", "/search.json?q=x"):
        assert client.get(path).status_code in (200, 404), path


@pytest.mark.parametrize("body, words", [
    ('{"identifier": %s}' % HUGE, "digits"),
    ('{"identifier": "a", "coverage": {"recordCount": NaN}}', "NaN"),
    ('{"identifier": "a", "coverage": {"recordCount": Infinity}}', "Infinity"),
    ('{"a":' * 50 + "1" + "}" * 50, "nested"),
    ('{"a":' * 5000 + "1" + "}" * 5000, "nested"),
])
def test_api_write_endpoints_give_400_for_unreadable_json(client, auth, body, words):
    calls = [("post", "/api/datasets"), ("put", "/api/datasets/dfe-national-pupil-database"),
             ("patch", "/api/datasets/dfe-national-pupil-database"), ("post", "/api/uploads"),
             ("post", "/api/datasets/dfe-national-pupil-database/withdraw")]
    for method, path in calls:
        resp = getattr(client, method)(path, data=body, headers=auth)
        assert resp.status_code == 400, (method, path, resp.status_code)
        strict_json(resp.get_data(as_text=True))
    resp = client.post("/api/datasets", data=body, headers=auth)
    assert words in resp.get_json()["error"]


@pytest.mark.parametrize("body", [b'{"reason": "\\ud800"}', b'{"reason": "a\\u0000"}', b'{"reason": "\xff"}'])
def test_withdraw_refuses_unstorable_reasons(client, auth, body):
    resp = client.post("/api/datasets/dfe-national-pupil-database/withdraw", data=body, headers=auth)
    error = resp.get_json()["error"]
    assert resp.status_code == 400 and ("$.reason" in error or "UTF-8" in error), error
    assert client.get("/api/datasets/dfe-national-pupil-database").get_json()["status"] == "published"


def test_nan_never_reaches_the_json_twins(client, auth, example_record):
    rec = record(example_record)
    rec["variables"][0]["completeness"] = float("nan")
    resp = client.post("/api/datasets", data=json.dumps(rec), headers=auth)  # Python writes NaN
    assert resp.status_code == 400
    for path in ("/datasets/dfe-national-pupil-database.json", "/catalogue.jsonld"):
        strict_json(client.get(path).get_data(as_text=True))


@pytest.mark.parametrize("q", ["NOT NOT NOT", "NOT", "AND OR NOT", "(((", "title:", '"', "NOT NOT (NOT"])
def test_any_query_string_gives_a_results_page(search_client, q):
    assert search_client.get("/search", query_string={"q": q}).status_code == 200
    resp = search_client.get("/search.json", query_string={"q": q})
    assert resp.status_code == 200 and "total" in strict_json(resp.get_data(as_text=True))


def test_plain_word_fallback_still_finds_things(search_client):
    resp = search_client.get("/search.json", query_string={"q": "pupil NOT NOT NOT"}).get_json()
    assert resp["total"] > 0 and resp["notice"]


@pytest.mark.parametrize("ref", ["²", "².json", "١٢", "9" * 20, "9" * 20 + ".json", "2147483648", "-1"])
def test_odd_harvest_run_ids_are_404(client, login, ref):
    login(client, role="steward")
    assert client.get(f"/harvest/runs/{ref}").status_code == 404


def test_flagged_saves_still_refuse_unstorable_values(small_catalogue, example_record):
    """Harvest stores invalid records flagged (allow_invalid); never ones with unstorable text or NaN."""
    before = small_catalogue.store.max_seq()
    for change in ({"summary": "bad \ud800"}, {"identifier": "dfe-\udfff"}, {"title": "nul\x00"}):
        result = small_catalogue.save(record(example_record, **change), author="t", route="harvest",
                                      allow_invalid=True)
        assert result.action == "rejected" and not result.report.valid
    rec = record(example_record)
    rec["variables"][0]["completeness"] = float("nan")
    assert small_catalogue.save(rec, author="t", route="harvest", allow_invalid=True).action == "rejected"
    assert small_catalogue.store.max_seq() == before


@pytest.fixture
def harvest_run(writable_app, fake_ckan):
    from tests.support.fake_servers import ckan_package
    from tests.support.harvest_helpers import add_source, run

    cat = writable_app.extensions["catalogue_services"].catalogue
    fake = fake_ckan([ckan_package(0)])
    add_source(cat, "portal", "ckan", fake.url)
    return run(cat, "portal").run.id


def test_harvest_run_page_numbers(writable_app, harvest_run, login):
    client = writable_app.test_client()
    login(client, role="steward")
    for query in ("", "?page=²", "?page=" + "9" * 30, "?page=-1", "?page=%00"):
        assert client.get(f"/harvest/runs/{harvest_run}{query}").status_code == 200, query
        assert client.get(f"/harvest/runs/{harvest_run}.json{query}").status_code == 200, query


def test_cli_load_refuses_nan_and_surrogates(runner, tmp_path, settings, example_record):
    good = record(example_record)
    bad = dict(record(example_record, identifier="dfe-hostile-2", summary="x\ud800"))
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    where = ["--instance", settings.instance_dir, "--database-url", settings.db_url]
    result = runner.invoke(main, [*where, "load", str(path)])
    assert result.exit_code == 1 and "$.summary" in result.output and "surrogate" in result.output
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "x": float("nan")}) + "\n")
    result = runner.invoke(main, [*where, "load", str(path)])
    assert result.exit_code == 1 and "line 2" in result.output and "NaN" in result.output


@pytest.mark.parametrize("path", ["/datasets/a%00b", "/datasets/a%00b.json", "/publishers/%00", "/harvest/sources/%00",
                                  "/datasets/%00/history.json"])
def test_nul_in_an_address_is_404(client, login, path):
    login(client, role="steward")
    assert client.get(path).status_code == 404
    resp = client.put("/api/datasets/a%00b", data="{}", headers={"Content-Type": "application/json"})
    assert resp.status_code == 404
