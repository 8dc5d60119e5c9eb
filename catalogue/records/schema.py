"""Load the metadata requirements schema and the score weights from schemas/."""
from __future__ import annotations

import json
from functools import lru_cache
from schemas import SCHEMA_DIR

OBLIGATIONS = ("mandatory", "recommended", "optional")


@lru_cache(maxsize=None)
def load_json(name: str) -> dict:
    """Return a JSON file from schemas/ (cached; treat as read-only)."""
    with open(SCHEMA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def dataset_schema() -> dict:
    return load_json("dataset.schema.json")


def readiness_config() -> dict:
    return load_json("readiness.json")


def field_obligations(schema: dict | None = None) -> dict[str, str]:
    """Map dotted field paths (e.g. 'coverage.nations', 'variables[].name') to obligations."""
    schema = schema or dataset_schema()
    out: dict[str, str] = {}

    def walk(node: dict, prefix: str) -> None:
        for name, prop in node.get("properties", {}).items():
            path = f"{prefix}{name}"
            if "obligation" in prop:
                out[path] = prop["obligation"]
            if prop.get("type") == "object":
                walk(prop, path + ".")
            elif prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
                walk(prop["items"], path + "[].")

    walk(schema, "")
    return out


def top_level_fields(schema: dict | None = None) -> dict[str, str]:
    """Top-level field name → obligation."""
    return {k: v for k, v in field_obligations(schema).items() if "." not in k and "[" not in k}


def enum_values(field: str, schema: dict | None = None) -> list[str]:
    """Allowed values of an enumerated field path like 'theme' or 'variables[].linkageRole'."""
    node = schema or dataset_schema()
    for part in field.split("."):
        is_list = part.endswith("[]")
        node = node["properties"][part.removesuffix("[]")]
        if is_list:
            node = node["items"]
    if "enum" in node:
        return list(node["enum"])
    return list(node.get("items", {}).get("enum", []))
