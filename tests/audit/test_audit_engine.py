"""The audit engine against figures worked out by hand (the comments show the arithmetic)."""
import copy
import json
from datetime import date
from pathlib import Path

import pytest

from catalogue.audit.record import audit_record, field_filled, is_stale, issue_field, medallion
from catalogue.audit.config import AuditConfig
from catalogue.audit.summary import bin_counts, run_audit
from catalogue.records.validation import ERROR, Problem, Report

from tests.support.audit_records import MANDATORY, MINIMAL, PARTIAL
from tests.support import paths

AS_OF = date(2024, 6, 30)
REFERENCE = paths.REFERENCE / "quality-scoring"  # unchanged copies, see shacl/README.md

# ---------------------------------------------------------------------------------------------------------------
# A tiny method, so each formula can be checked on a handful of fields.
TINY_SCHEMA = {"type": "object", "properties": {
    "identifier": {"obligation": "mandatory", "type": "string"},
    "title": {"obligation": "mandatory", "type": "string"},
    "summary": {"obligation": "recommended", "type": "string"},
    "owner": {"obligation": "recommended", "type": "object", "properties": {
        "organisation": {"obligation": "mandatory", "type": "string"},
        "team": {"obligation": "optional", "type": "string"}}},
    "variables": {"obligation": "recommended", "type": "array", "items": {"type": "object", "properties": {
        "name": {"obligation": "mandatory", "type": "string"},
        "description": {"obligation": "recommended", "type": "string"},
        "linkageRole": {"obligation": "optional", "type": "string"}}}},
    "keyword": {"obligation": "optional", "type": "array"},
}}
TINY_AUDIT = {
    "headline": "weighted_completeness",
    "completeness": {"obligation_weights": {"mandatory": 3, "recommended": 2, "optional": 1},
                     "field_weights": {"variables[].linkageRole": 3},
                     "list_items": {"mandatory": "all", "recommended": "all", "optional": "any"},
                     "fix_report_min_weight": 2},
    "gaps": [{"id": "no_variables", "label": "No variables", "field": "variables[].name"},
             {"id": "no_linkage_keys", "label": "No linkage keys", "field": "variables[].linkageRole"},
             {"id": "stale", "label": "Stale", "check": "stale"}],
    "staleness": {"grace_days": 0, "period_days": {"freq:annual": 366, "freq:irregular": None}},
    "distribution_bins": [0, 20, 40, 60, 80, 100],
    "hdruk": {"medallions": [{"id": "platinum", "label": "Platinum", "above": 90},
                             {"id": "gold", "label": "Gold", "above": 80},
                             {"id": "silver", "label": "Silver", "above": 70},
                             {"id": "bronze", "label": "Bronze", "above": 60},
                             {"id": "not-rated", "label": "Not rated", "above": None}],
              "fields": [{"field": "summary.title", "weight": 0.4, "ours": ["title"]},
                         {"field": "summary.abstract", "weight": 0.3, "ours": ["summary"]},
                         {"field": "structuralMetadata.columnName", "weight": 0.2, "ours": ["variables[].name"]},
                         {"field": "summary.doiName", "weight": 0.1, "ours": []}]},
    "mqa": {"max_points": 100,
            "ratings": [{"id": "excellent", "label": "Excellent", "min": 80},
                        {"id": "good", "label": "Good", "min": 50},
                        {"id": "sufficient", "label": "Sufficient", "min": 20},
                        {"id": "bad", "label": "Bad", "min": 0}],
            "dimensions": [{"id": "findability", "label": "F"}, {"id": "accessibility", "label": "A"},
                           {"id": "interoperability", "label": "I"}],
            "lists": {"open": ["text/csv"]},
            "indicators": [
                {"id": "keywordAvailability", "dimension": "findability", "points": 30, "check": "filled",
                 "fields": ["keyword"]},
                {"id": "accessUrlStatusCode", "dimension": "accessibility", "points": 50, "check": "link",
                 "scope": "distribution", "fields": ["accessURL"]},
                {"id": "formatMediaTypeNonProprietary", "dimension": "interoperability", "points": 20,
                 "check": "in_list", "list": "open", "scope": "distribution", "fields": ["mediaType"]}]},
}


def fake_validator(record) -> Report:
    """Stands in for schema validation: records may list their own errors under '_errors'."""
    return Report([Problem(path, "made-up", "made-up error", ERROR) for path in record.get("_errors", [])])


@pytest.fixture
def tiny() -> AuditConfig:
    return AuditConfig(_leaves(), TINY_AUDIT, TINY_SCHEMA, fake_validator)


def _leaves():
    from catalogue.audit.config import leaf_fields

    return leaf_fields(TINY_SCHEMA, TINY_AUDIT["completeness"])


T1 = {"identifier": "t1", "title": "One", "owner": {"organisation": "dfe"},
      "variables": [{"name": "a", "description": "A", "linkageRole": "nhs-number"}, {"name": "b"}],
      "updateFrequency": "freq:annual", "modified": "2023-01-01",
      "distribution": [{"mediaType": "text/csv", "accessURL": "http://127.0.0.1:1/a"},
                       {"mediaType": "application/x-foo", "accessURL": "http://127.0.0.1:1/b"}]}
T2 = {"identifier": "t2", "title": "Two", "summary": "S", "keyword": ["k"], "updateFrequency": "freq:irregular",
      "modified": "2000-01-01", "_errors": ["$.title"]}


def test_tiny_method_fields_obligations_and_weights(tiny):
    # owner.organisation is mandatory inside owner, which is recommended: it counts as recommended.
    assert {f.path: (f.obligation, f.weight) for f in tiny.fields} == {
        "identifier": ("mandatory", 3), "title": ("mandatory", 3), "summary": ("recommended", 2),
        "owner.organisation": ("recommended", 2), "owner.team": ("optional", 1),
        "variables[].name": ("recommended", 2), "variables[].description": ("recommended", 2),
        "variables[].linkageRole": ("optional", 3), "keyword": ("optional", 1)}
    assert tiny.total_weight == 19  # 3+3 + 2+2+2+2 + 1+3+1


def test_tiny_record_one(tiny):
    a = audit_record(T1, tiny, AS_OF)
    # filled: identifier, title | owner.organisation, variables[].name (every item) | variables[].linkageRole (any item)
    # missing: summary, variables[].description (item b has none) | owner.team, keyword
    assert a.missing == ["summary", "owner.team", "variables[].description", "keyword"]
    assert a.completeness["mandatory"] == 100.0  # 2/2
    assert a.completeness["recommended"] == 50.0  # 2/4
    assert a.completeness["optional"] == pytest.approx(100 / 3)  # 1/3
    assert a.completeness["all"] == pytest.approx(500 / 9)  # 5/9
    assert a.weighted_completeness == pytest.approx(1300 / 19)  # (3+3+2+2+3)/19 = 68.42
    # HDR UK-style: 3 scored fields (doiName has no equivalent); title and columnName filled.
    h = a.hdruk
    assert (h.filled, h.scored, h.with_errors) == (2, 3, 0)
    assert h.completeness == pytest.approx(200 / 3)  # 2/3
    assert h.weighted_completeness == pytest.approx(100 * 0.6 / 0.9)  # (0.4+0.2)/0.9
    assert h.error_pct == 0
    assert h.quality == pytest.approx((200 / 3 + 100) / 2)  # 83.3
    assert (h.medallion, h.medallion_label) == ("gold", "Gold")  # above 80, not above 90
    # MQA without a link check: the 50-point link indicator is left out of the maximum (30 + 20 = 50).
    # keyword 0; non-proprietary: 1 of 2 distributions is text/csv, so 20 x 1/2 = 10.
    m = a.mqa
    assert (m.points, m.max_points, m.percent) == (10, 50, 20)
    assert m.rating == "sufficient"  # 20% >= 20/100
    assert m.dimensions == {"findability": 0, "accessibility": 0, "interoperability": 10}
    # 2023-01-01 to 2024-06-30 is 546 days, more than annual's 366.
    assert a.gaps == ["stale"]
    assert (a.error_count, a.warning_count) == (0, 0)
    # Fixes: fields weighted 2 or more only; summary adds 2/19 = 10.5 and fills HDR UK abstract: 50 x 1/3 = 16.7.
    assert [(f.field, f.kind, round(f.weighted_completeness_gain, 1), round(f.quality_gain, 1)) for f in a.fixes] == [
        ("summary", "missing", 10.5, 16.7), ("variables[].description", "missing", 10.5, 0.0)]
    assert a.fixes[0].weighted_quality_gain == pytest.approx(50 * 0.3 / 0.9)


def test_tiny_record_one_with_links(tiny):
    links = {T1["distribution"][0]["accessURL"]: {"ok": True, "status": 200},
             T1["distribution"][1]["accessURL"]: {"ok": False, "status": 404}}
    m = audit_record(T1, tiny, AS_OF, links).mqa
    # now the link indicator counts: 50 x 1/2 = 25, plus 10 as before; the maximum is 100.
    assert (m.points, m.max_points, m.percent, m.rating) == (35, 100, 35, "sufficient")
    assert m.indicators["accessUrlStatusCode"] == 25


def test_tiny_record_two_with_an_error(tiny):
    a = audit_record(T2, tiny, AS_OF)
    assert a.completeness["recommended"] == 25.0  # summary only, of 4
    assert a.completeness["optional"] == pytest.approx(100 / 3)  # keyword, of 3
    assert a.weighted_completeness == pytest.approx(900 / 19)  # (3+3+2+1)/19 = 47.37
    h = a.hdruk
    # filled title and abstract (2/3); title has an error (1/3 of fields, 0.4/0.9 of weight)
    assert h.completeness == pytest.approx(200 / 3)
    assert h.error_pct == pytest.approx(100 / 3)
    assert h.weighted_error_pct == pytest.approx(100 * 0.4 / 0.9)
    assert h.quality == pytest.approx((200 / 3 + 100 - 100 / 3) / 2)  # 66.7
    assert h.weighted_quality == pytest.approx((100 * 0.7 / 0.9 + 100 - 100 * 0.4 / 0.9) / 2)  # 66.7
    assert h.medallion == "bronze"
    # keyword 30 of 30 + 20 (no distributions: 0) = 30/50 = 60% -> good (>= 50%)
    assert (a.mqa.points, a.mqa.percent, a.mqa.rating) == (30, 60, "good")
    assert a.gaps == ["no_variables", "no_linkage_keys"]  # irregular updates are never stale
    assert (a.error_count, a.error_fields) == (1, ["title"])
    # the error comes first; fixing it adds 50 x 1/3 to quality; then by gain: linkageRole 3/19 = 15.8 ...
    assert [(f.field, f.kind, round(f.weighted_completeness_gain, 1), round(f.quality_gain, 1)) for f in a.fixes] == [
        ("title", "error", 0.0, 16.7), ("variables[].linkageRole", "missing", 15.8, 0.0),
        ("variables[].name", "missing", 10.5, 16.7), ("owner.organisation", "missing", 10.5, 0.0),
        ("variables[].description", "missing", 10.5, 0.0)]


def test_tiny_run_groups_publishers(tiny):
    run = run_audit([dict(T1, publisher="p1"), dict(T2, publisher="p1")], tiny, AS_OF,
                    publishers={"p1": "Publisher One", "p0": "Publisher Nought"})
    assert [(g.id, g.records) for g in run.publishers] == [("p0", 0), ("p1", 2)]  # sorted by name
    p1, p0 = run.publisher("p1"), run.publisher("p0")
    wc = p1.metrics["weighted_completeness"]
    assert wc.mean == pytest.approx((1300 / 19 + 900 / 19) / 2)  # (68.42 + 47.37) / 2 = 57.9
    assert (wc.min, wc.max) == (pytest.approx(900 / 19), pytest.approx(1300 / 19))
    assert wc.distribution == [0, 0, 1, 1, 0]  # 47.4 in 40-60, 68.4 in 60-80
    assert p1.medallions == {"platinum": 0, "gold": 1, "silver": 0, "bronze": 1, "not-rated": 0}
    assert p1.mqa_ratings == {"excellent": 0, "good": 1, "sufficient": 1, "bad": 0}
    assert p1.gaps == {"no_variables": 1, "no_linkage_keys": 1, "stale": 1}
    assert p1.fields["summary"] == 1 and p1.fill_pct("summary") == 50.0 and p1.fill_pct("identifier") == 100.0
    assert (p1.errors, p1.records_with_errors, p1.warnings) == (1, 1, 0)
    # a publisher with no records: no figures, and no division by zero
    assert p0.mean("weighted_completeness") is None and p0.fill_pct("summary") is None
    assert p0.metrics["quality"].distribution == [0, 0, 0, 0, 0]
    assert run.catalogue.records == 2 and run.catalogue.mean("quality") == pytest.approx(p1.mean("quality"))


def test_empty_run_has_no_figures_and_no_errors(tiny):
    run = run_audit([], tiny, AS_OF)
    assert run.catalogue.records == 0 and run.publishers == []
    assert all(m.mean is None and m.median is None for m in run.catalogue.metrics.values())
    assert run.catalogue.gap_pct("stale") is None
    json.dumps(run.to_dict())  # serialisable as it is


# ---------------------------------------------------------------------------------------------------------------
# The real method (schemas/dataset.schema.json and schemas/audit.json) on two hand-built records
# (tests/audit_records.py: MINIMAL has only the mandatory fields; PARTIAL adds some of the rest).

@pytest.fixture(scope="module")
def real() -> AuditConfig:
    return AuditConfig.load()


def test_real_method_counts(real):
    counts = {ob: sum(1 for f in real.fields if f.obligation == ob) for ob in ("mandatory", "recommended", "optional")}
    assert [f.path for f in real.fields if f.obligation == "mandatory"] == MANDATORY
    assert counts == {"mandatory": 13, "recommended": 30, "optional": 26}  # 69 leaf fields
    # 13x3 + 30x2 + 26x1, plus 4 recommended fields weighted 3 (+1 each) and 2 optional ones weighted 3 (+2 each)
    assert real.total_weight == 39 + 60 + 26 + 4 + 4 == 133
    scored = [f for f in real.hdruk_fields if f.ours]
    # 32 HDR UK fields have an equivalent: 26 weighted 0.0268, 3 weighted 0.0067 and 3 weighted 0
    assert len(scored) == 32
    assert sum(f.weight for f in scored) == pytest.approx(26 * 0.026845638 + 3 * 0.006711409)
    # MQA indicators scored without links: 100 findability + 20 + 60 interoperability + 75 + 15 = 270
    assert sum(i["points"] for i in real.mqa["indicators"] if i["check"] != "link") == 270


def test_minimal_record_real_method(real):
    a = audit_record(MINIMAL, real, AS_OF)
    assert a.completeness == {"mandatory": 100.0, "recommended": 0.0, "optional": 0.0,
                              "all": pytest.approx(100 * 13 / 69)}  # 18.8
    assert a.weighted_completeness == pytest.approx(100 * 39 / 133)  # 29.3
    # no errors; one warning per missing recommended top-level field (13 of them)
    assert (a.error_count, a.warning_count) == (0, 13)
    assert (a.readiness.total, a.readiness.band) == (0, "not-ready")
    # HDR UK: filled identifier, title, contactPoint, publisher.name, description, accrualPeriodicity,
    # dataUseLimitation (licence), resourceCreator (creator): 8 of 32, all weighted 0.0268
    h = a.hdruk
    assert (h.filled, h.scored) == (8, 32)
    assert h.completeness == 25.0
    assert h.weighted_completeness == pytest.approx(100 * 8 * 0.026845638 / (26 * 0.026845638 + 3 * 0.006711409))
    assert round(h.weighted_completeness, 1) == 29.9
    assert h.quality == 62.5 and h.medallion == "bronze"  # (25 + 100) / 2
    assert round(h.weighted_quality, 1) == 65.0  # (29.9 + 100) / 2
    # MQA: licence 20 + known licence (OGL) 10 + access rights 10 + vocabulary 5 + contact 20 + publisher 10
    # + modified 5 = 80 of 270 = 29.6%; Sufficient needs 121/405 = 29.9%, so Bad
    assert (a.mqa.points, a.mqa.max_points) == (80, 270)
    assert a.mqa.rating == "bad"
    assert a.mqa.dimensions == {"findability": 0, "accessibility": 0, "interoperability": 0, "reusability": 75,
                                "contextuality": 5}
    assert a.gaps == ["no_iao_contact", "no_support_inbox", "no_variables", "no_linkage_keys", "no_access_route",
                      "no_legal_gateway", "stale"]


def test_partial_record_real_method(real):
    a = audit_record(PARTIAL, real, AS_OF)
    # recommended filled (13 of 30): summary, keyword, distribution[].title, distribution[].accessURL,
    # informationAssetOwner.role, .email, supportInbox, coverage.temporalStart, coverage.nations,
    # access.routes[].type, .name, variables[].name, variables[].description
    # (distribution[].mediaType and variables[].dataType are missing from one item each, so not filled)
    # optional filled (3 of 26): distribution[].byteSize, variables[].linkageRole, variables[].collectionMethod
    assert a.completeness["recommended"] == pytest.approx(100 * 13 / 30)  # 43.3
    assert a.completeness["optional"] == pytest.approx(100 * 3 / 26)  # 11.5
    assert a.completeness["all"] == pytest.approx(100 * 29 / 69)  # 42.0
    # weight: 39 mandatory + recommended 11x2 + 3x3 (IAO email, inbox, route name) + optional 1 + 3 + 3 = 75
    assert a.weighted_completeness == pytest.approx(100 * 75 / 133)  # 56.4
    # warnings: issued, theme, owner, linkage, provenance; 1 of 2 distributions without mediaType; coverage
    # population and recordCount; access applicationUrl, legalGateways, leadTime; 1 of 2 variables without dataType
    assert (a.error_count, a.warning_count) == (0, 12)
    # readiness: variables 20 x (1 + 1 + 1/2)/3 = 16.7; keys 15; collection 15; coverage 10 x 2/4 = 5;
    # owner and IAO 15 x 3/4 = 11.25 -> 11.2 (rounded half to even); access 10 x 1/4 = 2.5; history 0; standards 0
    assert [c.points for c in a.readiness.components] == [16.7, 15, 15, 5, 11.2, 2.5, 0, 0]
    assert a.readiness.total == 65.4 and a.readiness.band == "partial"
    # HDR UK: 16 of 32 filled (15 weighted 0.0268 and accessService 0.0067)
    h = a.hdruk
    assert (h.filled, h.completeness, h.quality, h.medallion) == (16, 50.0, 75.0, "silver")
    w = 26 * 0.026845638 + 3 * 0.006711409
    assert h.weighted_completeness == pytest.approx(100 * (15 * 0.026845638 + 0.006711409) / w)  # 57.0
    assert round(h.weighted_quality, 1) == 78.5
    # MQA: findability 30 + 20 + 20 = 70; interoperability 10/2 + 10/2 + 20/2 + 20/2 = 30 (1 of 2 text/csv);
    # reusability 75; contextuality byteSize 5/2 + modified 5 = 7.5; total 182.5 of 270 = 67.6% -> Good (>= 54.6%)
    assert (a.mqa.points, a.mqa.percent, a.mqa.rating) == (182.5, pytest.approx(100 * 182.5 / 270), "good")
    assert a.gaps == ["no_legal_gateway"]  # modified 29 days before the as-of date; monthly allows 31
    fixes = {f.field: (round(f.weighted_completeness_gain, 1), round(f.quality_gain, 1)) for f in a.fixes}
    assert fixes["access.legalGateways"] == (2.3, 1.6)  # 3/133; HDR UK dataUseRequirements: 50/32
    assert fixes["owner.organisation"] == (1.5, 1.6)  # 2/133; HDR UK dataController
    assert fixes["linkage.qualityNotes"] == (1.5, 0.0)  # not mapped to HDR UK
    assert "alternativeTitle" not in fixes  # optional, weight 1: left out of the fix list
    assert a.fixes[0].field == "access.legalGateways"  # the only missing field weighted 3


def test_real_validation_error_counts_against_quality(real):
    bad = copy.deepcopy(MINIMAL)
    bad["contactPoint"]["email"] = "not an email"
    a = audit_record(bad, real, AS_OF)
    assert a.error_fields == ["contactPoint.email"]
    # the field is still filled (completeness unchanged) but 1 of 32 HDR UK fields has an error
    assert a.weighted_completeness == pytest.approx(100 * 39 / 133)
    assert a.hdruk.error_pct == pytest.approx(100 / 32)
    assert a.hdruk.quality == pytest.approx((25 + 100 - 100 / 32) / 2)  # 60.9 -> still Bronze
    assert a.fixes[0].kind == "error" and a.fixes[0].field == "contactPoint.email"


def test_catalogue_of_the_two_real_records(real):
    run = run_audit([MINIMAL, PARTIAL], real, AS_OF)
    g = run.catalogue
    assert g.mean("weighted_completeness") == pytest.approx((100 * 39 / 133 + 100 * 75 / 133) / 2)  # 42.9
    assert g.mean("readiness") == pytest.approx((0 + 65.4) / 2)  # 32.7
    assert g.mean("quality") == pytest.approx((62.5 + 75) / 2)  # 68.75
    assert g.metrics["quality"].median == pytest.approx(68.75)
    assert g.fill_pct("supportInbox") == 50.0 and g.fill_pct("licence") == 100.0
    assert g.gaps == {"no_iao_contact": 1, "no_support_inbox": 1, "no_variables": 1, "no_linkage_keys": 1,
                      "no_access_route": 1, "no_legal_gateway": 2, "stale": 1}
    assert [(p.id, p.records) for p in run.publishers] == [("department-for-education", 1), ("home-office", 1)]


def test_same_data_same_figures(real):
    first = run_audit([MINIMAL, PARTIAL], real, AS_OF).to_dict()
    second = run_audit([copy.deepcopy(PARTIAL), copy.deepcopy(MINIMAL)], real, AS_OF).to_dict()
    assert first == second


# ---------------------------------------------------------------------------------------------------------------
# Small rules


@pytest.mark.parametrize("score, band", [(None, "not-rated"), (60.0, "not-rated"), (60.04, "not-rated"),
                                         (60.06, "bronze"), (70.0, "bronze"), (70.1, "silver"), (80.0, "silver"),
                                         (85.0, "gold"), (90.0, "gold"), (90.1, "platinum"), (100.0, "platinum")])
def test_medallion_bounds_are_exclusive_below(real, score, band):
    assert medallion(score, real.raw["hdruk"]["medallions"])["id"] == band


@pytest.mark.parametrize("modified, frequency, stale", [
    ("2024-05-30", "freq:monthly", False),  # 31 days: not more than 31
    ("2024-05-29", "freq:monthly", True),  # 32 days
    ("2023-06-30", "freq:annual", False),  # 366 days
    ("2023-06-29", "freq:annual", True),
    ("1990-01-01", "freq:never", False),
    ("1990-01-01", "freq:irregular", False),
    ("not a date", "freq:daily", True),
    (None, "freq:weekly", True),
    ("2030-01-01", "freq:daily", False),  # in the future: not stale
])
def test_staleness(real, modified, frequency, stale):
    assert is_stale({"modified": modified, "updateFrequency": frequency}, AS_OF, real.raw["staleness"]) is stale


def test_issue_paths_map_to_fields():
    assert issue_field("$.variables[3].dataType") == "variables[].dataType"
    assert issue_field("$.distribution[*].mediaType") == "distribution[].mediaType"
    assert issue_field("$") == ""


def test_list_rules(real):
    desc = real.by_path["variables[].description"]  # recommended: every item
    role = real.by_path["variables[].linkageRole"]  # optional: any item
    two = {"variables": [{"name": "a", "description": "x", "linkageRole": "uprn"}, {"name": "b"}]}
    assert not field_filled(two, desc) and field_filled(two, role)
    assert not field_filled({"variables": []}, desc) and not field_filled({}, role)


def test_bins_put_the_top_value_in_the_last_bin():
    assert bin_counts([0, 19.99, 20, 99.9, 100], [0, 20, 40, 60, 80, 100]) == [2, 1, 0, 0, 2]


def test_config_rejects_unknown_fields():
    raw = copy.deepcopy(TINY_AUDIT)
    raw["completeness"]["field_weights"] = {"nonsense": 3}
    with pytest.raises(ValueError, match="nonsense"):
        AuditConfig.load(TINY_SCHEMA, raw)


# ---------------------------------------------------------------------------------------------------------------
# The data file follows the published reference schemes.


def test_hdruk_weights_and_medallions_match_the_reference(real):
    weights = json.loads((REFERENCE / "weights.v2.json").read_text())
    reference = {name: w for section in weights.values() for name, w in section.items()}
    ours = {f.field: f.weight for f in real.hdruk_fields}
    assert ours == reference  # every HDR UK field is listed, mapped or not, with its published weight
    bands = json.loads((REFERENCE / "medallions.v2.json").read_text())
    assert {m["label"].replace("Not rated", "Not Rated"): m["above"] for m in real.raw["hdruk"]["medallions"]} == {
        name: (b["min excluding"] if b["min excluding"] else None) for name, b in bands.items()}


def test_mqa_points_match_the_reference(real):
    from rdflib import Graph, Namespace

    mqa = Namespace("https://data.norge.no/vocabulary/dcatno-mqa#")
    graph = Graph().parse(REFERENCE / "mqa-default-score-values.ttl", format="turtle")
    reference = {str(s).removeprefix(str(mqa)): int(o) for s, o in graph.subject_objects(mqa.trueScore)}
    ours = {i["id"]: i["points"] for i in real.mqa["indicators"] + real.mqa["not_scored"]}
    assert ours == reference


def test_fills_walk_lists_once_with_the_same_answers(real, seed_records):
    from catalogue.audit.record import record_fills

    for record in seed_records + [MINIMAL, PARTIAL, {"variables": "junk", "distribution": [None, 3]}]:
        assert record_fills(record, real) == {f.path: field_filled(record, f) for f in real.fields}


def test_csv_cells_cannot_run_as_spreadsheet_formulas(real):
    import csv
    import io

    from catalogue.audit.tables import records_table, to_csv, to_text

    hostile = dict(MINIMAL, identifier="evil-1", title="=HYPERLINK(\"http://x\")")
    run = run_audit([hostile, PARTIAL], real, AS_OF)
    rows = list(csv.DictReader(io.StringIO(to_csv(records_table(run)))))
    assert rows[0]["title"] == "'=HYPERLINK(\"http://x\")" and rows[1]["title"] == "Minimal record"
    assert rows[0]["weighted_completeness"] == "29.3"  # numbers are left alone
    assert "evil-1" in to_text(records_table(run))
