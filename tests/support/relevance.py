"""Relevance on the judged queries in tests/search/judgements.json: nDCG@10, recall@10 and the zero-result rate."""
from __future__ import annotations

import json
import math
from pathlib import Path

from catalogue.search import SearchQuery

JUDGEMENTS = Path(__file__).resolve().parent.parent / "search" / "judgements.json"


def judged_queries() -> list[dict]:
    return json.loads(JUDGEMENTS.read_text(encoding="utf-8"))["queries"]


def dcg(gains: list[float]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg([grades.get(i, 0) for i in ranked[:k]]) / ideal if ideal else 0.0


def recall_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    wanted = [i for i, g in grades.items() if g > 0]
    return sum(1 for i in ranked[:k] if i in grades) / min(len(wanted), k) if wanted else 0.0


def evaluate(catalogue, queries: list[dict] | None = None, k: int = 10) -> dict:
    """Run every judged query through the catalogue's search; per-query and mean figures."""
    rows = []
    for q in queries or judged_queries():
        result = catalogue.search(SearchQuery(text=q["q"], page_size=k))
        ranked = [h.id for h in result.hits]
        rows.append({"q": q["q"], "total": result.total, "ndcg": ndcg_at(ranked, q["grades"], k),
                     "recall": recall_at(ranked, q["grades"], k), "top": ranked[:3]})
    n = len(rows)
    return {"queries": n, "ndcg": sum(r["ndcg"] for r in rows) / n, "recall": sum(r["recall"] for r in rows) / n,
            "zero_rate": sum(1 for r in rows if r["total"] == 0) / n, "rows": rows}
