"""The access plan, worked by hand on the issue's journey: NPD x a DWP dataset x HES, and smaller cases."""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

import pytest

from catalogue.linkage.index import LinkIndex
from catalogue.linkage.plan import MAX_DATASETS, PlanTooLarge, ROW_FIELDS, build_plan, plan_markdown, plan_rows
from tests.linkage.records import record, save

pytestmark = pytest.mark.postgres

SRS, SDE = "ONS Secure Research Service", "NHS England Secure Data Environment"
DEA = "Digital Economy Act 2017 s.64"


@pytest.fixture
def journey(empty_catalogue):
    """Three datasets that share only date of birth and sex; two in the SRS under DEA s.64, HES in the NHS SDE."""
    save(empty_catalogue,
         record("npd", keys={"pupil-matching-reference": "PMR", "date-of-birth": "DOB", "sex": "SEX"}, tres=[SRS],
                gateways=[DEA], lead_time="3 to 6 months", supportInbox="npd.access@example.org",
                informationAssetOwner={"name": "Ada Fictional", "role": "Deputy Director", "email": "iao.npd@example.org"}),
         record("uc", keys={"national-insurance-number": "NINO", "date-of-birth": "DOB", "sex": "SEX"}, tres=["SRS"],
                gateways=[DEA], lead_time="2 to 4 months", publisher="department-for-work-pensions",
                supportInbox="dwp.access@example.org"),
         record("hes", keys={"nhs-number": "NEWNHSNO", "date-of-birth": "MYDOB", "sex": "SEX"}, tres=[SDE],
                gateways=["Health and Social Care Act 2012 s.261"], lead_time="6 to 9 months",
                publisher="nhs-england", supportInbox="hes.access@example.org",
                informationAssetOwner={"role": "Director of Data", "email": "iao.hes@example.org"}))
    return LinkIndex(empty_catalogue.store)  # NHS England's body type (health) comes from schemas/body-types.json


def test_the_journey_plan(journey):
    plan = build_plan(journey, ["npd", "uc", "hes"], plan_url="https://catalogue.example.org/plan?d=npd,uc,hes")
    assert [(p.a, p.b, p.status) for p in plan.pairs] == [("npd", "uc", "probabilistic"),
                                                          ("npd", "hes", "probabilistic"), ("uc", "hes", "probabilistic")]
    assert plan.pairs[0].key_text == "probabilistic only, on Date of birth, Sex"
    assert plan.isolated == []
    assert any(w.startswith("Probabilistic only: Dataset NPD, Dataset UC and Dataset HES share no person")
               for w in plan.warnings)
    first, second = plan.steps
    assert (first.name, first.datasets, first.support_contact) == (SRS, ["npd", "uc"], "srs.customer.support@ons.gov.uk")
    assert first.text == "Apply once to the ONS Secure Research Service for Dataset NPD and Dataset UC"
    assert second.datasets == ["hes"] and second.text.startswith(f"Apply to the {SDE} for Dataset HES; "
                                                                   f"{DEA} cannot cover Dataset HES")
    [exclusion] = plan.exclusions
    assert (exclusion.gateway.id, exclusion.dataset, exclusion.body_types) == ("dea-2017-s64", "hes", ["health"])
    assert "NHS England has health functions" in exclusion.text

    owners = {c.owner: c for c in plan.contacts}
    assert owners["department-for-education"].iaos == [{"name": "Ada Fictional", "role": "Deputy Director",
                                                        "email": "iao.npd@example.org", "datasets": ["npd"]}]
    assert owners["department-for-work-pensions"].iaos == []
    mail = unquote(owners["nhs-england"].mailto)
    assert mail.startswith("mailto:iao.hes@example.org,hes.access@example.org?subject=")
    assert "- Dataset HES" in mail and "https://catalogue.example.org/plan?d=npd,uc,hes" in mail
    assert [t.environment.id for t in plan.tre_contacts] == ["ons-secure-research-service", "nhs-england-sde"]

    assert plan.timeline.set_by == "hes" and plan.timeline.start_weeks == (26, 39)
    assert plan.timeline.text.startswith("Earliest realistic start: 26 to 39 weeks after applying")
    missing = [(m.dataset, m.message) for m in plan.missing]
    assert ("uc", "No IAO recorded: ask dwp.access@example.org") in missing
    assert not [m for m in missing if m[0] == "npd"]


def test_downloads_carry_the_same_content(journey):
    plan = build_plan(journey, ["npd", "uc", "hes"])
    rows = plan_rows(plan)
    assert [(r["step"], r["dataset_id"]) for r in rows] == [(1, "npd"), (1, "uc"), (2, "hes")]
    assert all(set(r) == set(ROW_FIELDS) for r in rows)
    hes = rows[2]
    assert hes["iao_email"] == "iao.hes@example.org" and "cannot cover Dataset HES" in hes["gateway_exclusions"]
    assert "Dataset NPD: probabilistic only, on Date of birth, Sex" in hes["links_in_plan"]
    out = io.StringIO()
    csv.DictWriter(out, ROW_FIELDS).writerows(rows)  # every value writes as CSV
    text = plan_markdown(plan)
    for needle in (plan.steps[0].text, plan.exclusions[0].text, plan.timeline.text, "iao.npd@example.org",
                   "No IAO recorded: ask dwp.access@example.org", "srs.customer.support@ons.gov.uk"):
        assert needle in text
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["steps"][0]["text"] == plan.steps[0].text and data["gatewayExclusions"][0]["dataset"] == "hes"


def test_direct_key_no_path_and_unknown_ids(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"nhs-number": "NHS"}, tres=["SAIL Databank"]),
         record("b", keys={"nhs-number": "NHS_NO"}, tres=["SAIL Databank"]),
         record("c", keys={"uprn": "UPRN"}),
         record("e", keys={"area-code": "LSOA"}))
    plan = build_plan(LinkIndex(empty_catalogue.store), ["a", "b", "e", "missing", "a"])
    assert plan.requested == ["a", "b", "e", "missing"] and plan.unknown == ["missing"]
    pair = plan.pairs[0]
    assert (pair.a, pair.b, pair.status, pair.key_text) == ("a", "b", "direct", "direct on NHS number")
    assert plan.isolated == ["e"]
    assert "No path: Dataset E shares no linkage key with any other dataset in this plan" in plan.warnings[0]
    assert [s.kind for s in plan.steps] == ["tre", "none"]
    assert plan.steps[0].text == "Apply once to the SAIL Databank for Dataset A and Dataset B"
    assert ("e", "No access route recorded: ask e.data@example.org") in [(m.dataset, m.message) for m in plan.missing]


def test_a_path_through_a_third_dataset(empty_catalogue):
    save(empty_catalogue, record("a", keys={"nhs-number": "N"}),
         record("b", keys={"nhs-number": "N", "uprn": "U"}), record("c", keys={"uprn": "U"}))
    plan = build_plan(LinkIndex(empty_catalogue.store), ["a", "b", "c"])
    ac = next(p for p in plan.pairs if (p.a, p.b) == ("a", "c"))
    assert (ac.status, ac.path) == ("none", ["a", "b", "c"]) and plan.isolated == []


def test_recorded_link_counts_as_a_path_and_already_linked(empty_catalogue):
    save(empty_catalogue, record("a", keys={"pupil-matching-reference": "P"}, linked=["b"]),
         record("b", keys={"nhs-number": "N"}))
    plan = build_plan(LinkIndex(empty_catalogue.store), ["a", "b"])
    assert plan.pairs[0].recorded and plan.isolated == []
    assert "already linked" in plan_markdown(plan)


def test_plan_size_is_capped_and_empty_plans_are_fine(empty_catalogue):
    index = LinkIndex(empty_catalogue.store)
    with pytest.raises(PlanTooLarge) as err:
        build_plan(index, [f"d{i}" for i in range(MAX_DATASETS + 1)])
    assert err.value.code == "plan-too-large"
    plan = build_plan(index, [f"d{i}" for i in range(MAX_DATASETS)])
    assert len(plan.unknown) == MAX_DATASETS and plan.steps == [] and plan_rows(plan) == []
    assert plan_markdown(plan).startswith("# Linkage access plan")
