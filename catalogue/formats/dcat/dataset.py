"""One dataset's triples (a harvested DCAT payload) -> our record, and what the profile does not map.

The harvester (harvesters.dcat) cuts each dataset's part out of a feed as canonical N-Triples; this reads it back with
the profile's graph -> record direction (read.py) and lists the dataset's properties that read.py does not map.
"""
from __future__ import annotations

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDFS

from catalogue.formats.dcat.read import graph_to_records
from catalogue.formats.dcat.vocab import CAT, CDDO, DCAT, DCATAP
from catalogue.formats.rdf_io import RDFError, parse_rdf
from catalogue.formats.result import Mapped, RecordError

TRANSFORM_VERSION = "dcat-2"  # bump when this mapping changes, so harvests map unchanged payloads again
CSVW_TABLE = URIRef("http://www.w3.org/ns/csvw#tableSchema")
# The dataset properties read.py maps (or deliberately reads past); any other is reported as unmapped.
_KNOWN = {RDF.type, RDFS.comment, OWL.versionInfo, PROV.qualifiedAttribution, CDDO.securityClassification, CSVW_TABLE,
          DCATAP.applicableLegislation} | {DCTERMS[t] for t in (
              "identifier", "title", "alternative", "description", "abstract", "publisher", "creator", "accessRights",
              "license", "issued", "modified", "created", "accrualPeriodicity", "relation", "temporal", "spatial",
              "conformsTo", "provenance")} | {DCAT[t] for t in (
                  "contactPoint", "keyword", "theme", "landingPage", "distribution", "version")}
_MULTILINGUAL = (DCTERMS.title, DCTERMS.description, DCAT.keyword)


def from_ntriples(payload) -> Mapped:
    """One dataset's N-Triples -> our record, through the profile's graph -> record direction. Raises RecordError
    unless the payload holds exactly one dcat:Dataset."""
    if not isinstance(payload, str):
        raise RecordError("DCAT payload must be N-Triples text")
    try:
        graph = parse_rdf(payload.encode("utf-8"), fmt="nt", source="payload")
    except RDFError as exc:
        raise RecordError(str(exc)) from None
    return from_graph(graph)


def from_graph(graph: Graph) -> Mapped:
    """The graph of one dataset's payload -> our record (from_ntriples once parsed). Raises RecordError unless it
    holds exactly one dcat:Dataset. Anything that answers objects, value, subjects, predicates and namespace_manager
    as an rdflib graph does will do (the harvester's harvesters.dcat_page.PayloadGraph)."""
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    records = graph_to_records(graph)
    if len(datasets) != 1 or len(records) != 1:
        raise RecordError(f"expected one dcat:Dataset in the payload, found {len(datasets)}")
    ds = datasets[0]
    unmapped = sorted({graph.namespace_manager.normalizeUri(p) for p in graph.predicates(ds, None)
                       if p not in _KNOWN and not str(p).startswith(str(CAT))})
    for p in _MULTILINGUAL:
        langs = sorted({o.language for o in graph.objects(ds, p) if isinstance(o, Literal) and o.language})
        if len(langs) > 1:
            unmapped.append(f"{graph.namespace_manager.normalizeUri(p)} in {', '.join(langs)} "
                            "(English kept; the others are in the raw payload)")
    explicit = any(isinstance(o, Literal) for o in graph.objects(ds, DCTERMS.identifier))
    return Mapped(records[0], unmapped=unmapped, explicit_identifier=explicit)
