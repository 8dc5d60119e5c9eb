"""Where the key graph's nodes and lines go: a circle of numbered datasets, a line per pair that links.

Pure geometry on the plan's pairs (catalogue.linkage.plan); templates/plan/_graph.html draws it as SVG with text
labels, so a line's kind is told by its dash pattern and words as well as its colour."""
from __future__ import annotations

import math
import re

WIDTH = 400  # viewBox units; the SVG scales to its box, so at 390 px text stays about its set size
TITLES_UP_TO = 8  # with more datasets the nodes show their numbers only (the numbered list names them)
LINES_UP_TO = 10  # pairs listed under the drawing; with more, the table below says which keys
LINE_HEIGHT = 20
KIND_WORDS = {"direct": "direct", "probabilistic": "probabilistic only", "recorded": "already linked"}


def short_title(title: str, limit: int = 24) -> str:
    """An acronym in brackets if the title ends with one ("HES APC"), else the title cut to `limit`."""
    found = re.search(r"\(([^()]{2,14})\)\s*$", title)
    if found:
        return found.group(1)
    return title if len(title) <= limit else title[:limit - 1].rstrip() + "…"


def _cut(text: str, limit: int = 56) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def layout(plan) -> dict:
    """Nodes (number, id, title, x, y, isolated), edges (the pair and its kind) and the lines of text under them."""
    datasets = plan.datasets
    n = len(datasets)
    radius = 0 if n == 1 else 120 if n == 2 else 130
    cx, cy = WIDTH / 2, 50 + radius
    nodes = []
    for i, d in enumerate(datasets):
        angle = (math.pi if n == 2 else -math.pi / 2) + 2 * math.pi * i / max(n, 1)
        nodes.append({"number": i + 1, "id": d.id, "title": d.title,
                      "short": short_title(d.title) if n <= TITLES_UP_TO else "",
                      "x": round(cx + radius * math.cos(angle), 1), "y": round(cy + radius * math.sin(angle), 1),
                      "isolated": d.id in plan.isolated})
        nodes[-1]["label_y"] = nodes[-1]["y"] - 28 if nodes[-1]["y"] < cy - 1 else nodes[-1]["y"] + 38
    at = {node["id"]: node for node in nodes}
    edges = []
    for p in plan.pairs:
        if p.status == "none" and not p.recorded:
            continue
        a, b = at[p.a], at[p.b]
        kind = "direct" if p.status == "direct" else "probabilistic" if p.status == "probabilistic" else "recorded"
        strong = [k.label for k in p.keys if k.kind in ("person", "address")]
        keys = strong if kind == "direct" else [k.label for k in p.keys]
        text = f"{a['number']}–{b['number']}: {KIND_WORDS[kind]}" + (f" on {', '.join(keys)}" if keys else "")
        if p.recorded and kind != "recorded":
            text += " (already linked)"
        edges.append({"a": a["number"], "b": b["number"], "kind": kind, "recorded": p.recorded, "text": _cut(text),
                      "x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"]})
    lines = [e["text"] for e in edges][:LINES_UP_TO]
    if len(edges) > LINES_UP_TO:
        lines.append(f"… and {len(edges) - LINES_UP_TO} more: see the table below.")
    if not edges and n > 1:
        lines.append("No pair of these datasets shares a linkage key.")
    top = round(max(max(n["label_y"], n["y"] + 18) for n in nodes) + 35) if nodes else 40  # below the lowest label
    legend_y = top + LINE_HEIGHT * len(lines) + 20
    return {"width": WIDTH, "height": legend_y + 3 * LINE_HEIGHT + 10, "nodes": nodes, "edges": edges,
            "lines": [{"y": top + LINE_HEIGHT * i, "text": text} for i, text in enumerate(lines)],
            "legend_y": legend_y, "line_height": LINE_HEIGHT}
