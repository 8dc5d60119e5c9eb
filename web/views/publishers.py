"""Publisher list and publisher pages, with JSON twins."""
from __future__ import annotations

from flask import Blueprint, request

from catalogue.records.scoring import readiness

from web.common import catalogue, not_found, respond, split_ext
from web.record_view import page_record
from web.views.audit import public_summary

bp = Blueprint("publishers", __name__)


@bp.route("/publishers")
@bp.route("/publishers.json", endpoint="publishers_json")
def publishers():
    cat = catalogue()
    counts = cat.store.publisher_counts()
    rows = [{**p, "datasets": counts.get(p["id"], 0), "url": f"/publishers/{p['id']}"} for p in cat.store.publishers()]
    return respond("publishers/publishers.html", {"publishers": rows, "total": len(rows)}, request.path.endswith(".json"))


@bp.route("/publishers/<name>")
def publisher(name: str):
    cat = catalogue()
    ident, ext = split_ext(name, lambda i: cat.store.publisher(i) is not None)
    if ext not in (None, "json"):
        not_found(f"Publisher pages are available as HTML or .json, not .{ext}.")
    pub = cat.store.publisher(ident)
    if pub is None:
        not_found(f"There is no publisher with the identifier '{ident}'.")
    datasets = []
    for d in cat.store.datasets(publisher=ident):
        score = readiness(d.record)
        shaped = page_record(d.record)
        datasets.append({"id": d.id, "title": d.title, "summary": shaped.get("summary", ""),
                         "modified": shaped.get("modified", ""), "readiness": score.total, "band": score.band,
                         "band_label": score.band_label, "url": f"/datasets/{d.id}"})
    datasets.sort(key=lambda d: d["title"].lower())
    mean = round(sum(d["readiness"] for d in datasets) / len(datasets), 1) if datasets else None
    data = {"publisher": pub, "datasets": datasets, "total": len(datasets), "mean_readiness": mean,
            "audit": public_summary(ident)}
    return respond("publishers/publisher.html", data, ext == "json")
