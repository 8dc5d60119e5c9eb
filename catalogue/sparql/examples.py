"""Worked example queries for the /sparql page (each is tested to return rows on the seed catalogue).

`{base}` in a query is the catalogue's base URL, so concept IRIs (<{base}/vocab/...>) are this instance's.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    description: str
    query: str

    def text(self, base_uri: str) -> str:
        return self.query.replace("{base}", base_uri.rstrip("/"))


EXAMPLES = (
    Example(
        "nhs-number-tres", "Datasets with an NHS-number variable, and where they are held",
        "Variables are CSVW columns in an RDF list; a column's linkage role is a concept of the linkage-roles "
        "vocabulary, and an access route names the trusted research environment (TRE) as a concept of the tres "
        "vocabulary.",
        """SELECT DISTINCT ?dataset ?title ?tre WHERE {
  ?dataset a dcat:Dataset ;
           dct:title ?title ;
           csvw:tableSchema/csvw:column/rdf:rest*/rdf:first ?column .
  ?column cat:linkageRole <{base}/vocab/linkage-roles/nhs-number> .
  OPTIONAL { ?dataset cat:access/cat:route/cat:tre/skos:prefLabel ?tre }
}
ORDER BY ?title"""),
    Example(
        "sail-linkage-keys", "Datasets held in SAIL Databank, with their linkage keys",
        "Which keys each dataset in the SAIL Databank carries, by the label of their linkage role.",
        """SELECT ?title ?variable ?role WHERE {
  ?dataset a dcat:Dataset ;
           dct:title ?title ;
           cat:access/cat:route/cat:tre <{base}/vocab/tres/sail-databank> ;
           csvw:tableSchema/csvw:column/rdf:rest*/rdf:first ?column .
  ?column csvw:name ?variable ;
          cat:linkageRole/skos:prefLabel ?role .
}
ORDER BY ?title ?variable"""),
    Example(
        "no-iao", "Publishers with datasets that have no Information Asset Owner",
        "An Information Asset Owner is a qualified attribution with the role cat:InformationAssetOwner.",
        """SELECT ?publisher (COUNT(?dataset) AS ?datasets_without_iao) WHERE {
  ?dataset a dcat:Dataset ;
           dct:publisher/foaf:name ?publisher .
  FILTER NOT EXISTS {
    ?dataset prov:qualifiedAttribution/dcat:hadRole cat:InformationAssetOwner .
  }
}
GROUP BY ?publisher
ORDER BY DESC(?datasets_without_iao) ?publisher"""),
    Example(
        "per-publisher", "Count datasets per publisher",
        "Every published dataset, counted by the name of its publisher.",
        """SELECT ?publisher (COUNT(?dataset) AS ?datasets) WHERE {
  ?dataset a dcat:Dataset ;
           dct:publisher/foaf:name ?publisher .
}
GROUP BY ?publisher
ORDER BY DESC(?datasets) ?publisher"""),
    Example(
        "gateways", "Legal gateways and the datasets shared under them",
        "A construct query: a small graph linking each dataset to the legislation its access route names.",
        """CONSTRUCT {
  ?dataset dct:title ?title ;
           dcatap:applicableLegislation ?law .
}
WHERE {
  ?dataset a dcat:Dataset ;
           dct:title ?title ;
           dcatap:applicableLegislation ?law .
}"""),
)
