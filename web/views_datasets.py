"""Dataset pages, their JSON twins and RDF exports; whole-catalogue RDF."""
from __future__ import annotations

from flask import Blueprint, Response

from catalogue.dcat import catalogue_graph, record_to_graph
from catalogue.rdf_io import FORMATS, serialize
from catalogue.schema import readiness_config
from catalogue.service import dataset_summary

from .common import catalogue, not_found, respond, split_ext

bp = Blueprint("datasets", __name__)
RDF_FORMATS = ("ttl", "jsonld", "rdf")


def dataset_view_data(dataset) -> dict:
    cat = catalogue()
    data = dataset_summary(dataset)
    rec = dataset.record
    names = cat.publisher_names()
    bands = readiness_config()["bands"]
    data.update({
        "id": dataset.id,
        "publisher": {"id": rec["publisher"], "name": names.get(rec["publisher"], rec["publisher"]),
                      "url": f"/publishers/{rec['publisher']}"},
        "owner_name": names.get((rec.get("owner") or {}).get("organisation", ""),
                                (rec.get("owner") or {}).get("organisation", "")),
        "bands": bands,
        "links": {"html": f"/datasets/{dataset.id}", "json": f"/datasets/{dataset.id}.json",
                  **{fmt: f"/datasets/{dataset.id}.{fmt}" for fmt in RDF_FORMATS}},
    })
    return data


@bp.route("/datasets/<name>")
def dataset(name: str):
    cat = catalogue()
    ident, ext = split_ext(name, lambda i: cat.get(i) is not None)
    ds = cat.get(ident)
    if ds is None:
        not_found(f"There is no dataset with the identifier '{ident}'.")
    if ext in RDF_FORMATS:
        pubs = {p["id"]: p for p in cat.store.publishers()}
        body, mimetype = serialize(record_to_graph(ds.record, cat.settings.base_url, pubs), ext)
        return Response(body, mimetype=mimetype)
    return respond("dataset.html", dataset_view_data(ds), ext == "json")


@bp.route("/catalogue.<ext>")
def whole_catalogue(ext: str):
    if ext not in RDF_FORMATS:
        not_found(f"Unknown format '{ext}'. Use one of: {', '.join(RDF_FORMATS)}.")
    cat = catalogue()
    pubs = {p["id"]: p for p in cat.store.publishers()}
    graph = catalogue_graph([d.record for d in cat.store.datasets()], cat.settings.base_url, pubs)
    body, mimetype = serialize(graph, ext)
    return Response(body, mimetype=mimetype)


assert set(RDF_FORMATS) <= set(FORMATS)
