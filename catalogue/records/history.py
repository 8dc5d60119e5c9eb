"""Revision history for readers, and field-level differences between two revisions of a record."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass


@dataclass
class Change:
    path: str
    change: str  # added, removed, changed
    before: object = None
    after: object = None

    def to_dict(self) -> dict:
        return asdict(self)


def _flatten(value, prefix: str = "$") -> dict[str, object]:
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}"))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, sub in enumerate(value):
            out.update(_flatten(sub, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def diff(before: dict, after: dict) -> list[Change]:
    """Every leaf that was added, removed or changed, in path order."""
    a, b = _flatten(before or {}), _flatten(after or {})
    changes = []
    for path in sorted(set(a) | set(b), key=_sort_key):
        if path not in a:
            changes.append(Change(path, "added", None, b[path]))
        elif path not in b:
            changes.append(Change(path, "removed", a[path], None))
        elif a[path] != b[path] or type(a[path]) is not type(b[path]):
            changes.append(Change(path, "changed", a[path], b[path]))
    return changes


def _sort_key(path: str):
    """List positions in number order; (0, n) and (1, name) so a numeric key never meets a name in a compare."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\[\]]+", path) if p]


def revision_entry(rev, organisation_names: dict[str, str], show_author: bool) -> dict:
    """One revision as shown in history: the organisation and route for everyone; who made it only if
    `show_author` (stewards, admins and the record's own organisation), since authors are staff emails."""
    pub = rev.record.get("publisher") if isinstance(rev.record, dict) else None
    pub = pub if isinstance(pub, str) else ""
    entry = {"number": rev.number, "action": rev.action, "organisation": pub,
             "organisation_name": organisation_names.get(pub, pub), "route": rev.route, "note": rev.note,
             "created_at": rev.created_at.isoformat(timespec="seconds")}
    if show_author:
        entry["author"] = rev.author
    return entry
