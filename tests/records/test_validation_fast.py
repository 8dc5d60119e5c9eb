"""The quick yes of jsonschema-rs never hides a problem: every report equals the one the full jsonschema check gives."""
import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.records import validation
from catalogue.records.validation import validate


def full_report(record) -> dict:
    """The report with the quick checks switched off: jsonschema's iter_errors on every record, under every field."""
    quick, fields = validation._schema_valid, validation._error_fields
    validation._schema_valid, validation._error_fields = (lambda _record: False), (lambda _record: None)
    try:
        return validate(record).to_dict()
    finally:
        validation._schema_valid, validation._error_fields = quick, fields


def shapes(problems) -> list:
    return sorted((p.path, p.code) for p in problems)


def with_value(record: dict, path: str, value) -> dict:
    out = copy.deepcopy(record)
    node, *parts = path.split(".")
    target = out
    for part in [node, *parts][:-1]:
        target = target.setdefault(part, {})
    target[[node, *parts][-1]] = value
    return out


# Values where Rust's regex or format rules and Python's differ, and plain mistakes.
EDGES = [
    ("contactPoint.email", "data\x1c@example.org"),  # Python's \s takes U+001C, Rust's does not
    ("contactPoint.email", "data@example.org\n"),  # Python's $ takes a final newline
    ("contactPoint.email", "no-at-sign.example.org"),
    ("contactPoint.email", "a@b"),
    ("identifier", "abc\n"),
    ("identifier", "Upper-Case"),
    ("modified", "0000-01-01"),  # no year 0 in Python's date
    ("modified", "2021-02-29"),
    ("modified", "2024-02-29"),
    ("modified", "2024-1-01"),
    ("modified", "２０２４-01-01"),  # full-width digits: \d in Python, not a date
    ("coverage.nations", ["England", "England"]),
    ("coverage.nations", ("England",)),  # a tuple is not a JSON array to jsonschema
    ("coverage.recordCount", 1.0),
    ("coverage.recordCount", True),
    ("coverage.recordCount", -1),
    ("coverage.recordCount", 10 ** 30),
    ("keyword", ["linkage", 3]),
    ("title", ""),
    ("title", None),
]


@pytest.mark.parametrize("path,value", EDGES, ids=[f"{p}={v!r}" for p, v in EDGES])
def test_the_quick_check_gives_the_full_report(example_record, path, value):
    record = with_value(example_record, path, value)
    assert validate(record).to_dict() == full_report(record)


def test_the_quick_check_says_yes_to_a_valid_record_and_no_to_an_invalid_one(example_record):
    assert validation._schema_valid(example_record)
    assert not validation._schema_valid(with_value(example_record, "modified", "0000-01-01"))
    assert not validation._schema_valid(with_value(example_record, "contactPoint.email", "data\x1c@example.org"))


def test_the_quick_check_reads_the_same_schema(example_record):
    """A property called "format" or "pattern" is a field name, not a keyword: it stays a property."""
    rs_schema = validation._python_checks({"type": "object", "properties": {"format": {"type": "string"}},
                                           "additionalProperties": False}, {})
    assert rs_schema["properties"] == {"format": {"type": "string"}}


def test_seed_records_give_the_same_reports(seed_records):
    for record in seed_records:
        assert validate(record).to_dict() == full_report(record)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                           max_leaves=8)
FIELDS = ["identifier", "title", "modified", "issued", "keyword", "theme", "publisher", "contactPoint.email",
          "contactPoint.contactName", "coverage.nations", "coverage.temporalStart", "coverage.recordCount",
          "accessRights", "landingPage", "variables", "distribution", "informationAssetOwner", "unknownField"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(FIELDS), json_values | st.sampled_from(
    ["2020-01-01", "2020-13-01", "x@example.org", "https://example.org", "England", "freq:annual", "a-b"])),
    min_size=1, max_size=4))
def test_any_change_gives_the_same_report(example_record, changes):
    record = example_record
    for path, value in changes:
        record = with_value(record, path, value)
    report = validate(record)
    assert report.to_dict() == full_report(record)
    if report.misshapen is not None:  # what save_many reads instead of walking the record again
        assert shapes(report.misshapen) == shapes(validation.misshapen(record))


def test_the_report_carries_the_values_of_the_wrong_type(example_record):
    record = with_value(with_value(example_record, "title", 5), "coverage.recordCount", "many")
    del record["description"]
    report = validate(record)
    assert shapes(report.misshapen) == shapes(validation.misshapen(record)) == [
        ("$.coverage.recordCount", "type"), ("$.title", "type")]
    assert validate(example_record).misshapen == []
