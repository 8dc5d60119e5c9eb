"""Linkable with: hand-worked examples on small catalogues (store + link index)."""
from __future__ import annotations

import pytest

from catalogue.linkage.index import LinkIndex
from catalogue.linkage.links import linkable_with
from tests.linkage.records import record, save

pytestmark = pytest.mark.postgres


def links_of(cat, ident: str, limit: int = 20):
    return linkable_with(LinkIndex(cat.store), ident, limit=limit)


def test_a_direct_person_key_links_and_shows_both_sides(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"nhs-number": "NHS_A"}, completeness=98.5),
         record("b", keys={"nhs-number": "NHS_B"}, completeness=None, method=None),
         record("c", keys={"area-code": "LSOA"}),  # an area code never makes a link
         # a similar name without a declared role: no link
         record("e") | {"variables": [{"name": "NHS_NUMBER", "label": "NHS number"}]})
    found = links_of(empty_catalogue, "a")
    assert [link.id for link in found] == ["b"]
    link = found.links[0]
    assert (link.strength, found.direct, found.probabilistic, found.total) == ("direct", 1, 0, 1)
    [key] = link.keys
    assert key.role == "nhs-number" and key.kind == "person"
    assert [(v.name, v.completeness, v.collection_method) for v in key.this] == [("NHS_A", 98.5,
                                                                                   "Recorded at registration.")]
    assert [(v.name, v.completeness, v.collection_method) for v in key.other] == [("NHS_B", None, "")]
    assert link.to_dict()["keys"][0]["other"][0]["completeness"] is None


def test_same_tre_applies_once_and_names_the_tre(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"uprn": "UPRN"}, tres=["ONS Secure Research Service"], gateways=["Digital Economy Act 2017 s.64"]),
         record("b", keys={"uprn": "uprn"}, tres=["SRS"]),  # the register's alias for the same TRE
         record("c", keys={"uprn": "PROP_REF"}, tres=["SAIL Databank"], gateways=["Census Act 1920"]))
    found = {link.id: link for link in links_of(empty_catalogue, "a")}
    assert found["b"].route == "same-tre"
    assert [(t.id, t.name) for t in found["b"].tres] == [("ons-secure-research-service", "ONS Secure Research Service")]
    assert found["c"].route == "new-share"
    assert [g.id for g in found["c"].gateways["this"]] == ["dea-2017-s64"]
    assert [g.name for g in found["c"].gateways["other"]] == ["Census Act 1920"]
    assert links_of(empty_catalogue, "a").routes == {"already-linked": 0, "same-tre": 1, "new-share": 1}


def test_quasi_identifiers_only_are_probabilistic_and_rank_below_person_keys(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"nhs-number": "NHS", "date-of-birth": "DOB", "sex": "SEX"}),
         record("aa", keys={"date-of-birth": "BIRTH", "sex": "GENDER"}),  # first by title, but weaker
         record("z", keys={"nhs-number": "NHSNO"}))
    found = links_of(empty_catalogue, "a")
    assert [(link.id, link.strength) for link in found] == [("z", "direct"), ("aa", "probabilistic")]
    assert [k.role for k in found.links[1].keys] == ["date-of-birth", "sex"]
    assert (found.direct, found.probabilistic) == (1, 1)


def test_more_shared_keys_rank_first_then_same_tre(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"nhs-number": "NHS", "uprn": "UPRN"}, tres=["SAIL Databank"]),
         record("b", keys={"nhs-number": "NHS"}),
         record("c", keys={"nhs-number": "NHS"}, tres=["SAIL Databank"]),
         record("d", keys={"nhs-number": "NHS", "uprn": "UPRN"}))
    assert [link.id for link in links_of(empty_catalogue, "a")] == ["d", "c", "b"]


def test_a_tre_linkage_key_does_not_cross_environments(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"tre-linkage-key": "ALF_PE"}, tres=["SAIL Databank"]),
         record("b", keys={"tre-linkage-key": "PERSON_KEY"}, tres=["ONS Secure Research Service"]),
         record("c", keys={"tre-linkage-key": "ALF_E"}, tres=["SAIL Databank"]),
         record("d", keys={"tre-linkage-key": "KEY"}))  # no TRE at all
    found = links_of(empty_catalogue, "a")
    assert [(link.id, link.strength, link.route) for link in found] == [("c", "direct", "same-tre")]
    assert links_of(empty_catalogue, "b").total == 0


def test_already_linked_when_a_record_names_the_other(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"pupil-matching-reference": "PMR", "sex": "SEX"}, linked=["b"]),
         record("b", keys={"nhs-number": "NHS", "sex": "SEX"}),
         record("c", keys={"nhs-number": "NHS"}))
    [link] = links_of(empty_catalogue, "a")
    assert (link.id, link.route, link.named, link.via, link.strength) == ("b", "already-linked", True, [],
                                                                          "probabilistic")
    back = {x.id: x for x in links_of(empty_catalogue, "b")}  # the other side sees it too
    assert back["a"].route == "already-linked" and back["c"].route == "new-share"


def test_already_linked_inside_a_linked_asset_that_holds_both_keys(empty_catalogue):
    save(empty_catalogue,
         record("npd", keys={"pupil-matching-reference": "PMR"}),
         record("wpls", keys={"national-insurance-number": "NINO"}),
         record("leo", keys={"pupil-matching-reference": "PMR", "national-insurance-number": "NINO"},
                linked=["npd", "wpls"]),
         # names both, but holds neither key: it only says it was linked with each, not that they were linked
         record("census", keys={"date-of-birth": "DOB"}, linked=["npd", "wpls"]))
    found = {link.id: link for link in links_of(empty_catalogue, "npd")}
    assert found["wpls"].route == "already-linked"
    assert (found["wpls"].via, found["wpls"].named, found["wpls"].strength) == (["leo"], False, "recorded")
    assert found["leo"].named and found["leo"].strength == "direct"
    assert found["census"].named and found["census"].via == []


def test_coverage_overlap_nations_and_years(empty_catalogue):
    save(empty_catalogue,
         record("a", keys={"uprn": "U"}, nations=["England", "Wales"], start="2010-04-01", end="2015-03-31"),
         record("b", keys={"uprn": "U"}, nations=["Wales", "Scotland"], start="2012-01-01"),
         record("c", keys={"uprn": "U"}, nations=["Scotland"], start="2016-01-01"),
         record("d", keys={"uprn": "U"}, start=None))
    found = {link.id: link.coverage for link in links_of(empty_catalogue, "a")}
    assert (found["b"].nations, found["b"].years, found["b"].years_known) == (["Wales"], (2012, 2015), True)
    assert (found["c"].nations, found["c"].years, found["c"].text) == ([], None, "no nation in common; no years in common")
    assert found["d"].years_known is False and found["d"].text == "England; years not recorded"


def test_capped_with_totals_and_ordered_by_title_within_a_tier(empty_catalogue):
    save(empty_catalogue, *[record(f"p{i:02d}", keys={"nhs-number": "NHS"}) for i in range(30)])
    found = links_of(empty_catalogue, "p07", limit=5)
    assert [link.id for link in found] == ["p00", "p01", "p02", "p03", "p04"]
    assert (found.total, found.direct, len(found), found.to_dict()["shown"]) == (29, 29, 5, 5)


def test_unpublished_or_unknown_dataset_has_no_panel(empty_catalogue):
    save(empty_catalogue, record("a", keys={"nhs-number": "N"}), record("b", keys={"nhs-number": "N"}))
    empty_catalogue.withdraw("b", reason="gone", author="test", route="test")
    index = LinkIndex(empty_catalogue.store)
    assert linkable_with(index, "b") is None and linkable_with(index, "nope") is None
    assert linkable_with(index, "a").total == 0
