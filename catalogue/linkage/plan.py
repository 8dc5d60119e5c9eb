"""The access plan for a shortlist of datasets (OSR Rec 12's checklist), built from the link index (pure reads).

build_plan(index, ids) -> Plan: the key graph, the steps grouped by environment, the gateways that cannot cover a
dataset, everyone to contact, the timeline and the facts missing per dataset. plan_rows() and plan_markdown() give
the same content as CSV rows and Markdown, so every download says the same thing as the page.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote

from catalogue.errors import CatalogueError
from catalogue.linkage.index import STRONG_KINDS, DatasetFacts, LinkIndex, Ref
from catalogue.linkage.links import SharedKey, already_linked, shared_keys
from catalogue.records.clock import utc_now
from catalogue.records.leadtime import describe_weeks
from catalogue.records.registers import registers, role_kind

MAX_DATASETS = 25
ROUTE_VERBS = {"direct-request": "Request", "api": "Use the API", "open-download": "Download"}


class PlanTooLarge(CatalogueError):
    """More datasets than a plan takes."""

    code = "plan-too-large"


def _names(titles: list[str]) -> str:
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1] if titles else ""


@dataclass
class Pair:
    """How two datasets of the plan link: on a person or address key, probabilistically only, or not at all."""

    a: str
    b: str
    status: str  # "direct", "probabilistic" or "none"
    keys: list[SharedKey]
    recorded: bool = False  # already linked (named in linkage.linkedDatasets or inside a linked asset)
    via: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # for "none": a path through other datasets of the plan

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "status": self.status, "keys": [k.to_dict() for k in self.keys],
                "recorded": self.recorded, "via": self.via, "path": self.path}

    @property
    def key_text(self) -> str:
        """"direct on NHS number", "probabilistic only, on Date of birth, Sex" or "no shared linkage key"."""
        strong = [k.label for k in self.keys if k.kind in STRONG_KINDS]
        if strong:
            return "direct on " + ", ".join(strong)
        if self.keys:
            return "probabilistic only, on " + ", ".join(k.label for k in self.keys)
        return "no shared linkage key"


@dataclass
class Step:
    """One application: an environment (a TRE, another route, or none recorded) and the datasets it covers."""

    number: int
    kind: str  # "tre", "route" or "none"
    name: str
    datasets: list[str]
    text: str
    environment: Ref | None = None
    url: str = ""
    support_contact: str = ""
    gateways: list[Ref] = field(default_factory=list)
    also_in: dict[str, list[str]] = field(default_factory=dict)  # dataset -> other TREs that also hold it
    exclusions: list[str] = field(default_factory=list)  # texts of the gateway exclusions for its datasets

    def to_dict(self) -> dict:
        return {"number": self.number, "kind": self.kind, "name": self.name, "datasets": self.datasets,
                "text": self.text, "environment": self.environment.to_dict() if self.environment else None,
                "url": self.url or None, "supportContact": self.support_contact or None,
                "gateways": [g.to_dict() for g in self.gateways], "alsoIn": self.also_in,
                "exclusions": self.exclusions}


@dataclass
class Exclusion:
    gateway: Ref
    dataset: str
    body: str  # the publisher or owner whose body types the gateway excludes
    body_types: list[str]
    text: str

    def to_dict(self) -> dict:
        return {"gateway": self.gateway.to_dict(), "dataset": self.dataset, "body": self.body,
                "bodyTypes": self.body_types, "text": self.text}


@dataclass
class OwnerContact:
    """Everyone to ask at one owning organisation, and a prefilled email listing their datasets."""

    owner: str
    name: str
    datasets: list[str]
    iaos: list[dict]  # {"name", "role", "email", "datasets"}
    inboxes: list[dict]  # {"email", "datasets"}
    contact_points: list[dict]  # {"name", "email", "datasets"}, used when no IAO or inbox is recorded
    mailto: str

    def to_dict(self) -> dict:
        return {"owner": self.owner, "name": self.name, "datasets": self.datasets, "iaos": self.iaos,
                "inboxes": self.inboxes, "contactPoints": self.contact_points, "mailto": self.mailto or None}


@dataclass
class TreContact:
    environment: Ref
    contact: str  # an email address or a web page, from the TRE register; "" when not public
    datasets: list[str]

    def to_dict(self) -> dict:
        return {"environment": self.environment.to_dict(), "contact": self.contact or None,
                "isEmail": "@" in self.contact and not self.contact.startswith("http"), "datasets": self.datasets}


@dataclass
class Timeline:
    lead_times: dict[str, tuple[int, int | None] | None]  # dataset -> weeks (min, max); max None when open-ended
    start_weeks: tuple[int, int | None] | None  # (largest minimum, largest maximum or None when one is open-ended)
    set_by: str | None  # the dataset with the longest lead time
    unknown: list[str]
    earliest: str | None  # ISO dates: today + start_weeks
    latest: str | None
    text: str

    def to_dict(self) -> dict:
        return {"leadTimes": {k: {"min": v[0], "max": v[1]} if v else None for k, v in self.lead_times.items()},
                "startWeeks": {"min": self.start_weeks[0], "max": self.start_weeks[1]} if self.start_weeks else None,
                "setBy": self.set_by, "unknown": self.unknown, "earliestStart": self.earliest,
                "latestStart": self.latest, "text": self.text}


@dataclass
class Missing:
    dataset: str
    field: str
    message: str
    ask: str  # the email (or text) to ask

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "field": self.field, "message": self.message, "ask": self.ask or None}


@dataclass
class Plan:
    requested: list[str]
    datasets: list[DatasetFacts]
    unknown: list[str]  # requested ids that are not published datasets
    publisher_names: dict[str, str]
    pairs: list[Pair]
    isolated: list[str]
    warnings: list[str]
    steps: list[Step]
    exclusions: list[Exclusion]
    contacts: list[OwnerContact]
    tre_contacts: list[TreContact]
    timeline: Timeline
    missing: list[Missing]

    def title(self, dataset_id: str) -> str:
        found = next((d for d in self.datasets if d.id == dataset_id), None)
        return found.title if found else dataset_id

    def to_dict(self) -> dict:
        return {"requested": self.requested, "unknown": self.unknown,
                "datasets": [{**d.to_dict(), "publisherName": self.publisher_names.get(d.publisher, d.publisher)}
                             for d in self.datasets],
                "keyGraph": {"pairs": [p.to_dict() for p in self.pairs], "isolated": self.isolated},
                "warnings": self.warnings, "steps": [s.to_dict() for s in self.steps],
                "gatewayExclusions": [e.to_dict() for e in self.exclusions],
                "contacts": {"owners": [c.to_dict() for c in self.contacts],
                             "tres": [t.to_dict() for t in self.tre_contacts]},
                "timeline": self.timeline.to_dict(), "missing": [m.to_dict() for m in self.missing]}


def build_plan(index: LinkIndex, ids: list[str], plan_url: str = "") -> Plan:
    """The access plan for up to MAX_DATASETS datasets. Unknown or withdrawn ids are listed in `unknown`.

    `plan_url` (the plan's permalink) goes into each prefilled email."""
    requested = list(dict.fromkeys(i for i in ids if isinstance(i, str) and i))
    if len(requested) > MAX_DATASETS:
        raise PlanTooLarge(f"A plan takes at most {MAX_DATASETS} datasets; {len(requested)} were given.")
    with index.lock:
        datasets = [index.get(i) for i in requested if index.get(i) is not None]
        unknown = [i for i in requested if index.get(i) is None]
        recorded = {d.id: already_linked(index, d.id) for d in datasets}
        names = {p: index.publisher_name(p) for d in datasets for p in (d.publisher, d.owner) if p}
        body_types = {p: index.body_types(p) for p in names}
    pairs = _pairs(datasets, recorded)
    isolated, warnings = _warnings(datasets, pairs)
    exclusions = _exclusions(datasets, names, body_types)
    steps = _steps(datasets, exclusions)
    warnings += _environment_warnings(steps, datasets)
    missing = _missing(datasets, steps, names)
    return Plan(requested, datasets, unknown, names, pairs, isolated, warnings, steps, exclusions,
                _contacts(datasets, names, plan_url), _tre_contacts(steps), _timeline(datasets), missing)


# the key graph
def _pairs(datasets: list[DatasetFacts], recorded: dict) -> list[Pair]:
    pairs = []
    for i, a in enumerate(datasets):
        for b in datasets[i + 1:]:
            keys = shared_keys(a, b)
            status = ("direct" if any(k.kind in STRONG_KINDS for k in keys) else "probabilistic" if keys else "none")
            rec = recorded[a.id].get(b.id)
            pairs.append(Pair(a.id, b.id, status, keys, rec is not None, list(rec[1]) if rec else []))
    edges: dict[str, set[str]] = {d.id: set() for d in datasets}
    for p in pairs:
        if p.status != "none" or p.recorded:
            edges[p.a].add(p.b)
            edges[p.b].add(p.a)
    for p in pairs:
        if p.status == "none" and not p.recorded:
            p.path = _path(edges, p.a, p.b)
    return pairs


def _path(edges: dict[str, set[str]], start: str, goal: str) -> list[str]:
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for nxt in sorted(edges[node]):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return []


def _warnings(datasets: list[DatasetFacts], pairs: list[Pair]) -> tuple[list[str], list[str]]:
    if len(datasets) < 2:
        return [], []
    linked = {d.id: False for d in datasets}
    strong = {d.id: False for d in datasets}
    for p in pairs:
        if p.status != "none" or p.recorded:
            linked[p.a] = linked[p.b] = True
        if p.status == "direct" or p.recorded:
            strong[p.a] = strong[p.b] = True
    titles = {d.id: d.title for d in datasets}
    isolated = [i for i, ok in linked.items() if not ok]
    warnings = [f"No path: {titles[i]} shares no linkage key with any other dataset in this plan, and no record "
                f"says it has been linked with one." for i in isolated]
    weak = [i for i in linked if linked[i] and not strong[i]]
    if weak:
        verb = "shares" if len(weak) == 1 else "share"
        warnings.append(f"Probabilistic only: {_names([titles[i] for i in weak])} {verb} no person or address key "
                        f"with the others, only quasi-identifiers such as date of birth and sex.")
    return isolated, warnings


# steps by environment
def _steps(datasets: list[DatasetFacts], exclusions: list[Exclusion]) -> list[Step]:
    """Fewest applications first: the TRE holding most of the remaining datasets, then the next (greedy)."""
    steps: list[Step] = []
    titles = {d.id: d.title for d in datasets}
    remaining = [d for d in datasets if d.tres]
    while remaining:
        counts: dict[str, list[DatasetFacts]] = {}
        refs: dict[str, Ref] = {}
        for d in remaining:
            for t in d.tres:
                counts.setdefault(t.key, []).append(d)
                refs.setdefault(t.key, t)
        key = max(counts, key=lambda k: (len(counts[k]), k.startswith("text:") is False, -list(refs).index(k)))
        group = counts[key]
        ref = refs[key]
        entry = registers().tres.get(ref.id) if ref.id else None
        once = "Apply once to" if len(group) > 1 else "Apply to"
        step = Step(len(steps) + 1, "tre", ref.name, [d.id for d in group],
                    f"{once} the {ref.name} for {_names([d.title for d in group])}", environment=ref,
                    url=(entry.data.get("url") or "") if entry else "",
                    support_contact=(entry.data.get("supportContact") or "") if entry else "",
                    gateways=list(dict.fromkeys(g for d in group for g in d.gateways)),
                    also_in={d.id: [t.name for t in d.tres if t.key != key] for d in group
                             if any(t.key != key for t in d.tres)})
        steps.append(step)
        remaining = [d for d in remaining if d not in group]
    by_route: dict[tuple[str, str], list[DatasetFacts]] = {}
    for d in datasets:
        if not d.tres and d.routes:
            by_route.setdefault(d.routes[0], []).append(d)
    for (kind, name), group in by_route.items():
        verb = ROUTE_VERBS.get(kind, "Apply through")
        steps.append(Step(len(steps) + 1, "route", name, [d.id for d in group],
                          f"{verb} {_names([d.title for d in group])} through {name}",
                          gateways=list(dict.fromkeys(g for d in group for g in d.gateways))))
    for d in datasets:
        if not d.tres and not d.routes:
            steps.append(Step(len(steps) + 1, "none", "No access route recorded", [d.id],
                              f"Ask how to get {d.title}: no access route is recorded", gateways=list(d.gateways)))
    for step in steps:
        step.exclusions = [e.text for e in exclusions if e.dataset in step.datasets]
        if step.exclusions:
            step.text += "; " + "; ".join(f"{e.gateway.name} cannot cover {titles[e.dataset]}"
                                          for e in exclusions if e.dataset in step.datasets)
    return steps


def _environment_warnings(steps: list[Step], datasets: list[DatasetFacts]) -> list[str]:
    places = [s for s in steps if s.datasets]
    if len(datasets) > 1 and len(places) > 1:
        return [f"The datasets sit in {len(places)} different environments: linking across them needs a new share "
                f"(each dataset's legal gateways are listed with its step)."]
    return []


def _exclusions(datasets: list[DatasetFacts], names: dict[str, str], body_types: dict[str, set[str]]) \
        -> list[Exclusion]:
    """A gateway named by any dataset of the plan that excludes the body types of a dataset's publisher or owner."""
    gateways = registers().gateways
    named = list(dict.fromkeys(g for d in datasets for g in d.gateways if g.id))
    out = []
    for ref in named:
        entry = gateways.get(ref.id)
        excluded = set(entry.data.get("excludedBodyTypes") or []) if entry else set()
        if not excluded:
            continue
        short = entry.data.get("shortTitle") or entry.name
        for d in datasets:
            for body in dict.fromkeys(b for b in (d.publisher, d.owner) if b):
                hit = sorted(body_types.get(body, set()) & excluded)
                if hit:
                    kinds = " and ".join(t.replace("-", " ") for t in hit)
                    why = f" ({entry.data['excludes']})" if entry.data.get("excludes") else ""
                    out.append(Exclusion(Ref(ref.id, short), d.id, body, hit,
                                         f"{short} cannot cover {d.title}: {names.get(body, body)} has {kinds} "
                                         f"functions{why}."))
                    break
    return out


# people
def _ask(d: DatasetFacts) -> str:
    return d.support_inbox or d.iao.get("email") or d.contact.get("email") or ""


def _contacts(datasets: list[DatasetFacts], names: dict[str, str], plan_url: str) -> list[OwnerContact]:
    owners: dict[str, list[DatasetFacts]] = {}
    for d in datasets:
        owners.setdefault(d.owner or d.publisher, []).append(d)
    out = []
    for owner, group in owners.items():
        iaos: dict[tuple, dict] = {}
        inboxes: dict[str, dict] = {}
        points: dict[tuple, dict] = {}
        for d in group:
            if d.iao:
                key = (d.iao.get("name", ""), d.iao.get("role", ""), d.iao.get("email", ""))
                iaos.setdefault(key, {"name": key[0] or None, "role": key[1] or None, "email": key[2] or None,
                                      "datasets": []})["datasets"].append(d.id)
            if d.support_inbox:
                inboxes.setdefault(d.support_inbox, {"email": d.support_inbox, "datasets": []})["datasets"].append(d.id)
            if d.contact and not d.iao and not d.support_inbox:
                key = (d.contact.get("name", ""), d.contact.get("email", ""))
                points.setdefault(key, {"name": key[0] or None, "email": key[1] or None,
                                        "datasets": []})["datasets"].append(d.id)
        emails = list(dict.fromkeys(e for e in [*(i["email"] for i in iaos.values()), *inboxes,
                                                *(p["email"] for p in points.values())] if e))
        out.append(OwnerContact(owner, names.get(owner, owner), [d.id for d in group], list(iaos.values()),
                                list(inboxes.values()), list(points.values()),
                                _mailto(emails, [d.title for d in group], plan_url)))
    return out


def _mailto(emails: list[str], titles: list[str], plan_url: str) -> str:
    if not emails:
        return ""
    lines = ["Hello,", "", "We are planning a research project that would link these datasets of yours:", ""]
    lines += [f"- {t}" for t in titles]
    lines += ["", "Could you tell us who to involve at the start, and anything we should know about access?"]
    if plan_url:
        lines += ["", f"Our access plan: {plan_url}"]
    subject = "Data linkage project: " + (titles[0] if len(titles) == 1 else f"{len(titles)} of your datasets")
    return ("mailto:" + ",".join(quote(e, safe="@") for e in emails) + "?subject=" + quote(subject, safe="")
            + "&body=" + quote("\n".join(lines), safe=""))


def _tre_contacts(steps: list[Step]) -> list[TreContact]:
    return [TreContact(s.environment, s.support_contact, s.datasets) for s in steps if s.kind == "tre"]


def _timeline(datasets: list[DatasetFacts]) -> Timeline:
    """The longest lead time sets the earliest realistic start: the largest minimum, and the largest maximum."""
    times = {d.id: d.lead_time for d in datasets}
    known = {k: v for k, v in times.items() if v}
    unknown = [k for k, v in times.items() if not v]
    titles = {d.id: d.title for d in datasets}
    if not known:
        text = "No lead time is recorded for any dataset in this plan." if datasets else ""
        return Timeline(times, None, None, unknown, None, None, text)
    endless = float("inf")
    set_by = max(known, key=lambda k: (endless if known[k][1] is None else known[k][1], known[k][0]))
    low = max(v[0] for v in known.values())
    high = None if any(v[1] is None for v in known.values()) else max(max(v[1] for v in known.values()), low)
    today = utc_now().date()
    earliest = today + timedelta(weeks=low)
    latest = today + timedelta(weeks=high) if high is not None else None
    when = earliest.isoformat() + (f" to {latest.isoformat()}" if latest and latest != earliest else
                                   " or later" if latest is None else "")
    text = f"Earliest realistic start: {describe_weeks((low, high))} after applying (about {when}), set by " \
           f"{titles[set_by]}."
    if unknown:
        text += f" No lead time is recorded for {_names([titles[u] for u in unknown])}, so it may be later."
    return Timeline(times, (low, high), set_by, unknown, earliest.isoformat(),
                    latest.isoformat() if latest else None, text)


def _missing(datasets: list[DatasetFacts], steps: list[Step], names: dict[str, str]) -> list[Missing]:
    out = []
    for d in datasets:
        ask, publisher = _ask(d), names.get(d.publisher, d.publisher)

        def add(name: str, message: str, to: str | None = None) -> None:
            to = ask if to is None else to
            whom = to or f"{publisher} (no contact is recorded)"
            out.append(Missing(d.id, name, f"{message}: ask {whom}", to))

        if not d.iao:
            add("informationAssetOwner", "No IAO recorded")
        if not d.support_inbox:
            add("supportInbox", "No support inbox recorded", d.iao.get("email") or d.contact.get("email") or "")
        if not d.tres and not d.routes:
            add("access.routes", "No access route recorded")
        for t in d.tres:
            if t.id is None:
                add("access.routes", f"'{t.name}' is not in the TRE register, so its contact and key are unknown")
        if not d.gateways:
            add("access.legalGateways", "No legal gateway recorded")
        if not d.lead_time:
            add("access.leadTime", "No lead time recorded" if not d.lead_time_text
                else f"Lead time '{d.lead_time_text}' could not be read as weeks")
        if not d.keys:
            add("variables", "No linkage key declared")
        linking = [v for role, vs in d.keys.items() if role_kind(role) in (*STRONG_KINDS, "quasi") for v in vs]
        for label, attr in (("collection method", "collection_method"), ("completeness", "completeness")):
            lacking = [v.name or v.role for v in linking if getattr(v, attr) in (None, "")]
            if lacking:
                add(f"variables[].{'collectionMethod' if attr == 'collection_method' else 'completeness'}",
                    f"No {label} recorded for linkage key(s) {', '.join(lacking)}")
        if d.years[0] is None:
            add("coverage.temporalStart", "No coverage years recorded")
        if not d.nations:
            add("coverage.nations", "No nations recorded")
    for step in steps:
        if step.kind == "tre" and step.environment and step.environment.id and not step.support_contact:
            for i in step.datasets[:1]:
                out.append(Missing(i, "tre.supportContact", f"No public support contact for the {step.name} in the "
                                   f"TRE register: use its website", step.url))
    return out


# the same content as rows and Markdown
ROW_FIELDS = ("step", "environment", "action", "dataset_id", "dataset_title", "publisher", "owner", "iao_name",
              "iao_role", "iao_email", "support_inbox", "tre_support_contact", "legal_gateways", "gateway_exclusions",
              "linkage_keys", "links_in_plan", "lead_time", "lead_time_weeks", "missing_facts")


def plan_rows(plan: Plan) -> list[dict]:
    """One row per dataset and step (ROW_FIELDS), for the CSV download."""
    by_id = {d.id: d for d in plan.datasets}
    rows = []
    for step in plan.steps:
        for i in step.datasets:
            d = by_id[i]
            links = []
            for p in plan.pairs:
                if i in (p.a, p.b):
                    other = p.b if p.a == i else p.a
                    state = "already linked; " if p.recorded else ""
                    links.append(f"{plan.title(other)}: {state}{p.key_text}")
            rows.append({
                "step": step.number, "environment": step.name, "action": step.text, "dataset_id": d.id,
                "dataset_title": d.title, "publisher": plan.publisher_names.get(d.publisher, d.publisher),
                "owner": plan.publisher_names.get(d.owner, d.owner) if d.owner else "",
                "iao_name": d.iao.get("name", ""), "iao_role": d.iao.get("role", ""),
                "iao_email": d.iao.get("email", ""), "support_inbox": d.support_inbox,
                "tre_support_contact": step.support_contact,
                "legal_gateways": "; ".join(g.name for g in d.gateways),
                "gateway_exclusions": "; ".join(e.text for e in plan.exclusions if e.dataset == i),
                "linkage_keys": "; ".join(f"{role}: {', '.join(v.name for v in vs)}" for role, vs in d.keys.items()),
                "links_in_plan": "; ".join(links), "lead_time": d.lead_time_text,
                "lead_time_weeks": describe_weeks(d.lead_time) if d.lead_time else "",
                "missing_facts": "; ".join(m.message for m in plan.missing if m.dataset == i)})
    return rows


def plan_markdown(plan: Plan) -> str:
    """The plan as Markdown: the same sections as the page."""
    t = plan.title
    out = ["# Linkage access plan", ""]
    out += [f"Datasets: {', '.join(d.title for d in plan.datasets) or 'none'}."]
    if plan.unknown:
        out += ["", f"Not found (or withdrawn): {', '.join(plan.unknown)}."]
    if plan.warnings:
        out += ["", "## Warnings", ""] + [f"- {w}" for w in plan.warnings]
    out += ["", "## Key graph", ""]
    for p in plan.pairs:
        state = " (already linked" + (f" in {', '.join(t(v) for v in p.via)}" if p.via else "") + ")" \
            if p.recorded else ""
        via = f" (path: {' – '.join(t(x) for x in p.path)})" if p.path else ""
        out.append(f"- {t(p.a)} × {t(p.b)}: {p.key_text}{state}{via}")
    out += ["", "## Steps", ""]
    for s in plan.steps:
        extra = f" Support: {s.support_contact}." if s.support_contact else ""
        gws = f" Gateways named: {', '.join(g.name for g in s.gateways)}." if s.gateways else ""
        out.append(f"{s.number}. {s.text}.{gws}{extra}")
    if plan.exclusions:
        out += ["", "## Gateway exclusions", ""] + [f"- {e.text}" for e in plan.exclusions]
    out += ["", "## Who to contact", ""]
    for c in plan.contacts:
        people = [f"IAO {', '.join(x for x in (i['name'], i['role']) if x)} <{i['email']}>" for i in c.iaos]
        people += [f"support inbox <{i['email']}>" for i in c.inboxes]
        people += [f"contact point {p['name'] or ''} <{p['email']}>" for p in c.contact_points]
        mail = f" [Email them]({c.mailto})" if c.mailto else ""
        out.append(f"- {c.name} ({', '.join(t(i) for i in c.datasets)}): {'; '.join(people) or 'no contact recorded'}."
                   f"{mail}")
    for tc in plan.tre_contacts:
        out.append(f"- {tc.environment.name}: {tc.contact or 'no public support contact'}")
    out += ["", "## Timeline", "", plan.timeline.text or "No datasets."]
    if plan.missing:
        out += ["", "## Missing facts", ""] + [f"- {t(m.dataset)}: {m.message}" for m in plan.missing]
    return "\n".join(out) + "\n"
