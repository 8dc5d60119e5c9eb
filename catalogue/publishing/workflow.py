"""Publishing workflows, written once for the web pages and the API: publish a draft, publish a checked upload."""
from __future__ import annotations

from catalogue.errors import CatalogueError
from catalogue.publishing.accounts import Principal
from catalogue.publishing.drafts import DraftError, Drafts
from catalogue.publishing.uploads import UploadCheck, publish
from catalogue.records.service import Catalogue, SaveResult

MODES = ("all", "valid")


class DraftNotFound(CatalogueError):
    """There is no draft with this identifier."""

    code = "draft-not-found"


class UploadRefused(CatalogueError):
    """The upload cannot be published as asked; nothing was saved. `code` says why: invalid-mode or upload-blocked."""

    code = "upload-blocked"


def publish_draft(draft_id: str, *, drafts: Drafts, catalogue: Catalogue, principal: Principal,
                  route: str) -> SaveResult:
    """Publish a draft through the single write path; it stays a draft if rejected (the result says why).

    Raises DraftNotFound, or DraftError if the draft (or the stored record) is another organisation's."""
    draft = drafts.get(draft_id)
    if draft is None:
        raise DraftNotFound(f"There is no draft '{draft_id}'.")
    why = drafts.refusal(principal, draft_id)  # the draft's organisation, and any stored record's
    if why:
        raise DraftError(why, code="not-your-organisation")
    result = catalogue.save(draft.record, author=principal.author, route=route)
    if result.action != "rejected":
        drafts.delete(draft_id, publisher=draft.publisher)
    return result


def publish_upload(check: UploadCheck, *, mode: str, principal: Principal, catalogue: Catalogue,
                   route: str) -> list[SaveResult]:
    """Publish a checked upload: every record (mode 'all', refused if any blocks) or those that pass ('valid').

    Raises UploadRefused (code invalid-mode or upload-blocked) before anything is saved."""
    if mode not in MODES:
        raise UploadRefused("mode must be 'all' or 'valid'.", code="invalid-mode")
    if mode == "all" and check.blocked:
        raise UploadRefused(f"{len(check.blocked)} record(s) block publishing; nothing was saved.",
                            code="upload-blocked")
    return publish(check, mode=mode, principal=principal, catalogue=catalogue, route=route)
