"""My linkage plan: the project basket (in the session cookie), compare, and the access plan with its downloads.

A plan is named by its datasets: `?d=id1,id2` (a permalink anyone can open), or, without `d`, the session's basket.
Unknown or withdrawn identifiers are left out with a note, never an error; more than MAX_DATASETS is a 400."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, request, session, url_for

from catalogue.linkage.plan import (MAX_DATASETS, ROW_FIELDS, Plan, build_plan, plan_markdown as plan_markdown_text,
                                    plan_rows)
from catalogue.records.registers import registers

from web.common import catalogue, respond, wants_json
from web.compare import compare_column
from web.plan_graph import layout
from web.record_view import http_url
from web.services import services

bp = Blueprint("plan", __name__)
SESSION_KEY = "plan"
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")  # wider than the schema's: stored ids are looked up
MAX_PARAM = 8000  # characters in ?d=: 25 identifiers of the longest kind, with commas
BASKET_CHARS = 2000  # the identifiers the cookie keeps, so it stays well under a browser's 4 KB with the rest


# -- which datasets -------------------------------------------------------------------------------------------

def parse_ids(text: str) -> list[str]:
    """'a, b,,a' → ['a', 'b']: split on commas, trimmed, blanks and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def basket_ids() -> list[str]:
    """The identifiers in the session's basket (anything else the cookie holds is ignored)."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, list):
        return []
    ids = parse_ids(",".join(v for v in value if isinstance(v, str) and "," not in v))[:MAX_DATASETS]
    while not fits(ids):
        ids.pop()
    return ids


def fits(ids: list[str]) -> bool:
    """Whether the basket can hold these: at most MAX_DATASETS, and BASKET_CHARS of identifiers."""
    return len(ids) <= MAX_DATASETS and sum(len(i) + 1 for i in ids) <= BASKET_CHARS


def _store_basket(ids: list[str]) -> None:
    session[SESSION_KEY] = ids[:MAX_DATASETS]


def requested_ids() -> tuple[list[str], str]:
    """The plan's identifiers and where they came from: 'link' (?d=) or 'basket' (the session)."""
    if "d" not in request.args:
        return basket_ids(), "basket"
    raw = request.args.get("d", "")
    if len(raw) > MAX_PARAM:
        abort(400, description=f"The list of datasets is too long: a plan holds at most {MAX_DATASETS} datasets.")
    ids = parse_ids(raw)
    if len(ids) > MAX_DATASETS:
        abort(400, description=f"A plan holds at most {MAX_DATASETS} datasets; this address names {len(ids)}.")
    return ids, "link"


def _shown(ident: str) -> str:
    return ident if len(ident) <= 80 else ident[:77] + "..."


def resolve(ids: list[str], records: bool = False) -> tuple[list, list[dict]]:
    """The published datasets among `ids`, in order, and a note for each one left out.

    Published datasets come from the link index (their facts: id, title, publisher) unless `records` asks for the
    stored datasets; the store is read only for what the index lacks, to say why it is left out."""
    cat = catalogue()
    index = None if records else services().link_index()
    found, notes = [], []
    for ident in ids:
        if not IDENTIFIER.fullmatch(ident):
            ds = None
        else:
            ds = index.get(ident) if index is not None else None
            ds = ds or cat.get(ident)
        if ds is None:
            notes.append({"id": _shown(ident), "code": "unknown",
                          "message": f"There is no dataset with the identifier '{_shown(ident)}'; it is left out."})
        elif getattr(ds, "status", "published") != "published":
            notes.append({"id": ident, "code": ds.status,
                          "message": f"'{ds.title}' ({ident}) has been withdrawn; it is left out."})
        else:
            found.append(ds)
    return found, notes


def _datasets_for_view(records: bool = False) -> tuple[list, list[dict], list[str], str]:
    """The datasets the address names, the notes, their ids, and the source; the basket drops what it lost."""
    ids, source = requested_ids()
    found, notes = resolve(ids, records)
    kept = [ds.id for ds in found]
    if source == "basket" and kept != ids:
        _store_basket(kept)
    return found, notes, kept, source


def links(ids: list[str]) -> dict:
    """Every view of the plan for these datasets (permalinks: they name the datasets)."""
    d = {"d": ",".join(ids)} if ids else {}
    return {"plan": url_for("plan.plan", **d), "plan_json": url_for("plan.plan_json", **d),
            "compare": url_for("plan.compare", **d), "compare_json": url_for("plan.compare_json", **d),
            "csv": url_for("plan.plan_csv", **d), "markdown": url_for("plan.plan_markdown", **d),
            "print": url_for("plan.plan_print", **d), "basket": url_for("plan.basket")}


def _summary(ds, names: dict) -> dict:
    return {"id": ds.id, "title": ds.title, "publisher": names.get(ds.publisher, ds.publisher),
            "url": url_for("datasets.dataset", name=ds.id)}


# -- the basket -----------------------------------------------------------------------------------------------

def safe_next(target: str | None) -> str:
    """Where to go back to: a path on this site only (never another host, so no open redirect)."""
    fallback = url_for("plan.basket")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return fallback
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else fallback


@bp.app_context_processor
def basket_in_templates() -> dict:
    """The basket, for the header's count and the add/remove buttons on every page."""
    ids = basket_ids()
    return {"plan_basket": frozenset(ids), "plan_count": len(ids), "plan_max": MAX_DATASETS}


@bp.route("/plan/basket")
@bp.route("/plan/basket.json", endpoint="basket_json")
def basket():
    found, notes, kept, _ = _datasets_for_view()
    names = catalogue().publisher_names()
    data = {"count": len(kept), "max": MAX_DATASETS, "full": len(kept) >= MAX_DATASETS,
            "datasets": [_summary(ds, names) for ds in found], "notes": notes, "links": links(kept)}
    return respond("plan/basket.html", data)


@bp.post("/plan/basket/add")
def add():
    ident = request.form.get("id", "").strip()
    back = safe_next(request.form.get("next"))
    ids = basket_ids()
    found, notes = resolve([ident])
    if notes:
        flash(notes[0]["message"], "error")
    elif ident in ids:
        flash(f"'{found[0].title}' is already in your linkage plan.", "info")
    elif len(ids) >= MAX_DATASETS:
        flash(f"Your linkage plan is full: it holds at most {MAX_DATASETS} datasets. "
              f"Remove one before you add '{found[0].title}'.", "error")
    elif not fits(ids + [ident]):
        flash(f"Your linkage plan is full: these datasets' identifiers fill the {BASKET_CHARS:,} characters the "
              f"cookie keeps. Remove one before you add '{found[0].title}'.", "error")
    else:
        _store_basket(ids + [ident])
        flash(f"Added '{found[0].title}' to your linkage plan ({len(ids) + 1} of {MAX_DATASETS}).", "success")
    return redirect(back, 303)


@bp.post("/plan/basket/remove")
def remove():
    ident = request.form.get("id", "").strip()
    ids = basket_ids()
    if ident in ids:
        _store_basket([i for i in ids if i != ident])
        ds = catalogue().get(ident)
        flash(f"Removed '{ds.title if ds else _shown(ident)}' from your linkage plan.", "success")
    return redirect(safe_next(request.form.get("next")), 303)


@bp.post("/plan/basket/clear")
def clear():
    _store_basket([])
    flash("Your linkage plan is now empty.", "success")
    return redirect(safe_next(request.form.get("next")), 303)


@bp.post("/plan/basket/save")
def save():
    """Make a shared plan (?d= in the form) the session's basket."""
    raw = request.form.get("d", "")
    ids = parse_ids(raw[:MAX_PARAM])
    if len(ids) > MAX_DATASETS:
        flash(f"A plan holds at most {MAX_DATASETS} datasets; this one names {len(ids)}. Nothing was saved.", "error")
        return redirect(url_for("plan.basket"), 303)
    found, notes = resolve(ids)
    if not fits([ds.id for ds in found]):
        flash(f"These datasets' identifiers are longer than the {BASKET_CHARS:,} characters the basket's cookie "
              f"keeps. Nothing was saved: keep the plan's link instead.", "error")
        return redirect(url_for("plan.basket"), 303)
    for note in notes:
        flash(note["message"], "info")
    _store_basket([ds.id for ds in found])
    flash(f"Saved {len(found)} dataset{'' if len(found) == 1 else 's'} as your linkage plan.", "success")
    return redirect(url_for("plan.plan"), 303)


# -- compare --------------------------------------------------------------------------------------------------

@bp.route("/plan/compare")
@bp.route("/plan/compare.json", endpoint="compare_json")
def compare():
    found, notes, kept, source = _datasets_for_view(records=True)
    names = catalogue().publisher_names()
    columns = [compare_column(ds, names, url_for("datasets.dataset", name=ds.id)) for ds in found]
    data = {"source": source, "count": len(columns), "datasets": columns, "notes": notes, "links": links(kept)}
    return respond("plan/compare.html", data)


# -- the access plan ------------------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return catalogue().settings.base_url.rstrip("/") + path


def _register_urls(plan: Plan) -> dict:
    """Where each TRE and gateway the plan names links to (its site, or its legislation.gov.uk page)."""
    regs = registers()
    tres = {t.id for d in plan.datasets for t in d.tres if t.id}
    gateways = {g.id for d in plan.datasets for g in d.gateways if g.id}
    return {"tres": {i: http_url(regs.tres.get(i).url) for i in tres if regs.tres.get(i)},
            "gateways": {i: http_url(regs.gateways.get(i).url) for i in gateways if regs.gateways.get(i)}}


def access_plan() -> tuple[dict, Plan, list[dict]]:
    """The JSON twin's data for the plan the address names, the plan itself, and its datasets for the page."""
    found, notes, kept, source = _datasets_for_view()
    plan = build_plan(services().link_index(), kept, _absolute(url_for("plan.plan", d=",".join(kept))))
    notes += [{"id": i, "code": "unknown", "message": f"'{_shown(i)}' is not in the link index yet; it is left out."}
              for i in plan.unknown]
    names = catalogue().publisher_names()
    data = {"source": source, "count": len(plan.datasets), "max": MAX_DATASETS, "notes": notes, "links": links(kept),
            "plan": plan.to_dict()}
    return data, plan, [_summary(ds, names) for ds in found if ds.id not in plan.unknown]


def _page(template: str, printable: bool = False):
    data, plan, datasets = access_plan()
    if wants_json():
        return respond(template, data)
    basket = basket_ids()
    ids = [d["id"] for d in datasets]
    return respond(template, {**data, "datasets": datasets, "ids": ids, "basket_count": len(basket),
                              "is_basket": data["source"] == "basket" or ids == basket, "printable": printable,
                              "graph": layout(plan), "titles": {d.id: d.title for d in plan.datasets},
                              "numbers": {d.id: n for n, d in enumerate(plan.datasets, 1)},
                              "urls": _register_urls(plan), "base_url": _absolute("")}, False)


@bp.route("/plan")
@bp.route("/plan.json", endpoint="plan_json")
def plan():
    return _page("plan/plan.html")


@bp.route("/plan/print")
def plan_print():
    """The same plan on one page for printing or saving as PDF: no buttons or navigation."""
    return _page("plan/plan.html", printable=True)


def _csv_cell(value) -> str:
    """A cell as text; one a spreadsheet would run as a formula (=, +, -, @) starts with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.route("/plan.csv")
def plan_csv():
    """One row per dataset and step (catalogue.linkage.plan.ROW_FIELDS)."""
    _, plan, _ = access_plan()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROW_FIELDS)
    for row in plan_rows(plan):
        writer.writerow([_csv_cell(row.get(f)) for f in ROW_FIELDS])
    return _download(out.getvalue(), "text/csv", "csv")


@bp.route("/plan.md")
def plan_markdown():
    _, plan, _ = access_plan()
    return _download(plan_markdown_text(plan), "text/markdown", "md")


def _download(body: str, mimetype: str, ext: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="linkage-plan.{ext}"'})
