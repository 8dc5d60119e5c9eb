"""Dataset pages, their JSON twins and RDF exports; whole-catalogue RDF."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request, send_file, url_for
from markupsafe import Markup

from catalogue.formats.dcat import record_to_graph
from catalogue.records.history import diff, revision_entry
from catalogue.records.references import lead_time_view, register_links
from catalogue.formats.rdf_io import FORMATS, serialize
from catalogue.formats.schemaorg import dataset_jsonld, script_json
from catalogue.records.schema import readiness_config
from catalogue.records.service import dataset_summary

from web.auth import current_user
from web.common import catalogue, not_found, respond, split_ext, wants_json
from web.linkable import panel as linkable_panel
from web.record_view import page_record
from web.services import services

bp = Blueprint("datasets", __name__)
RDF_FORMATS = ("ttl", "jsonld", "rdf")


def dataset_view_data(dataset) -> dict:
    cat = catalogue()
    data = dataset_summary(dataset)
    names = cat.publisher_names()
    bands = readiness_config()["bands"]
    shaped = page_record(dataset.record)
    owner = shaped.get("owner", {}).get("organisation", "")
    data.update({
        "id": dataset.id,
        "publisher": {"id": dataset.publisher, "name": names.get(dataset.publisher, dataset.publisher),
                      "url": url_for("publishers.publisher", name=dataset.publisher)},
        "owner_name": names.get(owner, owner),
        "bands": bands,
        "links": {"html": url_for("datasets.dataset", name=dataset.id),
                  "json": url_for("datasets.dataset", name=f"{dataset.id}.json"),
                  "history": url_for("datasets.history", dataset_id=dataset.id),
                  **{fmt: url_for("datasets.dataset", name=f"{dataset.id}.{fmt}") for fmt in RDF_FORMATS}},
    })
    user = current_user()
    data["can_edit"] = bool(user and user.can_write(dataset.publisher))
    data["register_links"] = register_links(shaped)  # TRE and gateway names matched to schemas/ registers
    data["lead_time_weeks"] = lead_time_view(shaped)
    data["harvested_from"] = services().harvest.provenance(dataset.id)
    data["linkable_with"] = linkable_panel(dataset.id) if dataset.status == "published" else None
    return data


@bp.route("/datasets/<name>")
def dataset(name: str):
    cat = catalogue()
    ident, ext = split_ext(name, lambda i: cat.get(i) is not None, negotiate=RDF_FORMATS)
    ds = cat.get(ident)
    if ds is None:
        not_found(f"There is no dataset with the identifier '{ident}'.")
    if ext in RDF_FORMATS:
        pubs = {p["id"]: p for p in cat.publishers()}
        # a flagged record may hold values of the wrong type: the RDF twin, like the page, reads the shaped copy
        body, mimetype = serialize(record_to_graph(page_record(ds.record), cat.settings.base_url, pubs), ext)
        return Response(body, mimetype=mimetype)
    data = dataset_view_data(ds)
    if wants_json():
        return respond("datasets/dataset.html", data)
    record = page_record(ds.record)  # the page, and its schema.org description, read a shaped copy
    jsonld = Markup(script_json(schema_org(ds, record))) if ds.status == "published" else None
    return respond("datasets/dataset.html", {**data, "record": record, "jsonld": jsonld}, False)


def absolute(path: str) -> str:
    """An absolute URL on the configured public base URL (as RDF dataset URIs are)."""
    return catalogue().settings.base_url.rstrip("/") + path


def schema_org(ds, record: dict) -> dict:
    """The schema.org Dataset for search engines, in the page's <head>."""
    return dataset_jsonld(record, absolute(url_for("datasets.dataset", name=ds.id)), catalogue().publisher_names(),
                          lambda slug: absolute(url_for("publishers.publisher", name=slug)),
                          {"name": current_app.jinja_env.globals["serviceName"], "url": absolute(url_for("search.home"))})


def _may_see_authors(ds) -> bool:
    """Who made each change is for stewards, admins and the record's organisation; others see the route."""
    user = current_user()
    return bool(user and user.can_see_drafts(ds.publisher))


def _revision_data(dataset_id: str) -> tuple:
    ds = catalogue().get(dataset_id)
    if ds is None:
        not_found(f"There is no dataset with the identifier '{dataset_id}'.")
    return ds, catalogue().revisions(dataset_id)


@bp.route("/datasets/<dataset_id>/history")
@bp.route("/datasets/<dataset_id>/history.json", endpoint="history_json")
def history(dataset_id: str):
    ds, revisions = _revision_data(dataset_id)
    names, show = catalogue().publisher_names(), _may_see_authors(ds)
    rows = [revision_entry(r, names, show) for r in reversed(revisions)]
    data = {"id": ds.id, "title": ds.title, "status": ds.status, "show_authors": show, "revisions": rows}
    return respond("datasets/history.html", data)


@bp.route("/datasets/<dataset_id>/diff")
@bp.route("/datasets/<dataset_id>/diff.json", endpoint="diff_json")
def revision_diff(dataset_id: str):
    ds, revisions = _revision_data(dataset_id)
    by_number = {r.number: r for r in revisions}
    try:
        a = int(request.args.get("from", max(1, ds.revision - 1)))
        b = int(request.args.get("to", ds.revision))
    except ValueError:
        not_found("Revision numbers must be whole numbers.")
    if a not in by_number or b not in by_number:
        not_found(f"'{dataset_id}' has revisions 1 to {ds.revision}.")
    changes = [c.to_dict() for c in diff(by_number[a].record, by_number[b].record)]
    names, show = catalogue().publisher_names(), _may_see_authors(ds)
    data = {"id": ds.id, "title": ds.title, "from": a, "to": b, "changes": changes,
            "revisions": list(range(1, ds.revision + 1)), "show_authors": show,
            "from_revision": revision_entry(by_number[a], names, show),
            "to_revision": revision_entry(by_number[b], names, show)}
    if wants_json():
        return respond("datasets/diff.html", data)
    return respond("datasets/diff.html", {**data, "self_from": a}, False)


@bp.route("/catalogue.<ext>")
def whole_catalogue(ext: str):
    if ext not in RDF_FORMATS:
        not_found(f"Unknown format '{ext}'. Use one of: {', '.join(RDF_FORMATS)}.")
    for _attempt in range(3):
        path, key = services().exports.get(ext)  # built once per store change, record by record, under a file lock
        try:
            resp = send_file(path, mimetype=FORMATS[ext][1], download_name=f"catalogue.{ext}", etag=key,
                             conditional=True)
        except FileNotFoundError:  # replaced by a newer build between get() and opening it: ask again
            continue
        if resp.status_code == 304 or request.method == "HEAD":
            resp.close()  # no body will be read: release the file now
        else:
            resp.response = _closing(resp.response)
        return resp
    raise RuntimeError("the catalogue export keeps being replaced")


def _closing(body):
    """The file's chunks, closing it once read to the end (not only when the server calls close())."""
    try:
        yield from body
    finally:
        body.close()


assert set(RDF_FORMATS) <= set(FORMATS)
