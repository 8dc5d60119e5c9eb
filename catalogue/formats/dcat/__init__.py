"""DCAT-AP 3 profile: a dataset record to an RDF graph and back (ckanext-dcat's graph_from_dataset / parse_dataset).

vocab holds the namespaces and lookup tables, write turns records into a graph, read turns a graph into records.

Vocabulary choices, in short:
- DCAT-AP 3 terms wherever one fits; the CDDO model's own terms where it has them (summary is rdfs:comment,
  securityClassification is the CDDO model's term, telephone is a plain vcard:hasTelephone string).
- Agents are foaf:Agent/foaf:Organization at <base>/publishers/<slug>, with dct:identifier <slug>.
- The IAO and the support inbox are prov:qualifiedAttribution nodes with dcat:hadRole (dcat:contactPoint carries
  no role); the owner is one with the INSPIRE "owner" role, a team an org:OrganizationalUnit of the organisation.
- Variables are CSVW columns (csvw:tableSchema / csvw:column), in order as an rdf:List: W3C's vocabulary for a
  table's columns (name, title, datatype), where DCAT-AP 3 has none and HealthDCAT-AP none yet for variables. A
  column's linkage role is the SKOS concept <base>/vocab/linkage-roles/<id>, its completeness a W3C DQV
  dqv:QualityMeasurement (percent), its collection method a dct:ProvenanceStatement.
- A TRE route and a legal gateway that a register entry names also link to its concept (cat:tre, cat:gateway);
  the text is kept. The concept schemes themselves are catalogue.formats.vocabularies.
- Facts with no published term (access routes, lead time, legal gateways as text, ...) use the CAT namespace.
- RDF has no order for repeated values: where a list is not in the reader's order (sorted, without duplicates) or
  is empty, an rdf:List of the same nodes is added under cat:<field>Order, so the round trip is exact.
"""
from rdflib.namespace import DCTERMS

from catalogue.formats.dcat.read import graph_to_records
from catalogue.formats.dcat.vocab import (ACCESS_RIGHT, ACCESS_RIGHTS, ACTS, CAT, CAT_NS, CDDO, DATATYPES, DCAT, DCATAP, ELI, EU_FREQ, FREQ,
                    GEOGRAPHY, IANA, LANG_ENG, LEGISLATION, LOCN, NATIONS, OWNER_ROLE, PREFIXES, SDO, TIME, VCARD,
                    theme_uri)
from catalogue.formats.dcat.write import catalogue_graph, gateway_iri, new_graph, record_to_graph

__all__ = ["ACCESS_RIGHT", "ACCESS_RIGHTS", "ACTS", "CAT", "CAT_NS", "CDDO", "DATATYPES", "DCAT", "DCATAP", "DCTERMS",
           "ELI", "EU_FREQ", "FREQ", "GEOGRAPHY", "IANA", "LANG_ENG", "LEGISLATION", "LOCN", "NATIONS", "OWNER_ROLE",
           "PREFIXES", "SDO", "TIME", "VCARD", "catalogue_graph", "gateway_iri", "graph_to_records", "new_graph",
           "record_to_graph", "theme_uri"]
