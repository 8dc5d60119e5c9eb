"""Publishing in the browser: how-to page, upload → check report → publish, drafts, withdrawal."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from catalogue.records.files import InputError
from catalogue.records.schema import dataset_schema
from catalogue.publishing.accounts import ROLES, WRITERS
from catalogue.publishing.uploads import PendingUploads, UploadError, check_records, parse_upload
from catalogue.publishing.workflow import UploadRefused
from catalogue.publishing.workflow import publish_draft as publish_draft_workflow
from catalogue.publishing.workflow import publish_upload as publish_upload_workflow
from seed_data import SEED_DIR

from web.auth import current_user, role_required
from web.common import catalogue, respond, wants_json
from web.services import services

bp = Blueprint("publish", __name__)


def pending() -> PendingUploads:
    return services().pending_uploads


@bp.route("/publish")
@bp.route("/publish.json", endpoint="publish_json")
def how_to():
    user = current_user()
    drafts = []
    if user and user.role in ROLES:
        drafts = [d.to_dict() for d in services().drafts.list(None if user.role != "publisher" else user.publisher)]
    data = {"base_url": current_app.config["SETTINGS"].base_url, "drafts": drafts,
            "max_upload_mb": current_app.config["SETTINGS"].max_upload_mb,
            "max_upload_records": current_app.config["SETTINGS"].max_upload_records,
            "can_upload": bool(user and user.role in WRITERS)}
    return respond("publish/publish.html", data)


@bp.route("/publish/example.json")
def example():
    body = (SEED_DIR / "example-record.json").read_bytes()
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=example-record.json"})


@bp.route("/publish/schema.json")
def schema():
    return Response(json.dumps(dataset_schema(), indent=2), mimetype="application/schema+json",
                    headers={"Content-Disposition": "attachment; filename=dataset.schema.json"})


@bp.route("/publish/upload", methods=["POST"])
@role_required(*WRITERS)
def upload():
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_template("publish/publish_error.html", message="Choose a .json or .jsonl file to upload."), 400
    name = file.filename.rsplit("/", 1)[-1][:200]
    if not name.endswith((".json", ".jsonl", ".ndjson")):
        return render_template("publish/publish_error.html", message=f"{name}: upload a .json or .jsonl file."), 400
    try:
        values = parse_upload(file.read(), name, current_app.config["SETTINGS"].max_upload_records)
    except (UploadError, InputError) as exc:
        return render_template("publish/publish_error.html", message=str(exc)), 400
    upload_id = pending().add(current_user().email, name, values)
    return redirect(url_for("publish.report", upload_id=upload_id))


def _check(upload_id: str):
    found = pending().get(upload_id, current_user().email)
    if found is None:
        abort(404, description="This upload has expired or is not yours. Upload the file again.")
    name, values = found
    return check_records(values, principal=current_user(), catalogue=catalogue(), name=name)


@bp.route("/publish/uploads/<upload_id>")
@role_required(*WRITERS)
def report(upload_id: str):
    upload_id = upload_id.removesuffix(".json") if wants_json() else upload_id
    check = _check(upload_id)
    return respond("publish/upload_report.html", {"upload_id": upload_id, **check.to_dict()})


@bp.route("/publish/uploads/<upload_id>/publish", methods=["POST"])
@role_required(*WRITERS)
def publish_upload(upload_id: str):
    check = _check(upload_id)
    mode = request.form.get("mode", "all")
    try:
        results = publish_upload_workflow(check, mode=mode, principal=current_user(), catalogue=catalogue(),
                                          route="web-upload")
    except UploadRefused as exc:
        if exc.code == "invalid-mode":
            abort(400, description="Choose to publish all records or only those that pass.")
        return render_template("publish/upload_report.html", upload_id=upload_id, refused=True, **check.to_dict()), 422
    pending().remove(upload_id)
    return render_template("publish/upload_done.html", results=[r.to_dict() for r in results],
                           skipped=len(check.blocked) if mode == "valid" else 0)


@bp.route("/datasets/<dataset_id>/withdraw", methods=["POST"])
@role_required(*WRITERS)
def withdraw(dataset_id: str):
    ds = catalogue().get(dataset_id)
    if ds is None:
        abort(404, description=f"There is no dataset with the identifier '{dataset_id}'.")
    if not current_user().can_write(ds.publisher):
        abort(403, description=f"'{dataset_id}' belongs to '{ds.publisher}'.")
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        return render_template("publish/publish_error.html", message="Give a reason for withdrawing the dataset."), 400
    catalogue().withdraw(dataset_id, reason=reason[:1000], author=current_user().author, route="web")
    return redirect(url_for("datasets.dataset", name=dataset_id))


@bp.route("/publish/drafts/<draft_id>/publish", methods=["POST"])
@role_required(*WRITERS)
def publish_draft(draft_id: str):
    result = publish_draft_workflow(draft_id, drafts=services().drafts, catalogue=catalogue(),
                                    principal=current_user(), route="web-draft")
    if result.action == "rejected":
        return render_template("publish/upload_done.html", results=[result.to_dict()], skipped=0, draft_refused=True), 422
    return redirect(url_for("datasets.dataset", name=draft_id))


@bp.route("/publish/drafts/<draft_id>")
@role_required(*ROLES)
def view_draft(draft_id: str):
    as_json = wants_json()
    draft_id = draft_id.removesuffix(".json") if as_json else draft_id
    draft = services().drafts.get(draft_id)
    if draft is None or not current_user().can_see_drafts(draft.publisher):
        abort(404, description=f"There is no draft '{draft_id}' that you can see.")
    data = {"draft": draft.to_dict(), "record_json": json.dumps(draft.record, indent=2, ensure_ascii=False),
            "can_publish": current_user().can_write(draft.publisher)}
    if as_json:
        data.pop("record_json")
    return respond("publish/draft.html", data, as_json)
