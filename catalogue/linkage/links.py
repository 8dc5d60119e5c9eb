"""Linkable with: the other datasets that share a declared person or address key with one dataset (pure reads).

Only declared linkage roles count, never similar variable names. A TRE's own key (tre-linkage-key) links only
inside the same TRE. Datasets that share only quasi-identifiers (date of birth, sex, name, postcode) are
"probabilistic only" and rank below every direct link. The candidates come from the index's role sets by set
operations; only the `limit` links shown are worked out in detail, so a key held by 100,000 datasets stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.linkage.index import STRONG_KINDS, DatasetFacts, KeyVariable, LinkIndex, Ref
from catalogue.records.clock import utc_now
from catalogue.records.registers import registers, role_kind

TRE_KEY = "tre-linkage-key"
ROUTES = ("already-linked", "same-tre", "new-share")


def role_label(role: str) -> str:
    entry = registers().roles.get(role)
    return entry.name if entry else role


@dataclass
class SharedKey:
    role: str
    kind: str  # person, address or quasi
    this: tuple[KeyVariable, ...]
    other: tuple[KeyVariable, ...]

    @property
    def label(self) -> str:
        return role_label(self.role)

    def to_dict(self) -> dict:
        return {"role": self.role, "label": self.label, "kind": self.kind,
                "this": [v.to_dict() for v in self.this], "other": [v.to_dict() for v in self.other]}


@dataclass
class Coverage:
    nations: list[str]
    years: tuple[int, int] | None  # years in common
    years_known: bool  # False when either side records no start

    def to_dict(self) -> dict:
        return {"nations": self.nations, "years": {"start": self.years[0], "end": self.years[1]} if self.years
                else None, "yearsKnown": self.years_known}

    @property
    def text(self) -> str:
        nations = ", ".join(self.nations) if self.nations else "no nation in common"
        if not self.years_known:
            years = "years not recorded"
        elif self.years is None:
            years = "no years in common"
        else:
            years = f"{self.years[0]}" if self.years[0] == self.years[1] else f"{self.years[0]} to {self.years[1]}"
        return f"{nations}; {years}"


@dataclass
class Link:
    id: str
    title: str
    publisher: str
    strength: str  # "direct" (a person or address key), "probabilistic" (quasi-identifiers only) or "recorded"
    keys: list[SharedKey]
    route: str  # one of ROUTES
    named: bool = False  # already-linked: either record names the other in linkage.linkedDatasets
    via: list[str] = field(default_factory=list)  # already-linked: linked assets in the catalogue that name both
    tres: list[Ref] = field(default_factory=list)  # the TREs both sit in (same-tre)
    gateways: dict[str, list[Ref]] = field(default_factory=dict)  # {"this": [...], "other": [...]} (new-share)
    coverage: Coverage | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "publisher": self.publisher, "strength": self.strength,
                "keys": [k.to_dict() for k in self.keys], "route": self.route, "named": self.named, "via": self.via,
                "tres": [t.to_dict() for t in self.tres],
                "gateways": {side: [g.to_dict() for g in refs] for side, refs in self.gateways.items()},
                "coverage": self.coverage.to_dict() if self.coverage else None}


@dataclass
class Linkable:
    """The first `limit` links of one dataset, best first, with the totals behind them."""

    dataset_id: str
    links: list[Link]
    total: int
    direct: int
    probabilistic: int
    routes: dict[str, int]
    limit: int

    def __iter__(self):
        return iter(self.links)

    def __len__(self) -> int:
        return len(self.links)

    def to_dict(self) -> dict:
        return {"dataset": self.dataset_id, "total": self.total, "direct": self.direct,
                "probabilistic": self.probabilistic, "routes": self.routes, "limit": self.limit,
                "shown": len(self.links), "links": [link.to_dict() for link in self.links]}


def shared_keys(a: DatasetFacts, b: DatasetFacts) -> list[SharedKey]:
    """The declared roles a and b share that can link them: person and address keys first, then quasi-identifiers.
    A TRE linkage key counts only when both sit in the same TRE."""
    out = []
    for role in a.keys.keys() & b.keys.keys():
        kind = role_kind(role)
        if kind not in STRONG_KINDS and kind != "quasi":
            continue
        if role == TRE_KEY and not a.tre_keys & b.tre_keys:
            continue
        out.append(SharedKey(role, kind, a.keys[role], b.keys[role]))
    return sorted(out, key=lambda k: (k.kind == "quasi", k.role))


def coverage_overlap(a: DatasetFacts, b: DatasetFacts, year: int | None = None) -> Coverage:
    nations = [n for n in a.nations if n in b.nations]
    if a.years[0] is None or b.years[0] is None:
        return Coverage(nations, None, False)
    year = year or utc_now().year
    start, end = max(a.years[0], b.years[0]), min(a.years[1] or year, b.years[1] or year)
    return Coverage(nations, (start, end) if start <= end else None, True)


def _holds_key_of(asset: DatasetFacts, source: DatasetFacts) -> bool:
    return any(k.kind in STRONG_KINDS for k in shared_keys(asset, source))


def already_linked(index: LinkIndex, dataset_id: str) -> dict[str, tuple[bool, list[str]]]:
    """Datasets recorded as linked with this one -> (whether either names the other in linkage.linkedDatasets,
    the linked assets in the catalogue that contain both).

    A linked asset contains two datasets when its linkage.linkedDatasets names both and it holds a person or address
    key of each (as LEO holds the NPD's Pupil Matching Reference and DWP's National Insurance number). A record that
    only names two datasets it was once linked with (a census naming two surveys) links neither to the other."""
    me = index.get(dataset_id)
    if me is None:
        return {}
    naming = sorted(index.naming(dataset_id))
    out: dict[str, tuple[bool, list[str]]] = {other: (True, []) for other in (*me.linked, *naming)}
    for asset_id in naming:
        asset = index.get(asset_id)
        if not _holds_key_of(asset, me):
            continue
        for other_id in asset.linked:
            other = index.get(other_id)
            if other is not None and other_id not in (dataset_id, asset_id) and _holds_key_of(asset, other):
                out.setdefault(other_id, (False, []))[1].append(asset_id)
    return {k: v for k, v in out.items() if k != dataset_id and k in index.facts}


def make_link(me: DatasetFacts, other: DatasetFacts, recorded: tuple[bool, list[str]] | None = None) -> Link:
    """The full link between two datasets; `recorded` as already_linked() gives it, None when not recorded."""
    keys = shared_keys(me, other)
    strength = ("direct" if any(k.kind in STRONG_KINDS for k in keys) else "probabilistic" if keys else "recorded")
    common = me.tre_keys & other.tre_keys
    link = Link(other.id, other.title, other.publisher, strength, keys, "new-share",
                coverage=coverage_overlap(me, other))
    if recorded is not None:
        link.route, link.named, link.via = "already-linked", recorded[0], list(recorded[1])
    elif common:
        link.route = "same-tre"
    if common:
        link.tres = [t for t in me.tres if t.key in common]
    if link.route == "new-share":
        link.gateways = {"this": list(me.gateways), "other": list(other.gateways)}
    return link


def _levels(sets: list[int]) -> list[int]:
    """levels[j] = the datasets found in more than j of the bitsets (bit operations only)."""
    levels: list[int] = []
    for members in sets:
        grown = [(levels[0] | members) if levels else members]
        for j in range(1, len(levels) + 1):
            below = levels[j - 1] & members
            grown.append((levels[j] | below) if j < len(levels) else below)
        levels = [g for g in grown if g]
    return levels


def _exact(levels: list[int]) -> list[int]:
    """From 'in more than j sets' to 'in exactly j+1 sets', most first."""
    out = [levels[j] & ~levels[j + 1] if j + 1 < len(levels) else levels[j] for j in range(len(levels))]
    return out[::-1]


def linkable_with(index: LinkIndex, dataset_id: str, limit: int = 20) -> Linkable | None:
    """Other published datasets this one can be linked with, best first (None if it is not published).

    Order: recorded as already linked (direct first); then direct links by the number of person/address keys
    shared, those in the same TRE first, then those sharing a nation; then probabilistic-only links the same way;
    then title. Every step is a bit operation on the index's bitsets; only the links shown are built."""
    limit = max(0, limit)
    with index.lock:
        me = index.get(dataset_id)
        if me is None:
            return None
        recorded = already_linked(index, dataset_id)
        mine = index.bit(dataset_id)
        in_my_tres = in_my_nations = 0
        for key in me.tre_keys:
            in_my_tres |= index.tre_bits(key)
        for nation in me.nations:
            in_my_nations |= index.nation_bits(nation)
        strong, quasi = [], []
        for role in me.keys:
            kind = role_kind(role)
            if kind in STRONG_KINDS:
                strong.append(index.role_bits(role) & in_my_tres if role == TRE_KEY else index.role_bits(role))
            elif kind == "quasi":
                quasi.append(index.role_bits(role))
        strong_levels, quasi_levels = _levels(strong), _levels(quasi)
        direct = (strong_levels[0] if strong_levels else 0) & ~mine
        probable = (quasi_levels[0] if quasi_levels else 0) & ~direct & ~mine
        rec = index.bits_of(recorded)
        found = direct | probable
        same = found & in_my_tres & ~rec
        routes = {"already-linked": rec.bit_count(), "same-tre": same.bit_count(),
                  "new-share": (found & ~rec & ~same).bit_count()}
        tiers = [rec & direct, rec & probable, rec & ~direct & ~probable]
        for level in (*_exact(strong_levels), *_exact(quasi_levels)):
            level &= ~rec & ~mine
            tiers += [level & in_my_tres, level & ~in_my_tres & in_my_nations, level & ~in_my_tres & ~in_my_nations]
        chosen: list[str] = []
        taken = 0
        for tier in tiers:
            if len(chosen) >= limit:
                break
            tier &= ~taken
            picked = index.first(tier, limit - len(chosen))
            chosen += picked
            taken |= index.bits_of(picked)
        links = [make_link(me, index.get(i), recorded.get(i)) for i in chosen]
        return Linkable(dataset_id, links, (found | rec).bit_count(), direct.bit_count(), probable.bit_count(),
                        routes, limit)
