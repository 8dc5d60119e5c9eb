"""Write API for publishers: datasets, drafts and bulk uploads. Bearer tokens only."""
from __future__ import annotations

import copy

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from werkzeug.http import HTTP_STATUS_CODES

from catalogue.publishing.accounts import WRITERS
from catalogue.publishing.drafts import DraftError, Drafts
from catalogue.records.files import InputError, decode, loads, parse_records
from catalogue.publishing.uploads import UploadError, check_records, parse_upload
from catalogue.publishing.workflow import UploadRefused, publish_upload
from catalogue.publishing.workflow import publish_draft as publish_draft_workflow
from catalogue.records.validation import Report, unstorable

from web.auth import current_user, role_required
from web.common import catalogue
from web.errors import error_body
from web.services import services

bp = Blueprint("api", __name__, url_prefix="/api")


def drafts() -> Drafts:
    return services().drafts


def _max_records() -> int:
    return current_app.config["SETTINGS"].max_upload_records


def _page(dataset_id: str) -> str:
    return url_for("datasets.dataset", name=dataset_id)


def _error(status: int, title: str, message: str, code: str | None = None, **extra):
    return jsonify({**error_body(status, title, message, code), **extra}), status


def _fail(status: int, message: str, code: str):
    """Stop the request with the one error shape and a specific code."""
    resp, resp.status_code = _error(status, HTTP_STATUS_CODES[status], message, code)[0], status
    abort(resp)


def _body_record() -> dict:
    try:
        values = parse_records(request.get_data(), "request body", jsonl=False)
    except InputError as exc:
        _fail(400, str(exc), exc.code)
    if request.get_data().lstrip()[:1] != b"{" or len(values) != 1:
        _fail(400, "request body: expected one JSON object (a dataset record)", "not-one-record")
    bad = unstorable(values[0])  # before any lookup by identifier: such text cannot even be queried
    if bad:
        resp, status = _error(422, "Unprocessable Entity", "The record has text or numbers that cannot be "
                              "stored; nothing was saved.", "unstorable", report=Report(bad).to_dict())
        resp.status_code = status
        abort(resp)
    return values[0]


def _body_json():
    """A small JSON body (None if empty), parsed as strictly as records are."""
    try:
        text = decode(request.get_data(), "request body")
        value = loads(text, "request body") if text.strip() else None
    except InputError as exc:
        _fail(400, str(exc), exc.code)
    bad = unstorable(value)
    if bad:
        _fail(400, f"request body: {bad[0].path}: {bad[0].message}", bad[0].code)
    return value


def _check_owner(dataset_id: str) -> None:
    """The caller must be allowed to write the record as it is stored now, and as a draft."""
    why = drafts().refusal(current_user(), dataset_id)
    if why:
        _fail(403, why, "not-your-organisation")


def _save(record: dict, status_new: int = 201):
    user = current_user()
    pub = record.get("publisher")
    if isinstance(pub, str) and not user.can_write(pub):
        _fail(403, f"This record is for '{pub}'; you can write only for "
                   f"'{user.publisher or 'no organisation'}'.", "not-your-organisation")
    if request.args.get("draft") in ("1", "true", "yes"):
        ident = record.get("identifier")
        if not isinstance(ident, str) or not isinstance(pub, str) or not ident or not pub:
            return _error(422, "Unprocessable Entity", "A draft needs at least an identifier and a publisher.",
                          "draft-incomplete")
        existing = catalogue().get(ident)
        if existing is not None and existing.status == "published":
            return _error(409, "Conflict", f"'{ident}' is already published; update it with PUT or PATCH.",
                          "already-published")
        try:
            draft = drafts().save(record, author=user.author, principal=user)
        except DraftError as exc:
            _fail(403, str(exc), exc.code)
        return jsonify({"ok": True, "draft": draft.to_dict()}), 200
    result = catalogue().save(record, author=user.author, route="api")
    if result.action == "rejected":
        return _error(422, "Unprocessable Entity", "The record is not valid; nothing was saved.", "invalid-record",
                      report=result.report.to_dict())
    drafts().delete(result.identifier, publisher=record["publisher"])
    body = {"ok": True, **result.to_dict(), "url": _page(result.identifier)}
    return jsonify(body), (status_new if result.action == "created" else 200)


@bp.route("/datasets", methods=["POST"])
@role_required(*WRITERS)
def create_dataset():
    record = _body_record()
    ident = record.get("identifier")
    if isinstance(ident, str) and ident:
        _check_owner(ident)  # another organisation's record or draft holds it
    if isinstance(ident, str) and catalogue().get(ident) is not None:
        return _error(409, "Conflict", f"'{ident}' already exists; use PUT /api/datasets/{ident} to replace it.",
                      "already-exists")
    return _save(record)


@bp.route("/datasets/<dataset_id>", methods=["PUT"])
@role_required(*WRITERS)
def replace_dataset(dataset_id: str):
    record = _body_record()
    if record.get("identifier", dataset_id) != dataset_id:
        return _error(400, "Bad Request", f"The identifier in the body ('{record.get('identifier')}') does not "
                                          f"match the URL ('{dataset_id}').", "identifier-mismatch")
    record["identifier"] = dataset_id
    _check_owner(dataset_id)
    return _save(record)


def merge_patch(target, patch):
    """JSON Merge Patch (RFC 7386)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


@bp.route("/datasets/<dataset_id>", methods=["PATCH"])
@role_required(*WRITERS)
def patch_dataset(dataset_id: str):
    patch = _body_record()
    _check_owner(dataset_id)
    draft = drafts().get(dataset_id) if request.args.get("draft") in ("1", "true", "yes") else None
    existing = catalogue().get(dataset_id)
    base = draft.record if draft else (existing.record if existing else None)
    if base is None:
        abort(404, description=f"There is no dataset '{dataset_id}' to update.")
    if patch.get("identifier", dataset_id) != dataset_id:
        return _error(400, "Bad Request", "The identifier cannot be changed with PATCH.", "identifier-changed")
    return _save(merge_patch(base, patch))


@bp.route("/datasets/<dataset_id>/withdraw", methods=["POST"])
@role_required(*WRITERS)
def withdraw_dataset(dataset_id: str):
    body = _body_json()
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        return _error(400, "Bad Request", "Give a reason: {\"reason\": \"...\"}.", "reason-missing")
    if catalogue().get(dataset_id) is None:
        abort(404, description=f"There is no dataset '{dataset_id}'.")
    _check_owner(dataset_id)
    result = catalogue().withdraw(dataset_id, reason=reason.strip()[:1000], author=current_user().author, route="api")
    return jsonify({"ok": True, **result.to_dict()})


@bp.route("/datasets/<dataset_id>/publish", methods=["POST"])
@role_required(*WRITERS)
def publish_draft(dataset_id: str):
    result = publish_draft_workflow(dataset_id, drafts=drafts(), catalogue=catalogue(), principal=current_user(),
                                    route="api-draft")
    if result.action == "rejected":
        return _error(422, "Unprocessable Entity", "The draft is not valid yet; it stays a draft.", "invalid-record",
                      report=result.report.to_dict())
    return jsonify({"ok": True, **result.to_dict(), "url": _page(dataset_id)})


@bp.route("/datasets/<dataset_id>", methods=["GET"])
def get_dataset(dataset_id: str):
    """The stored record, or a draft for those allowed to see it."""
    user = current_user()
    draft = drafts().get(dataset_id)
    if draft and user and user.can_see_drafts(draft.publisher) and request.args.get("draft"):
        return jsonify({"ok": True, "draft": draft.to_dict()})
    ds = catalogue().get(dataset_id)
    if ds is None:
        abort(404, description=f"There is no dataset '{dataset_id}'.")
    return jsonify({"ok": True, "identifier": ds.id, "status": ds.status, "revision": ds.revision,
                    "record": ds.record, "report": ds.report})


@bp.route("/uploads", methods=["POST"])
@role_required(*WRITERS)
def upload():
    user = current_user()
    name = request.args.get("filename") or ("upload.jsonl" if "ndjson" in (request.content_type or "")
                                            or "jsonl" in (request.content_type or "") else "upload.json")
    try:
        values = parse_upload(request.get_data(), name, _max_records())
    except (UploadError, InputError) as exc:
        _fail(400, str(exc), exc.code)
    check = check_records(values, principal=user, catalogue=catalogue(), name=name)
    body = {"ok": not check.blocked, "dry_run": False, **check.to_dict()}
    wrong_org = [r for r in check.records if r.forbidden]
    if request.args.get("dry_run") in ("1", "true", "yes"):
        body["dry_run"] = True
        return jsonify(body), 200
    if wrong_org:
        first = wrong_org[0].report.issues[-1].message
        return _error(403, "Forbidden", f"{len(wrong_org)} record(s) are for, or held by, another organisation; "
                                        f"nothing was saved. {first}", "not-your-organisation", **check.to_dict())
    try:
        results = publish_upload(check, mode=request.args.get("mode", "all"), principal=user, catalogue=catalogue(),
                                 route="api-upload")
    except UploadRefused as exc:
        if exc.code == "invalid-mode":
            return _error(400, "Bad Request", "mode must be 'all' (the default) or 'valid'.", "invalid-mode")
        return _error(422, "Unprocessable Entity", f"{len(check.blocked)} record(s) block publishing; nothing "
                      "was saved. Fix them, or publish with ?mode=valid.", exc.code, **check.to_dict())
    body["published"] = [r.to_dict() for r in results]
    return jsonify(body), 200
