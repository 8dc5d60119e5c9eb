"""Every harvest outcome that is not a plain store carries a stable `code` beside its English reason, stored with
the outcome; stores made before outcomes had codes get the column and read their old outcomes with code ""."""
import pytest
from sqlalchemy import text
from tests.support.fake_servers import ckan_package, json_reply
from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture
from tests.support.harvest_helpers import add_source, by_action, run

from harvesters.store import HarvestRepository

pytestmark = pytest.mark.postgres
NOT_FOUND = {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}}


def test_a_record_the_source_will_not_show_is_fetch_failed(empty_catalogue, fake_ckan):
    fake = fake_ckan([ckan_package(i) for i in range(3)])
    fake.search_disabled = True  # package_list, then package_show for each name
    fake.override = lambda req: (json_reply(NOT_FOUND, 404) if req.path.endswith("package_show")
                                 and req.query.get("id") == "ds-0001" else None)
    add_source(empty_catalogue, "portal", "ckan", fake.url)
    result = run(empty_catalogue, "portal")
    [failed] = by_action(result)["failed"]
    assert (failed["remote_id"], failed["code"]) == ("ds-0001", "fetch-failed")
    stored = HarvestRepository(empty_catalogue.store).outcomes(result.run.id, "failed")
    assert [(o["remote_id"], o["code"], o["reason"]) for o in stored] == [("ds-0001", "fetch-failed",
                                                                           failed["reason"])]


def test_private_and_deleted_records_are_skipped_with_their_codes(empty_catalogue, fake_ckan):
    private = ckan_package(1, private=True)
    deleted = ckan_package(2, state="deleted")
    fake = fake_ckan([ckan_package(0)])
    fake.override = lambda req: (fake.ok({"count": 3, "results": [ckan_package(0), private, deleted]})
                                 if req.path.endswith("package_search") else None)
    add_source(empty_catalogue, "portal", "ckan", fake.url)
    result = run(empty_catalogue, "portal")
    skipped = {o["remote_id"]: (o["code"], o["reason"]) for o in by_action(result)["skipped"]}
    assert skipped == {private["id"]: ("private-at-source", "private at the source"),
                       deleted["id"]: ("deleted-at-source", "deleted at the source")}
    assert [o["code"] for o in by_action(result)["created"]] == [""]


def test_outcomes_stored_before_codes_get_the_column_and_read_back(empty_catalogue):
    store = empty_catalogue.store
    repo = HarvestRepository(store)
    run_id = repo.start_run("old", "full")
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE harvest_outcomes DROP COLUMN code"))
        conn.execute(text("INSERT INTO harvest_outcomes (run_id, remote_id, dataset_id, action, reason, details) "
                          "VALUES (:run, 'r1', '', 'failed', 'an old failure', '{}')"), {"run": run_id})
    repo = HarvestRepository(store)  # adds the column
    repo.add_outcomes(run_id, [{"remote_id": "r2", "action": "failed", "code": "fetch-failed", "reason": "new"}])
    assert [(o["remote_id"], o["code"], o["reason"]) for o in repo.outcomes(run_id)] == [
        ("r1", "", "an old failure"), ("r2", "fetch-failed", "new")]
