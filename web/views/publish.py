"""Publishing in the browser: how-to page, upload → check report → publish, drafts, withdrawal."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request

from catalogue.records.files import InputError
from catalogue.records.schema import dataset_schema
from catalogue.publishing.uploads import PendingUploads, UploadError, check_records, parse_upload, publish
from seed_data import SEED_DIR

from web.auth import current_user, role_required
from web.common import catalogue, respond

bp = Blueprint("publish", __name__)
WRITERS = ("publisher", "admin")


def pending() -> PendingUploads:
    return current_app.extensions["pending_uploads"]


@bp.route("/publish")
@bp.route("/publish.json", endpoint="publish_json")
def how_to():
    user = current_user()
    drafts = []
    if user and user.role in ("publisher", "admin", "steward"):
        store = current_app.extensions["drafts"]
        drafts = [d.to_dict() for d in store.list(None if user.role != "publisher" else user.publisher)]
    data = {"base_url": current_app.config["SETTINGS"].base_url, "drafts": drafts,
            "max_upload_mb": current_app.config["SETTINGS"].max_upload_mb,
            "max_upload_records": current_app.config["SETTINGS"].max_upload_records,
            "can_upload": bool(user and user.role in WRITERS)}
    return respond("publish/publish.html", data, request.path.endswith(".json"))


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
    return redirect(f"/publish/uploads/{upload_id}")


def _check(upload_id: str):
    found = pending().get(upload_id, current_user().email)
    if found is None:
        abort(404, description="This upload has expired or is not yours. Upload the file again.")
    name, values = found
    return check_records(values, principal=current_user(), catalogue=catalogue(), name=name)


@bp.route("/publish/uploads/<upload_id>")
@role_required(*WRITERS)
def report(upload_id: str):
    as_json = upload_id.endswith(".json")
    upload_id = upload_id.removesuffix(".json")
    check = _check(upload_id)
    return respond("publish/upload_report.html", {"upload_id": upload_id, **check.to_dict()}, as_json)


@bp.route("/publish/uploads/<upload_id>/publish", methods=["POST"])
@role_required(*WRITERS)
def publish_upload(upload_id: str):
    check = _check(upload_id)
    mode = request.form.get("mode", "all")
    if mode not in ("all", "valid"):
        abort(400, description="Choose to publish all records or only those that pass.")
    if mode == "all" and check.blocked:
        return render_template("publish/upload_report.html", upload_id=upload_id, refused=True, **check.to_dict()), 422
    results = publish(check, mode=mode, principal=current_user(), catalogue=catalogue(), route="web-upload")
    pending().remove(upload_id)
    return render_template("publish/upload_done.html", results=[r.to_dict() for r in results],
                           skipped=len(check.blocked) if mode == "valid" else 0)


@bp.route("/datasets/<dataset_id>/withdraw", methods=["POST"])
@role_required(*WRITERS)
def withdraw(dataset_id: str):
    ds = catalogue().store.get(dataset_id)
    if ds is None:
        abort(404, description=f"There is no dataset with the identifier '{dataset_id}'.")
    if not current_user().can_write(ds.publisher):
        abort(403, description=f"'{dataset_id}' belongs to '{ds.publisher}'.")
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        return render_template("publish/publish_error.html", message="Give a reason for withdrawing the dataset."), 400
    catalogue().withdraw(dataset_id, reason=reason[:1000], author=current_user().author, route="web")
    return redirect(f"/datasets/{dataset_id}")


@bp.route("/publish/drafts/<draft_id>/publish", methods=["POST"])
@role_required(*WRITERS)
def publish_draft(draft_id: str):
    store = current_app.extensions["drafts"]
    draft = store.get(draft_id)
    if draft is None:
        abort(404, description=f"There is no draft '{draft_id}'.")
    why = store.refusal(current_user(), draft_id)  # the draft's organisation, and any stored record's
    if why:
        abort(403, description=why)
    result = catalogue().save(draft.record, author=current_user().author, route="web-draft")
    if result.action == "rejected":
        return render_template("publish/upload_done.html", results=[result.to_dict()], skipped=0, draft_refused=True), 422
    store.delete(draft_id, publisher=draft.publisher)
    return redirect(f"/datasets/{draft_id}")


@bp.route("/publish/drafts/<draft_id>")
@role_required("publisher", "admin", "steward")
def view_draft(draft_id: str):
    as_json = draft_id.endswith(".json")
    draft_id = draft_id.removesuffix(".json")
    draft = current_app.extensions["drafts"].get(draft_id)
    if draft is None or not current_user().can_see_drafts(draft.publisher):
        abort(404, description=f"There is no draft '{draft_id}' that you can see.")
    data = {"draft": draft.to_dict(), "record_json": json.dumps(draft.record, indent=2, ensure_ascii=False),
            "can_publish": current_user().can_write(draft.publisher)}
    if as_json:
        data.pop("record_json")
    return respond("publish/draft.html", data, as_json)


def register(app) -> None:
    app.extensions["pending_uploads"] = PendingUploads(app.extensions["catalogue"])
    app.register_blueprint(bp)

