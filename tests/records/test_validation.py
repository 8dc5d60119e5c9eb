import copy

import pytest

from catalogue.records.schema import dataset_schema, field_obligations, top_level_fields
from catalogue.audit.record import stored_report
from catalogue.records.validation import Problem, Report, misshapen, unstorable, validate, with_codes


def test_example_record_is_valid_with_no_warnings(example_record):
    report = validate(example_record)
    assert report.valid, report.to_dict()
    assert report.issues == []


def test_every_seed_record_is_valid(seed_records):
    bad = {r["identifier"]: validate(r).to_dict() for r in seed_records if not validate(r).valid}
    assert bad == {}


@pytest.mark.parametrize("field", [f for f, o in top_level_fields().items() if o == "mandatory"])
def test_missing_mandatory_field_is_an_error(example_record, field):
    del example_record[field]
    report = validate(example_record)
    assert not report.valid
    assert [(i.path, i.code) for i in report.errors] == [(f"$.{field}", "required")]
    assert "required" in report.errors[0].message


@pytest.mark.parametrize("field", [f for f, o in top_level_fields().items() if o == "recommended"])
def test_missing_recommended_field_is_a_warning_only(example_record, field):
    del example_record[field]
    report = validate(example_record)
    assert report.valid
    assert [(i.path, i.code, i.severity) for i in report.issues] == [(f"$.{field}", "recommended-missing", "warning")]


def test_obligations_come_from_the_schema_files():
    obligations = field_obligations()
    assert obligations["title"] == "mandatory"
    assert obligations["informationAssetOwner"] == "recommended"
    assert obligations["variables[].linkageRole"] == "optional"
    assert set(dataset_schema()["required"]) == {f for f, o in top_level_fields().items() if o == "mandatory"}


@pytest.mark.parametrize("change, path, words, code", [
    ({"accessRights": "PUBLIC"}, "$.accessRights", "not an allowed value", "enum"),
    ({"modified": "2024-02-30"}, "$.modified", "YYYY-MM-DD", "format"),
    ({"title": 42}, "$.title", "Should be text", "type"),
    ({"creator": []}, "$.creator", "at least 1", "minItems"),
    ({"publisher": "Department For Education"}, "$.publisher", "expected form", "pattern"),
    ({"identifier": "Bad Id!"}, "$.identifier", "expected form", "pattern"),
    ({"colour": "blue"}, "$", "Unknown field(s): colour", "additionalProperties"),
    ({"coverage": {"nations": ["Mars"]}}, "$.coverage.nations[0]", "England", "enum"),
    ({"coverage": {"recordCount": -5}}, "$.coverage.recordCount", "out of range", "minimum"),
    ({"informationAssetOwner": {"email": "iao@example.org"}}, "$.informationAssetOwner", "role or name", "anyOf"),
    ({"supportInbox": "not-an-email"}, "$.supportInbox", "email", "format"),
])
def test_bad_values_give_path_code_and_plain_message(example_record, change, path, words, code):
    example_record.update(change)
    report = validate(example_record)
    assert not report.valid
    matching = [i for i in report.errors if i.path == path]
    assert matching, report.to_dict()
    assert words in matching[0].message
    assert matching[0].code == code  # the JSON Schema keyword that failed


def test_nested_variable_errors_point_at_the_variable(example_record):
    example_record["variables"][3]["linkageRole"] = "passport"
    example_record["variables"][5] = {"label": "no name"}
    paths = {i.path for i in validate(example_record).errors}
    assert paths == {"$.variables[3].linkageRole", "$.variables[5].name"}


def test_coverage_end_before_start_is_an_error(example_record):
    example_record["coverage"]["temporalEnd"] = "2001-01-01"
    assert [(i.path, i.code) for i in validate(example_record).errors] == [("$.coverage.temporalEnd",
                                                                             "end-before-start")]


def test_missing_variable_descriptions_are_counted_in_one_warning(example_record):
    for v in example_record["variables"][:4]:
        del v["description"]
    warnings = [i for i in validate(example_record).warnings if "description" in i.path]
    assert len(warnings) == 1
    assert "4 of 12" in warnings[0].message
    assert warnings[0].code == "recommended-missing"


@pytest.mark.parametrize("value, kind", [([], "a list"), ("x", "text"), (3, "a number"), (None, "null")])
def test_non_object_record_gives_a_report_not_an_exception(value, kind):
    report = validate(value)
    assert not report.valid
    assert (report.errors[0].path, report.errors[0].code) == ("$", "type")
    assert kind in report.errors[0].message


def test_validation_does_not_change_the_record(example_record):
    before = copy.deepcopy(example_record)
    validate(example_record)
    assert example_record == before


def test_huge_and_odd_values_do_not_raise(example_record):
    example_record["description"] = "x" * 2_000_000
    example_record["keyword"] = [{"nested": [[[]]]}] * 1000
    report = validate(example_record)
    assert not report.valid
    assert all(i.path.startswith("$.keyword[") for i in report.errors)


def test_a_variable_listed_twice_is_a_coded_warning(example_record):
    example_record["variables"].append(copy.deepcopy(example_record["variables"][0]))
    report = validate(example_record)
    assert report.valid
    twice = [i for i in report.warnings if i.code == "duplicate-variable"]
    assert [i.path for i in twice] == [f"$.variables[{len(example_record['variables']) - 1}].name"]


@pytest.mark.parametrize("change, path, code", [
    ({"title": "Pupils \ud800"}, "$.title", "unstorable-text"),
    ({"summary": "a\x00b"}, "$.summary", "unstorable-text"),
    ({"coverage": {"bad\ud800key": 1}}, "$.coverage", "unstorable-text"),
    ({"coverage": {"recordCount": float("nan")}}, "$.coverage.recordCount", "non-finite-number"),
    ({"coverage": {"recordCount": float("inf")}}, "$.coverage.recordCount", "non-finite-number"),
    ({"coverage": {"recordCount": 10 ** 400}}, "$.coverage.recordCount", "number-too-large"),
])
def test_values_no_store_can_hold_have_their_own_codes(example_record, change, path, code):
    example_record.update(change)
    report = validate(example_record)
    assert (path, code) in {(i.path, i.code) for i in report.errors}, report.to_dict()
    assert (path, code) in {(i.path, i.code) for i in unstorable(example_record)}


def test_misshapen_values_carry_the_schema_keyword(example_record):
    example_record["title"] = 42
    example_record["updateFrequency"] = {"code": "monthly"}
    assert {(i.path, i.code) for i in misshapen(example_record)} == {("$.title", "type"), ("$.updateFrequency", "enum")}
    assert [i.code for i in misshapen([])] == ["type"]


def test_every_problem_has_path_code_message_and_severity(example_record):
    del example_record["title"]
    example_record["accessRights"] = "PUBLIC"
    del example_record["owner"]
    issues = validate(example_record).to_dict()["issues"]
    assert len(issues) == 3 and all(list(i) == ["path", "code", "message", "severity"] for i in issues)
    assert all(i["code"] for i in issues)


def test_a_report_round_trips_through_its_stored_form(example_record):
    example_record["accessRights"] = "PUBLIC"
    del example_record["owner"]
    report = validate(example_record)
    assert Report.from_dict(report.to_dict()) == report
    assert stored_report(report.to_dict()).to_dict() == report.to_dict()


def test_a_report_stored_before_codes_still_loads():
    old = {"valid": False, "error_count": 1, "warning_count": 1,
           "issues": [{"path": "$.title", "message": "'title' is required but missing.", "severity": "error"},
                      {"path": "$.owner", "message": "Recommended field 'owner' is missing.", "severity": "warning"}]}
    report = stored_report(old)
    assert report.issues == [Problem("$.title", "", "'title' is required but missing.", "error"),
                             Problem("$.owner", "", "Recommended field 'owner' is missing.", "warning")]
    assert not report.valid and len(report.warnings) == 1
    assert report.to_dict()["issues"][0] == {"path": "$.title", "code": "", "message": old["issues"][0]["message"],
                                             "severity": "error"}
    assert stored_report(None) is None and stored_report({"valid": True}) is None


@pytest.mark.postgres
def test_a_record_whose_report_was_stored_before_codes_still_renders(writable_app, login):
    """Reports in the store from before problems had codes: the dataset page, its twin and the audit still work."""
    from datetime import date

    from sqlalchemy.orm import Session

    from catalogue.audit.service import audit_catalogue
    from catalogue.records.store import DatasetRow

    store = writable_app.extensions["catalogue_services"].catalogue.store
    ds = store.datasets()[0]
    old = {"valid": False, "error_count": 1, "warning_count": 1,
           "issues": [{"path": "$.title", "message": "An old error.", "severity": "error"},
                      {"path": "$.owner", "message": "An old warning.", "severity": "warning"}]}
    with Session(store.engine) as s, s.begin():
        s.get(DatasetRow, ds.id).report = old
    client = writable_app.test_client()
    assert client.get(f"/datasets/{ds.id}").status_code == 200
    twin = client.get(f"/datasets/{ds.id}.json")
    assert twin.status_code == 200
    assert twin.get_json()["validation"]["issues"] == [  # read back in today's shape, the code unknown
        {"path": "$.title", "code": "", "message": "An old error.", "severity": "error"},
        {"path": "$.owner", "code": "", "message": "An old warning.", "severity": "warning"}]
    audited = {a.id: a for a in audit_catalogue(store, date.today()).records}[ds.id]
    assert (audited.to_dict()["errors"], audited.to_dict()["warnings"]) == (1, 1)  # read from the stored report
    login(client, role="steward")
    assert client.get(f"/audit/publishers/{ds.publisher}").status_code == 200
    assert client.get(f"/audit/publishers/{ds.publisher}.json").status_code == 200


def test_with_codes_fills_in_only_what_is_missing(example_record):
    current = validate({**example_record, "accessRights": "PUBLIC"}).to_dict()
    assert with_codes(current) is current  # nothing to do: no copy on the read path
    old = {"valid": True, "issues": [{"path": "$.owner", "message": "m", "severity": "warning"}]}
    assert with_codes(old) == {"valid": True, "issues": [{"path": "$.owner", "code": "", "message": "m",
                                                          "severity": "warning"}]}
    assert "code" not in old["issues"][0]  # the stored value is not changed
    assert with_codes({}) == {} and with_codes(None) is None
