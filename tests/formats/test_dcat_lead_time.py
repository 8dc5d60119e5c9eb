"""access.leadTimeWeeks in the DCAT mapping: cat:leadTimeMinWeeks and cat:leadTimeMaxWeeks on the cat:Access node."""
from __future__ import annotations

import copy

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from catalogue.formats.dcat import CAT, graph_to_records, record_to_graph
from tests.support.app import read_json
from tests.support.paths import SEED

BASE = "https://catalogue.example.org"


@pytest.mark.parametrize("weeks", [{"min": 13, "max": 26}, {"min": 26}, {"min": 0, "max": 0}])
def test_lead_time_weeks_round_trip(weeks):
    record = copy.deepcopy(read_json(SEED / "example-record.json"))
    record["access"]["leadTimeWeeks"] = weeks
    graph = record_to_graph(record, BASE)
    assert (None, CAT.leadTimeMinWeeks, Literal(weeks["min"], datatype=XSD.nonNegativeInteger)) in graph
    assert ((None, CAT.leadTimeMaxWeeks, None) in graph) == ("max" in weeks)
    [back] = graph_to_records(graph)
    assert back["access"]["leadTimeWeeks"] == weeks
    assert back["access"]["leadTime"] == record["access"]["leadTime"]


def test_no_lead_time_weeks_writes_no_triples_and_reads_none():
    record = copy.deepcopy(read_json(SEED / "example-record.json"))
    record["access"].pop("leadTimeWeeks", None)
    graph = record_to_graph(record, BASE)
    assert (None, CAT.leadTimeMinWeeks, None) not in graph
    [back] = graph_to_records(graph)
    assert "leadTimeWeeks" not in back["access"]


def test_a_foreign_minimum_that_is_not_a_whole_number_is_dropped():
    record = copy.deepcopy(read_json(SEED / "example-record.json"))
    record["access"]["leadTimeWeeks"] = {"min": 4, "max": 8}
    graph = record_to_graph(record, BASE)
    node = next(graph.subjects(CAT.leadTimeMinWeeks, None))
    graph.set((node, CAT.leadTimeMinWeeks, Literal("about four")))
    [back] = graph_to_records(graph)
    assert "leadTimeWeeks" not in back["access"]
