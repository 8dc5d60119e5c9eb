"""The registers as published SKOS vocabularies: /vocab, /vocab/<scheme> and /vocab/<scheme>/<id>, each as a page,
its JSON twin, and RDF (.ttl, .jsonld, .rdf, or by Accept), so the concept IRIs in our DCAT dereference."""
from __future__ import annotations

from flask import Blueprint, Response, url_for

from catalogue.formats.rdf_io import serialize
from catalogue.formats.vocabularies import (KIND_LABELS, SCHEMES, concept_graph, concept_iri, register_of,
                                            scheme_graph, scheme_iri)

from web.common import catalogue, not_found, respond, split_ext

bp = Blueprint("vocab", __name__)
RDF_FORMATS = ("ttl", "jsonld", "rdf")
FORMAT_LABELS = {"json": "JSON", "ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML"}


def _base() -> str:
    return catalogue().settings.base_url


def _links(endpoint: str, **values) -> dict:
    name = values.pop("name")
    return {"html": url_for(endpoint, name=name, **values),
            **{fmt: url_for(endpoint, name=f"{name}.{fmt}", **values) for fmt in ("json", *RDF_FORMATS)}}


def _rdf(graph, ext: str) -> Response:
    body, mimetype = serialize(graph, ext)
    return Response(body, mimetype=mimetype)


def _sources(value) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]


def _summary(scheme: str, entry) -> dict:
    return {"id": entry.id, "name": entry.name, "aliases": list(entry.aliases),
            "iri": str(concept_iri(_base(), scheme, entry.id)),
            "url": url_for("vocab.concept", scheme=scheme, name=entry.id)}


@bp.route("/vocab")
@bp.route("/vocab.json", endpoint="index_json")
def index():
    schemes = [{"name": s.name, "title": s.title, "description": s.description,
                "concepts": len(register_of(s.name)), "iri": str(scheme_iri(_base(), s.name)),
                "links": _links("vocab.scheme", name=s.name)} for s in SCHEMES.values()]
    return respond("vocab/index.html", {"schemes": schemes, "formats": FORMAT_LABELS})


@bp.route("/vocab/<name>")
def scheme(name: str):
    ident, ext = split_ext(name, lambda n: n in SCHEMES, negotiate=RDF_FORMATS)
    if ident not in SCHEMES:
        not_found(f"There is no vocabulary '{ident}'. The vocabularies are: {', '.join(SCHEMES)}.")
    if ext in RDF_FORMATS:
        return _rdf(scheme_graph(_base(), ident), ext)
    if ext not in (None, "json"):
        not_found(f"Vocabularies are available as HTML, .json, .ttl, .jsonld or .rdf, not .{ext}.")
    info = SCHEMES[ident]
    concepts = [_summary(ident, e) for e in register_of(ident)]
    if ident == "linkage-roles":
        for c, e in zip(concepts, register_of(ident)):
            c["kind"] = e.data.get("kind") if e.data.get("kind") in KIND_LABELS else "other"
            c["kind_label"] = KIND_LABELS[c["kind"]]
    data = {"scheme": {"name": ident, "title": info.title, "description": info.description,
                       "iri": str(scheme_iri(_base(), ident))},
            "concepts": sorted(concepts, key=lambda c: c["name"].lower()), "total": len(concepts),
            "links": _links("vocab.scheme", name=ident), "formats": FORMAT_LABELS}
    return respond("vocab/scheme.html", data)


@bp.route("/vocab/<scheme>/<name>")
def concept(scheme: str, name: str):
    if scheme not in SCHEMES:
        not_found(f"There is no vocabulary '{scheme}'. The vocabularies are: {', '.join(SCHEMES)}.")
    register = register_of(scheme)
    ident, ext = split_ext(name, lambda i: register.get(i) is not None, negotiate=RDF_FORMATS)
    entry = register.get(ident)
    if entry is None:
        not_found(f"The vocabulary '{scheme}' has no concept '{ident}'.")
    if ext in RDF_FORMATS:
        return _rdf(concept_graph(_base(), scheme, ident), ext)
    if ext not in (None, "json"):
        not_found(f"Concepts are available as HTML, .json, .ttl, .jsonld or .rdf, not .{ext}.")
    info = SCHEMES[scheme]
    data = {**_summary(scheme, entry), "facts": _facts(scheme, entry), "sources": _sources(entry.data.get("source")),
            "scheme": {"name": scheme, "title": info.title, "url": url_for("vocab.scheme", name=scheme),
                       "iri": str(scheme_iri(_base(), scheme))},
            "search_url": _search_url(scheme, entry), "links": _links("vocab.concept", scheme=scheme, name=ident),
            "formats": FORMAT_LABELS}
    return respond("vocab/concept.html", data)


def _search_url(scheme: str, entry) -> str | None:
    if scheme == "linkage-roles":
        return url_for("search.search", linkage_key=entry.id)
    if scheme == "tres":
        return url_for("search.search", tre=entry.name)
    return None


def _fact(label: str, text=None, url: str | None = None) -> dict | None:
    if text in (None, "", []) and not url:
        return None
    return {"label": label, "text": text if text not in (None, "") else url, "url": url}


def _facts(scheme: str, entry) -> list[dict]:
    """What the register says about the entry, as labelled rows (text, and a link where there is one)."""
    d = entry.data
    rows: list = []
    if scheme == "linkage-roles":
        kind = d.get("kind") if d.get("kind") in KIND_LABELS else "other"
        rows += [_fact("Kind", KIND_LABELS[kind]), _fact("How it is issued", d.get("notes"))]
        rows += [_fact("Identity service", s.get("name"), s.get("url")) for s in d.get("identityServices") or []
                 if isinstance(s, dict)]
    elif scheme == "tres":
        nations = d.get("nation") or d.get("nations") or []
        contact = d.get("supportContact")
        accredited = {True: "Yes", False: "No"}.get(d.get("deaAccredited"))
        rows += [_fact("Website", d.get("url"), d.get("url")), _fact("Operator", d.get("operator")),
                 _fact("Nations", ", ".join(nations) if isinstance(nations, list) else nations),
                 _fact("Support", contact, _contact_url(contact)),
                 _fact("Person key", d.get("personKey")),
                 _fact("Accredited under the Digital Economy Act 2017", accredited)]
    else:
        nations = d.get("nations") or []
        rows += [_fact("Full title", d.get("fullTitle")), _fact("Legislation", d.get("legislationUrl"),
                                                                  d.get("legislationUrl")),
                 _fact("Nations", ", ".join(nations) if isinstance(nations, list) else nations),
                 _fact("Permits", d.get("permits")), _fact("Does not permit", d.get("excludes"))]
    return [r for r in rows if r is not None]


def _contact_url(contact) -> str | None:
    if not isinstance(contact, str):
        return None
    if contact.startswith(("http://", "https://")):
        return contact
    return f"mailto:{contact}" if "@" in contact else None
