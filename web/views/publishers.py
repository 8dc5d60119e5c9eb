"""Publisher list and publisher pages, with JSON twins."""
from __future__ import annotations

from flask import Blueprint, url_for

from catalogue.records.scoring import readiness

from web.audit_summary import public_summary
from web.common import catalogue, not_found, respond, split_ext
from web.record_view import page_record

bp = Blueprint("publishers", __name__)


@bp.route("/publishers")
@bp.route("/publishers.json", endpoint="publishers_json")
def publishers():
    cat = catalogue()
    counts = cat.publisher_counts()
    rows = [{**p, "datasets": counts.get(p["id"], 0), "url": url_for("publishers.publisher", name=p["id"])}
            for p in cat.publishers()]
    return respond("publishers/publishers.html", {"publishers": rows, "total": len(rows)})


@bp.route("/publishers/<name>")
def publisher(name: str):
    cat = catalogue()
    ident, ext = split_ext(name, lambda i: cat.publisher(i) is not None)
    if ext not in (None, "json"):
        not_found(f"Publisher pages are available as HTML or .json, not .{ext}.")
    pub = cat.publisher(ident)
    if pub is None:
        not_found(f"There is no publisher with the identifier '{ident}'.")
    datasets = []
    for d in cat.datasets(publisher=ident):
        score = readiness(d.record)
        shaped = page_record(d.record)
        datasets.append({"id": d.id, "title": d.title, "summary": shaped.get("summary", ""),
                         "modified": shaped.get("modified", ""), "readiness": score.total, "band": score.band,
                         "band_label": score.band_label, "url": url_for("datasets.dataset", name=d.id)})
    datasets.sort(key=lambda d: d["title"].lower())
    mean = round(sum(d["readiness"] for d in datasets) / len(datasets), 1) if datasets else None
    data = {"publisher": pub, "datasets": datasets, "total": len(datasets), "mean_readiness": mean,
            "audit": public_summary(ident)}
    return respond("publishers/publisher.html", data)
