"""The readiness score, checked against figures worked out by hand."""
from catalogue.records.schema import readiness_config
from catalogue.records.scoring import band_for, readiness


def minimal(**extra):
    rec = {"identifier": "x", "title": "Minimal", "description": "A minimal record.", "publisher": "p"}
    rec.update(extra)
    return rec


def test_weights_live_in_schemas_and_sum_to_100():
    comps = readiness_config()["components"]
    assert sum(c["weight"] for c in comps) == 100
    assert {c["id"] for c in comps} >= {"variables", "linkage_keys", "linkage_collection", "coverage",
                                         "owner_contact", "access", "linkage_history", "standards"}


def test_exemplary_record_scores_100(example_record):
    score = readiness(example_record)
    assert score.total == 100
    assert score.band == "ready"
    assert all(not c.missing for c in score.components)


def test_empty_record_scores_zero_and_says_what_is_missing():
    score = readiness(minimal())
    assert score.total == 0
    assert score.band == "not-ready"
    by_id = {c.id: c for c in score.components}
    assert "a data dictionary (variables)" in by_id["variables"].missing
    assert "IAO email" in by_id["owner_contact"].missing
    assert by_id["owner_contact"].advice == ("Add owning organisation, IAO role or name, IAO email, "
                                             "support inbox for access questions to gain up to 15 points.")


def test_partial_record_hand_computed():
    # variables: 1 (present) + 1/2 described + 2/2 typed = 2.5/3 of 20 = 16.7
    # linkage keys: yes = 15; collection: 0 of 1 = 0
    # coverage: nations only = 1/4 of 10 = 2.5
    # owner/contact: IAO email and role = 2/4 of 15 = 7.5
    # access: legal gateway only = 1/4 of 10 = 2.5; history 0; standards: codeList only = 1/2 of 5 = 2.5
    rec = minimal(
        variables=[{"name": "NHS_NO", "description": "NHS number", "dataType": "string", "linkageRole": "nhs-number"},
                   {"name": "AGE", "dataType": "integer", "codeList": "years"}],
        coverage={"nations": ["Wales"]},
        informationAssetOwner={"role": "Head of Data", "email": "iao@example.org"},
        access={"legalGateways": ["Health and Social Care Act 2012 s.261"]},
    )
    score = readiness(rec)
    points = {c.id: c.points for c in score.components}
    assert points == {"variables": 16.7, "linkage_keys": 15.0, "linkage_collection": 0.0, "coverage": 2.5,
                      "owner_contact": 7.5, "access": 2.5, "linkage_history": 0.0, "standards": 2.5}
    assert score.total == 46.7
    assert score.band == "limited"
    gains = {c.id: c.gain for c in score.components}
    assert gains["linkage_collection"] == 15.0


def test_band_edges():
    assert band_for(80)["id"] == "ready"
    assert band_for(79.9)["id"] == "partial"
    assert band_for(50)["id"] == "partial"
    assert band_for(24.9)["id"] == "not-ready"


def test_seed_scores_show_a_spread(seed_records):
    bands = {readiness(r).band for r in seed_records}
    assert len(seed_records) < 10 or len(bands) >= 3
