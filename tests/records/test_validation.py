import copy

import pytest

from catalogue.records.schema import dataset_schema, field_obligations, top_level_fields
from catalogue.records.validation import validate


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
    assert [i.path for i in report.errors] == [f"$.{field}"]
    assert "required" in report.errors[0].message


@pytest.mark.parametrize("field", [f for f, o in top_level_fields().items() if o == "recommended"])
def test_missing_recommended_field_is_a_warning_only(example_record, field):
    del example_record[field]
    report = validate(example_record)
    assert report.valid
    assert [(i.path, i.severity) for i in report.issues] == [(f"$.{field}", "warning")]


def test_obligations_come_from_the_schema_files():
    obligations = field_obligations()
    assert obligations["title"] == "mandatory"
    assert obligations["informationAssetOwner"] == "recommended"
    assert obligations["variables[].linkageRole"] == "optional"
    assert set(dataset_schema()["required"]) == {f for f, o in top_level_fields().items() if o == "mandatory"}


@pytest.mark.parametrize("change, path, words", [
    ({"accessRights": "PUBLIC"}, "$.accessRights", "not an allowed value"),
    ({"modified": "2024-02-30"}, "$.modified", "YYYY-MM-DD"),
    ({"title": 42}, "$.title", "Should be text"),
    ({"creator": []}, "$.creator", "at least 1"),
    ({"publisher": "Department For Education"}, "$.publisher", "expected form"),
    ({"identifier": "Bad Id!"}, "$.identifier", "expected form"),
    ({"colour": "blue"}, "$", "Unknown field(s): colour"),
    ({"coverage": {"nations": ["Mars"]}}, "$.coverage.nations[0]", "England"),
    ({"coverage": {"recordCount": -5}}, "$.coverage.recordCount", "out of range"),
    ({"informationAssetOwner": {"email": "iao@example.org"}}, "$.informationAssetOwner", "role or name"),
    ({"supportInbox": "not-an-email"}, "$.supportInbox", "email"),
])
def test_bad_values_give_path_and_plain_message(example_record, change, path, words):
    example_record.update(change)
    report = validate(example_record)
    assert not report.valid
    matching = [i for i in report.errors if i.path == path]
    assert matching, report.to_dict()
    assert words in matching[0].message


def test_nested_variable_errors_point_at_the_variable(example_record):
    example_record["variables"][3]["linkageRole"] = "passport"
    example_record["variables"][5] = {"label": "no name"}
    paths = {i.path for i in validate(example_record).errors}
    assert paths == {"$.variables[3].linkageRole", "$.variables[5].name"}


def test_coverage_end_before_start_is_an_error(example_record):
    example_record["coverage"]["temporalEnd"] = "2001-01-01"
    assert [i.path for i in validate(example_record).errors] == ["$.coverage.temporalEnd"]


def test_missing_variable_descriptions_are_counted_in_one_warning(example_record):
    for v in example_record["variables"][:4]:
        del v["description"]
    warnings = [i for i in validate(example_record).warnings if "description" in i.path]
    assert len(warnings) == 1
    assert "4 of 12" in warnings[0].message


@pytest.mark.parametrize("value, kind", [([], "a list"), ("x", "text"), (3, "a number"), (None, "null")])
def test_non_object_record_gives_a_report_not_an_exception(value, kind):
    report = validate(value)
    assert not report.valid
    assert report.errors[0].path == "$"
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
