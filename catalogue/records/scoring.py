"""Linkage-readiness score: 0-100 from named components. Weights and bands live in schemas/readiness.json."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from catalogue.records.schema import readiness_config
from catalogue.records.values import filled


@dataclass
class Component:
    id: str
    label: str
    weight: float
    points: float
    missing: list[str] = field(default_factory=list)
    advice: str = ""

    @property
    def gain(self) -> float:
        return round(self.weight - self.points, 1)


@dataclass
class Score:
    total: float
    band: str
    band_label: str
    components: list[Component]

    def to_dict(self) -> dict:
        return {"total": self.total, "band": self.band, "band_label": self.band_label,
                "components": [asdict(c) | {"gain": c.gain} for c in self.components]}


def _checks(record: dict) -> dict[str, list[tuple[str, bool]]]:
    """Per component: (thing that counts, present?) pairs. The score is the fraction present."""
    variables = [v for v in record.get("variables") or [] if isinstance(v, dict)]
    cov = record.get("coverage") or {}
    iao = record.get("informationAssetOwner") or {}
    access = record.get("access") or {}
    linkage = record.get("linkage") or {}
    prov = record.get("provenance") or {}
    described = typed = keys = collected = 0  # one pass over the variables (a record may have hundreds)
    coded = False
    for v in variables:
        described += filled(v.get("description"))
        typed += filled(v.get("dataType"))
        if v.get("linkageRole"):
            keys += 1
            collected += filled(v.get("collectionMethod"))
        coded = coded or filled(v.get("codeList"))

    def share(total, done, what):
        if not total:
            return [(what, False)]
        return [(f"{what} ({total - done} of {total} missing)" if done < total else what, done / total)]

    return {
        "variables": [("a data dictionary (variables)", bool(variables))]
        + share(len(variables), described, "variable descriptions")
        + share(len(variables), typed, "variable data types"),
        "linkage_keys": [("variables marked with a linkage role", bool(keys))],
        "linkage_collection": share(keys, collected, "how each linkage variable was collected"),
        "coverage": [("coverage start date", filled(cov.get("temporalStart"))),
                     ("UK nations covered", filled(cov.get("nations"))),
                     ("population described", filled(cov.get("population"))),
                     ("approximate record count", filled(cov.get("recordCount")))],
        "owner_contact": [("owning organisation", filled((record.get("owner") or {}).get("organisation"))),
                          ("IAO role or name", filled(iao.get("role")) or filled(iao.get("name"))),
                          ("IAO email", filled(iao.get("email"))),
                          ("support inbox for access questions", filled(record.get("supportInbox")))],
        "access": [("access route or trusted research environment", filled(access.get("routes"))),
                   ("legal gateway", filled(access.get("legalGateways"))),
                   ("application process URL", filled(access.get("applicationUrl"))),
                   ("typical lead time", filled(access.get("leadTime")))],
        "linkage_history": [("datasets already linked to", filled(linkage.get("linkedDatasets"))),
                            ("linkage method documentation", filled(linkage.get("methodDocumentation"))),
                            ("linkage quality notes", filled(linkage.get("qualityNotes")))],
        "standards": [("data standards followed", filled(prov.get("standards"))),
                      ("code lists or standards for coded variables", coded)],
    }


def band_for(total: float, bands: list[dict] | None = None) -> dict:
    bands = bands or readiness_config()["bands"]
    for band in sorted(bands, key=lambda b: -b["min"]):
        if total >= band["min"]:
            return band
    return bands[-1]


def _points(weight: float, items: list[tuple[str, bool]]) -> float:
    return round(weight * (sum(float(ok) for _, ok in items) / len(items)), 1)


def readiness(record: dict) -> Score:
    """Score one record and explain each component."""
    config = readiness_config()
    checks = _checks(record if isinstance(record, dict) else {})
    components = []
    for comp in config["components"]:
        items = checks[comp["id"]]
        points = _points(comp["weight"], items)
        missing = [what for what, ok in items if float(ok) < 1]
        advice = ""
        if missing:
            advice = f"Add {', '.join(missing)} to gain up to {round(comp['weight'] - points, 1):g} points."
        components.append(Component(comp["id"], comp["label"], comp["weight"], points, missing, advice))
    total = round(sum(c.points for c in components), 1)
    band = band_for(total, config["bands"])
    return Score(total, band["id"], band["label"], components)


def readiness_total(record: dict) -> tuple[float, str]:
    """(total, band id) exactly as readiness() gives them, without the components and advice: what a search
    document needs, at a third of the cost."""
    config = readiness_config()
    checks = _checks(record if isinstance(record, dict) else {})
    total = round(sum(_points(comp["weight"], checks[comp["id"]]) for comp in config["components"]), 1)
    return total, band_for(total, config["bands"])["id"]
