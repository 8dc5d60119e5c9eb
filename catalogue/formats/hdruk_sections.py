"""Readers for parts of an HDR UK dataset document (pure): structural metadata, linkage, related resources, counts,
and the paths no rule reads. Used by catalogue.formats.hdruk."""
from __future__ import annotations

from catalogue.formats import normalise as m

DATA_TYPES = {"string": "string", "varchar": "string", "nvarchar": "string", "char": "string", "text": "string",
              "integer": "integer", "int": "integer", "bigint": "integer", "smallint": "integer", "tinyint": "integer",
              "decimal": "decimal", "numeric": "decimal", "float": "decimal", "double": "decimal", "real": "decimal",
              "number": "decimal", "boolean": "boolean", "bool": "boolean", "bit": "boolean", "date": "date",
              "datetime": "datetime", "datetime2": "datetime", "timestamp": "datetime", "code": "code"}
# Column names that usually hold a linkage key: (name part, our linkageRole). Only guessed when asked to.
LINKAGE_HINTS = [("nhs", "nhs-number"), ("chi", "chi-number"), ("postcode", "postcode"), ("uprn", "uprn"),
                 ("date_of_birth", "date-of-birth"), ("dob", "date-of-birth"), ("birth_date", "date-of-birth")]
# Paths we read (or deliberately ignore because they say nothing our record can hold).
MAPPED = {"identifier", "version", "issued", "modified", "revisions", "summary.title", "summary.abstract",
          "summary.publisher", "summary.dataCustodian", "summary.contactPoint", "summary.keywords",
          "summary.populationSize", "summary.datasetAliases", "summary.doiName", "documentation.description",
          "coverage.spatial", "provenance.origin.collectionSource", "provenance.origin.collectionSituation",
          "provenance.origin.source", "provenance.temporal.startDate", "provenance.temporal.endDate",
          "provenance.temporal.publishingFrequency", "provenance.temporal.accrualPeriodicity",
          "accessibility.access.accessRights", "accessibility.access.accessServiceCategory",
          "accessibility.access.accessService", "accessibility.access.deliveryLeadTime",
          "accessibility.access.dataController", "accessibility.formatAndStandards.conformsTo",
          "enrichmentAndLinkage.linkableDatasets", "enrichmentAndLinkage.qualifiedRelation",
          "enrichmentAndLinkage.derivedFrom", "enrichmentAndLinkage.isPartOf",
          "enrichmentAndLinkage.publicationAboutDataset", "enrichmentAndLinkage.publicationUsingDataset",
          "structuralMetadata", "observations", "@schema", "schemaVersion"}


def get(d, path: str):
    """The value at a dotted path, or None."""
    for part in path.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(part)
    return d


def _empty(v) -> bool:
    if v in (None, "", [], {}):
        return True
    if isinstance(v, dict):
        return all(_empty(x) for x in v.values())
    if isinstance(v, list):
        return all(_empty(x) for x in v)
    return False


def unmapped_paths(d: dict) -> list[str]:
    """Non-empty paths of the document that no rule reads, at the depth where MAPPED names them."""
    out = []

    def walk(node, prefix: str, depth: int) -> None:
        for k, v in node.items():
            path = f"{prefix}{k}"
            if path in MAPPED or _empty(v):
                continue
            if isinstance(v, dict) and depth < 2 and any(x.startswith(path + ".") for x in MAPPED):
                walk(v, path + ".", depth + 1)
            else:
                out.append(path)
    walk(d, "", 0)
    return sorted(out)


def variables(d: dict) -> list[dict]:
    """Our variables from structuralMetadata: 2.1 tables of elements, 3.0 / 4.0 tables of columns."""
    sm = d.get("structuralMetadata")
    if isinstance(sm, dict):  # 3.0 / 4.0: {"tables": [{"name", "columns": [...]}]}
        tables = [(t.get("name"), t.get("columns")) for t in sm.get("tables") or [] if isinstance(t, dict)]
    elif isinstance(sm, list):  # 2.1: [{"name", "elements": [...]}]
        tables = [(t.get("name"), t.get("elements")) for t in sm if isinstance(t, dict)]
    else:
        return []
    out = []
    for table, columns in tables:
        for col in columns or []:
            name = m.text(col.get("name")) if isinstance(col, dict) else None
            if not name:
                continue
            values = [v.get("name") for v in col.get("values") or [] if isinstance(v, dict) and m.text(v.get("name"))]
            dtype = str(col.get("dataType") or "").split("(")[0].strip().lower()
            sens = col.get("sensitive")
            out.append(m.clean({
                "name": f"{table}.{name}" if m.text(table) else name,
                "description": m.text(col.get("description")),
                "dataType": DATA_TYPES.get(dtype),
                "sensitivity": ("personal" if sens else "non-personal") if isinstance(sens, bool) else None,
                "codeList": ", ".join(str(v) for v in values[:50]) if values else None}))
    return out


def linkage_role(variable_name: str) -> str | None:
    """A guessed linkageRole from a column name (CHI, NHS_NUMBER, PATIENT_DOB...), or None."""
    key = variable_name.rsplit(".", 1)[-1].lower()
    for hint, role in LINKAGE_HINTS:
        if hint == key or key.startswith(hint + "_") or key.endswith("_" + hint):
            return role
    return None


def linked(items) -> list[dict]:
    """Linked datasets from a list of {title, pid, url} objects, URLs or titles."""
    out = []
    for it in items if isinstance(items, list) else m.as_list(items):
        if isinstance(it, dict):
            entry = m.clean({"title": m.text(it.get("title")), "identifier": m.text(it.get("pid")),
                             "url": m.url(it.get("url"))})
        elif m.url(it):
            entry = {"url": it}
        elif m.text(it):
            entry = {"title": it}
        else:
            entry = {}
        if entry and entry not in out:
            out.append(entry)
    return out


def related(d: dict) -> list[str]:
    """URLs of source datasets, parent datasets and publications (DOIs as https://doi.org/...)."""
    urls = []
    for key in ("derivedFrom", "isPartOf"):
        urls += [x.get("url") for x in get(d, f"enrichmentAndLinkage.{key}") or [] if isinstance(x, dict)]
    for key in ("publicationAboutDataset", "publicationUsingDataset"):
        for doi in m.as_list(get(d, f"enrichmentAndLinkage.{key}")):
            doi = str(doi).strip()
            urls.append(doi if m.url(doi) else f"https://doi.org/{doi}" if doi.startswith("10.") else None)
    return m.uniq(u for u in urls if m.url(u))


def record_count(d: dict) -> int | None:
    """summary.populationSize, else a COUNT observation."""
    size = get(d, "summary.populationSize")
    if isinstance(size, int) and size >= 0:
        return size
    for ob in d.get("observations") or []:
        if isinstance(ob, dict) and str(ob.get("measuredProperty", "")).lower() == "count" \
                and isinstance(ob.get("measuredValue"), int) and ob["measuredValue"] >= 0:
            return ob["measuredValue"]
    return None
