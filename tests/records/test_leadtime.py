"""Lead time in weeks: the free-text parser on the seed's real texts, the structured field, and validation."""
from __future__ import annotations

import copy

import pytest

from catalogue.records.leadtime import describe_weeks, effective_lead_time, parse_lead_time, record_lead_time
from catalogue.records.validation import LEAD_TIME_MIN_ABOVE_MAX, validate
from tests.support.app import SEED_RECORDS, read_json
from tests.support.paths import SEED

# Every distinct access.leadTime text in seed_data/ (months are 52/12 weeks: min rounded down, max rounded up).
SEED_TEXTS = [
    ("3 to 6 months", (13, 26)),
    ("2 to 4 months", (8, 18)),
    ("1.5 to 3 months", (6, 13)),
    ("4 to 8 months, including DWP and HMRC sign-off", (17, 35)),
    ("Immediate after free registration", (0, 0)),
    ("2 weeks (EUL) to 3 months (Special Licence)", (2, 13)),
    ("Immediate", (0, 0)),
    ("6 to 9 months", (26, 39)),
    ("2 to 4 weeks for End User Licence; about 3 months for Secure Access", (2, 13)),
    ("4 to 9 months", (17, 39)),
    ("6 months or more", (26, None)),
    ("4 to 8 months", (17, 35)),
    ("3 to 9 months", (13, 39)),
    ("3 to 6 months, including PBPP review", (13, 26)),
]


@pytest.mark.parametrize("text, weeks", SEED_TEXTS + [
    ("2 weeks", (2, 2)), ("10-12 weeks", (10, 12)), ("up to 12 weeks", (0, 12)), ("within 2 months", (0, 9)),
    ("at least 3 months", (13, None)), ("a year", (52, 52)), ("5 working days", None), ("Varies by request", None),
    ("", None), ("   ", None), (None, None), ("Not known", None), ("3 to 6 MONTHS", (13, 26)),
    # HDR UK Gateway deliveryLeadTime values
    ("LESS 1 WEEK", (0, 1)), ("1-2 WEEKS", (1, 2)), ("2-4 WEEKS", (2, 4)), ("1-2 MONTHS", (4, 9)),
    ("2-6 MONTHS", (8, 26)), ("MORE 6 MONTHS", (26, None)), ("VARIABLE", None), ("NOT APPLICABLE", None),
    ("more than 6 months", (26, None)), ("under 2 weeks", (0, 2)),
])
def test_parse_lead_time(text, weeks):
    assert parse_lead_time(text) == weeks


def test_the_table_covers_every_seed_lead_time_text():
    texts = {r["access"]["leadTime"] for r in SEED_RECORDS if (r.get("access") or {}).get("leadTime")}
    assert texts == {text for text, _ in SEED_TEXTS}


def _record(**access) -> dict:
    record = copy.deepcopy(read_json(SEED / "example-record.json"))
    record["access"].pop("leadTimeWeeks", None)
    record["access"].update(access)
    return record


def test_effective_lead_time_prefers_the_structured_field():
    assert effective_lead_time(_record(leadTime="3 to 6 months", leadTimeWeeks={"min": 4, "max": 8})) == (4, 8)
    assert effective_lead_time(_record(leadTime="3 to 6 months")) == (13, 26)
    assert effective_lead_time(_record(leadTime="6 months or more", leadTimeWeeks={"min": 26})) == (26, None)
    assert effective_lead_time({"title": "no access"}) is None
    assert effective_lead_time({"access": {"leadTime": "whenever"}}) is None


@pytest.mark.parametrize("weeks", [{"min": -1}, {"min": 8, "max": 4}, {"min": "3"}, {"min": True}, [], "13"])
def test_a_malformed_structured_field_is_ignored_and_the_text_is_used(weeks):
    record = _record(leadTime="2 weeks", leadTimeWeeks=weeks)
    assert record_lead_time(record) is None
    assert effective_lead_time(record) == (2, 2)


def test_min_above_max_is_a_problem_not_an_exception():
    report = validate(_record(leadTimeWeeks={"min": 26, "max": 13}))
    [problem] = [p for p in report.errors if p.code == LEAD_TIME_MIN_ABOVE_MAX]
    assert problem.path == "$.access.leadTimeWeeks.max"
    assert "13 weeks" in problem.message and "26 weeks" in problem.message


@pytest.mark.parametrize("weeks", [{"min": 13, "max": 26}, {"min": 26}, {"min": 0, "max": 0}])
def test_a_good_structured_field_is_valid(weeks):
    assert validate(_record(leadTimeWeeks=weeks)).valid


@pytest.mark.parametrize("weeks", [{"max": 4}, {"min": 2.5}, {"min": -1}, {"min": 1, "extra": 2}])
def test_the_schema_refuses_a_malformed_field(weeks):
    assert not validate(_record(leadTimeWeeks=weeks)).valid


@pytest.mark.parametrize("weeks, text", [((13, 26), "13 to 26 weeks"), ((26, None), "26 weeks or more"),
                                         ((0, 0), "No wait"), ((1, 1), "1 week"), ((2, 2), "2 weeks")])
def test_describe_weeks(weeks, text):
    assert describe_weeks(weeks) == text
