"""The audit's method, read from schemas/: leaf fields with their obligations and weights, mappings and tables."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Callable

from catalogue.records.schema import OBLIGATIONS, dataset_schema, field_obligations, load_json
from catalogue.records.validation import Report, validate

RANK = {name: i for i, name in enumerate(OBLIGATIONS)}  # mandatory 0 < recommended 1 < optional 2


@dataclass(frozen=True)
class AuditField:
    path: str  # dotted, with [] for list items: 'variables[].description'
    obligation: str  # effective: the weakest of its own and its parents'
    weight: float
    rule: str  # for fields inside lists: 'all' items or 'any' item
    parts: tuple[tuple[str, bool], ...]  # (name, is a list) per step


@dataclass(frozen=True)
class HdrukField:
    field: str
    section: str
    weight: float
    ours: tuple[str, ...]
    note: str = ""


@dataclass
class AuditConfig:
    """Everything the engine needs. Build with AuditConfig.load(); tests may pass their own dicts."""
    fields: list[AuditField]
    raw: dict
    schema: dict
    validator: Callable[[object], Report] = validate
    # worked out once from the above:
    by_path: dict[str, AuditField] = field(init=False, repr=False)
    by_level: dict[str, list[AuditField]] = field(init=False, repr=False)
    total_weight: float = field(init=False)
    hdruk_fields: list[HdrukField] = field(init=False, repr=False)
    hdruk_scored: list[HdrukField] = field(init=False, repr=False)  # those with an equivalent of ours
    hdruk_weight: float = field(init=False)
    hdruk_by_ours: dict[str, list[HdrukField]] = field(init=False, repr=False)
    list_groups: dict[tuple, list[AuditField]] = field(init=False, repr=False)  # 'a.b[].c' under ('a', 'b')

    def __post_init__(self) -> None:
        self.by_path = {f.path: f for f in self.fields}
        self.by_level = {ob: [f for f in self.fields if f.obligation == ob] for ob in OBLIGATIONS}
        self.total_weight = sum(f.weight for f in self.fields)
        self.hdruk_fields = [HdrukField(f["field"], f.get("section", ""), float(f["weight"]), tuple(f.get("ours", [])),
                                        f.get("note", "")) for f in self.raw["hdruk"]["fields"]]
        self.hdruk_scored = [f for f in self.hdruk_fields if f.ours]
        self.hdruk_weight = sum(f.weight for f in self.hdruk_scored)
        self.list_groups = {}
        for f in self.fields:  # fields one step inside a single list, grouped by the list
            lists = [i for i, (_, lst) in enumerate(f.parts) if lst]
            if len(lists) == 1 and lists[0] == len(f.parts) - 2:
                self.list_groups.setdefault(f.parts[:-1], []).append(f)
        self.hdruk_by_ours = {}
        for f in self.hdruk_scored:
            for ours in f.ours:
                self.hdruk_by_ours.setdefault(ours, []).append(f)
        for path in self.raw["completeness"].get("field_weights", {}):
            if path not in self.by_path:
                raise ValueError(f"audit.json weights an unknown field: {path}")
        for f in self.hdruk_fields:
            for ours in f.ours:
                if ours not in self.by_path:
                    raise ValueError(f"audit.json maps HDR UK {f.field} to an unknown field: {ours}")

    @classmethod
    def load(cls, schema: dict | None = None, raw: dict | None = None,
             validator: Callable[[object], Report] | None = None) -> "AuditConfig":
        schema = schema or dataset_schema()
        raw = raw or load_json("audit.json")
        return cls(leaf_fields(schema, raw["completeness"]), raw, schema, validator or validate)

    @property
    def headline(self) -> str:
        return self.raw.get("headline", "weighted_completeness")

    @property
    def gaps(self) -> list[dict]:
        return self.raw["gaps"]

    @property
    def mqa(self) -> dict:
        return self.raw["mqa"]

    @property
    def bins(self) -> list[float]:
        return self.raw.get("distribution_bins", [0, 20, 40, 60, 80, 100])

    @property
    def fix_min_weight(self) -> float:
        return self.raw["completeness"].get("fix_report_min_weight", 0)

    @property
    def heatmap_fields(self) -> list[str]:
        wanted = self.raw.get("heatmap_fields") or [f.path for f in self.fields]
        return [p for p in wanted if p in self.by_path]

    @property
    def fingerprint(self) -> str:
        """Short hash of the method (schema + audit.json), stored with snapshots to flag method changes."""
        text = json.dumps([self.schema, self.raw], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def split_path(path: str) -> tuple[tuple[str, bool], ...]:
    return tuple((part.removesuffix("[]"), part.endswith("[]")) for part in path.split("."))


def leaf_fields(schema: dict, completeness: dict) -> list[AuditField]:
    """Fields with an obligation and no sub-fields with one, in schema order."""
    own = field_obligations(schema)
    weights, overrides = completeness["obligation_weights"], completeness.get("field_weights", {})
    rules = completeness.get("list_items", {})
    derived = completeness.get("derived_fields", {})  # a structured copy of another field is not counted twice
    out = []
    for path, obligation in own.items():
        if any(other.startswith(path + ".") or other.startswith(path + "[].") for other in own) or path in derived:
            continue
        parts = split_path(path)
        effective = obligation
        for i in range(1, len(parts)):  # parents: 'a', 'a.b', ... in the same notation as field_obligations
            parent = ".".join(n + ("[]" if lst else "") for n, lst in parts[:i])
            parent_ob = own.get(parent) or own.get(parent.removesuffix("[]"))
            if parent_ob and RANK[parent_ob] > RANK[effective]:
                effective = parent_ob
        out.append(AuditField(path, effective, float(overrides.get(path, weights[effective])),
                              rules.get(effective, "all"), parts))
    return out
