"""What a page reads from a record: the stored record, shaped to the schema.

The store keeps incomplete and malformed records on purpose (harvests store them flagged), so templates read this
view instead of the raw record: every value whose JSON type differs from the schema's is left out, as are unknown
fields, so a template only has to guard against a missing field. The JSON twin keeps the record as stored.
"""
from __future__ import annotations

import math
import re

from catalogue.records.schema import dataset_schema

_HTTP = re.compile(r"^https?://\S", re.IGNORECASE)


def page_record(record) -> dict:
    return _shape(record, dataset_schema()) or {}


def _shape(value, node: dict):
    kind = node.get("type") or ("string" if "enum" in node else None)
    if kind == "object":
        if not isinstance(value, dict):
            return None
        props = node.get("properties", {})
        out = {k: _shape(v, props[k]) for k, v in value.items() if k in props}
        return {k: v for k, v in out.items() if v is not None}
    if kind == "array":
        if not isinstance(value, list):
            return None
        items = [_shape(v, node.get("items", {})) for v in value]
        return [v for v in items if v is not None]
    if kind == "string":
        return value if isinstance(value, str) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind in ("integer", "number"):
        ok = isinstance(value, int) if kind == "integer" else isinstance(value, (int, float)) and math.isfinite(value)
        return value if ok and not isinstance(value, bool) else None
    return value


def http_url(value) -> str:
    """The URL if it is a web address a link may point to (http or https), else ''. Anything else is not linked."""
    return value if isinstance(value, str) and _HTTP.match(value) else ""
