"""Small valid records for hand-worked linkage examples: record("a", keys={"nhs-number": "NHS_NO"}, tre=...)."""
from __future__ import annotations


def record(ident: str, *, keys: dict[str, str] | None = None, tres: list[str] = (), routes: list[tuple[str, str]] = (),
           gateways: list[str] = (), nations: list[str] = ("England",), start: str | None = "2010-01-01",
           end: str | None = None, linked: list[str] = (), publisher: str = "department-for-education",
           completeness: float | None = 99.0, method: str | None = "Recorded at registration.",
           lead_time: str | None = None, **extra) -> dict:
    """A valid record with one variable per linkage role (name given), TRE routes, gateways and coverage."""
    variables = [{"name": "ID_" + ident.upper(), "label": "Row identifier"}]
    for role, name in (keys or {}).items():
        var = {"name": name, "label": f"{role} of the person", "linkageRole": role}
        if completeness is not None:
            var["completeness"] = completeness
        if method:
            var["collectionMethod"] = method
        variables.append(var)
    rec = {
        "identifier": ident, "title": f"Dataset {ident.upper()}", "summary": f"Test dataset {ident}.",
        "description": f"A hand-made dataset {ident} for the linkage tests.", "publisher": publisher,
        "creator": [publisher], "contactPoint": {"contactName": "Data team", "email": f"{ident}.data@example.org"},
        "accessRights": "INTERNAL", "securityClassification": "OFFICIAL", "licence": "Data sharing agreement",
        "modified": "2025-01-01", "version": "1", "updateFrequency": "freq:annual",
        "coverage": {"nations": list(nations)}, "variables": variables,
    }
    if start:
        rec["coverage"]["temporalStart"] = start
    if end:
        rec["coverage"]["temporalEnd"] = end
    access = {}
    all_routes = [{"type": "tre", "name": t} for t in tres] + [{"type": k, "name": n} for k, n in routes]
    if all_routes:
        access["routes"] = all_routes
    if gateways:
        access["legalGateways"] = list(gateways)
    if lead_time:
        access["leadTime"] = lead_time
    if access:
        rec["access"] = access
    if linked:
        rec["linkage"] = {"linkedDatasets": [{"title": f"Dataset {i.upper()}", "identifier": i} for i in linked]}
    for key, value in extra.items():
        rec[key] = value
    return rec


def save(catalogue, *records: dict) -> None:
    results = catalogue.save_many(list(records), author="test", route="test")
    assert all(r.action in ("created", "updated") for r in results), [r.to_dict() for r in results]
