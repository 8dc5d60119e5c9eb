"""CKAN harvesting end to end against a local fake CKAN: paging, incremental runs, withdrawals, faults."""
import pytest
from tests.support.fake_servers import Reply, ckan_package, free_port_url, json_reply
from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture
from tests.support.harvest_helpers import add_source, by_action, run

from harvesters.store import HarvestRepository
from catalogue.search import SearchQuery
from catalogue.records.store import PUBLISHED, WITHDRAWN

pytestmark = pytest.mark.postgres


def ckan(fake_ckan, cat, n=25, rows=10, **source_kw):
    fake = fake_ckan([ckan_package(i) for i in range(n)])
    add_source(cat, "portal", "ckan", fake.url, options={"rows": str(rows)}, **source_kw)
    return fake


def searches(fake):
    return [r.query for r in fake.server.requests if r.path.endswith("package_search")]


def test_first_run_creates_everything_and_a_rerun_changes_nothing(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat)
    first = run(cat, "portal")
    assert first.run.status == "complete", first.run.error
    assert first.run.totals["created"] == 25 and first.run.totals["failed"] == 0
    assert {s["sort"] for s in searches(fake)} == {"metadata_modified asc, id asc"}
    assert [s["start"] for s in searches(fake)] == ["0", "10", "20"]
    seq = cat.store.max_seq()
    again = run(cat, "portal")
    assert set(by_action(again)) == {"unchanged"}
    full = run(cat, "portal", full=True)
    assert full.run.mode == "full" and set(by_action(full)) == {"unchanged"}
    assert len(full.outcomes) == 25
    assert cat.store.max_seq() == seq  # no new revisions at all
    assert cat.store.get("ds-0003").revision == 1


def test_incremental_run_asks_only_for_changes_with_an_inclusive_bound(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat)
    first = run(cat, "portal")
    high = first.run.high_water
    assert high == "2024-02-01T10:00:00.000024Z"  # the newest metadata_modified seen
    pkg_id = ckan_package(5)["id"]
    fake.touch(pkg_id, "2024-03-01T00:00:00.000000", title="Dataset 0005 about lakes")
    fake.server.requests.clear()
    second = run(cat, "portal")
    fq = searches(fake)[0]["fq"]
    assert fq == f"+metadata_modified:[{high} TO *]"
    acts = by_action(second)
    assert [o["dataset_id"] for o in acts["updated"]] == ["ds-0005"]
    assert [o["dataset_id"] for o in acts["unchanged"]] == ["ds-0024"]  # the tie at the bound, re-read
    assert cat.store.get("ds-0005").title == "Dataset 0005 about lakes"
    assert second.run.high_water == "2024-03-01T00:00:00.000000Z"
    assert any(s.get("fl") == "id" for s in searches(fake))  # ids listed to see what has gone


def test_datasets_sharing_modified_to_the_microsecond_across_pages(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = fake_ckan([ckan_package(i, metadata_modified="2024-02-01T10:00:00.123456") for i in range(25)])
    add_source(cat, "portal", "ckan", fake.url, options={"rows": "10"})
    result = run(cat, "portal")
    assert result.run.status == "complete"
    ids = [o["remote_id"] for o in result.outcomes]
    assert len(ids) == len(set(ids)) == 25
    fake.touch(ckan_package(3)["id"], "2024-02-01T10:00:00.123456",
               notes="Changed but the timestamp did not move.")
    again = run(cat, "portal")  # inclusive bound: all 25 tied records come back; only the changed one updates
    assert [o["dataset_id"] for o in by_action(again)["updated"]] == ["ds-0003"]
    assert len(by_action(again)["unchanged"]) == 24


def test_a_repeated_page_stops_the_run(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat)
    assert run(cat, "portal").run.status == "complete"
    fake.repeat_pages = True
    result = run(cat, "portal", full=True)
    assert result.run.status == "failed"
    assert "same page twice" in result.run.error
    assert cat.store.count() == 25  # nothing withdrawn


def test_an_empty_page_before_the_count_is_reached_is_partial(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat)
    assert run(cat, "portal").run.status == "complete"
    fake.empty_from = 10
    result = run(cat, "portal", full=True)
    assert result.run.status == "partial"
    assert "listing ended early: 10 of 25" in result.run.error
    assert "withdrawn" not in by_action(result)
    assert cat.store.count() == 25


def test_an_empty_source_is_a_complete_run(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    ckan(fake_ckan, cat, n=0)
    result = run(cat, "portal")
    assert result.run.status == "complete" and result.outcomes == []


def test_gone_datasets_are_withdrawn_only_after_a_complete_run(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat)
    assert run(cat, "portal").run.status == "complete"
    gone = ckan_package(7)["id"]
    fake.packages[gone]["state"] = "deleted"  # CKAN drops deleted datasets from search and list
    fake.fail_times = 100
    failed = run(cat, "portal")
    assert failed.run.status == "failed" and "HTTP 500" in failed.run.error
    assert cat.store.get("ds-0007").status == PUBLISHED
    fake.fail_times = 0
    ok = run(cat, "portal")  # incremental: the id listing shows it has gone
    assert ok.run.status == "complete"
    assert [o["dataset_id"] for o in by_action(ok)["withdrawn"]] == ["ds-0007"]
    ds = cat.store.get("ds-0007")
    assert ds.status == WITHDRAWN and f"run {ok.run.id}" in ds.withdrawn_reason
    last = cat.store.revisions("ds-0007")[-1]
    assert (last.action, last.author, last.route) == ("withdrawn", "harvest:portal", "harvest")
    assert cat.search(SearchQuery(text="Dataset 0007")).total == 0
    fake.packages[gone]["state"] = "active"  # it comes back
    back = run(cat, "portal", full=True)
    assert [o["dataset_id"] for o in by_action(back)["updated"]] == ["ds-0007"]
    assert cat.store.get("ds-0007").status == PUBLISHED


def test_private_datasets_are_skipped_and_withdrawn_if_they_were_public(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat, n=5)
    assert run(cat, "portal").run.totals["created"] == 5
    private = {**ckan_package(2), "private": True, "metadata_modified": "2024-05-01T00:00:00.000000"}
    secret = {**ckan_package(9), "private": True}

    def with_private(req):  # as a token holder might see it
        if req.path.endswith("package_search") and not req.query.get("fl"):
            page = fake.search([p for p in fake.packages.values() if p["id"] != private["id"]], req.query)
            page["results"] += [private, secret] if req.query.get("start") == "0" else []
            return fake.ok(page)
        return None
    fake.override = with_private
    result = run(cat, "portal", full=True)
    acts = by_action(result)
    assert [o["dataset_id"] for o in acts["withdrawn"]] == ["ds-0002"]
    assert [o["remote_id"] for o in acts["skipped"]] == [secret["id"]]
    assert cat.store.get("ds-0009") is None


def test_a_dataset_reported_deleted_is_withdrawn_only_if_the_run_completes(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat, n=3)
    run(cat, "portal")
    deleted = {**ckan_package(1), "state": "deleted", "metadata_modified": "2024-05-01T00:00:00.000000"}
    broken = ckan_package(8, resources=3, metadata_modified="2024-05-02T00:00:00.000000")

    results = [ckan_package(0), ckan_package(2), deleted, broken]

    def reported(req):  # as CKAN answers with include_deleted: the deleted one is in the results
        if req.path.endswith("package_search"):
            return fake.ok({"count": len(results), "results": results})
        return None
    fake.override = reported
    partial = run(cat, "portal", full=True)  # the broken record makes the run partial
    assert partial.run.status == "partial"
    skipped = by_action(partial)["skipped"]
    assert skipped[0]["reason"] == "deleted at the source; not withdrawn because the run did not complete"
    assert skipped[0]["code"] == "not-withdrawn"
    assert cat.store.get("ds-0001").status == PUBLISHED
    results.remove(broken)
    complete = run(cat, "portal", full=True)
    assert complete.run.status == "complete"
    assert [(o["dataset_id"], o["reason"]) for o in by_action(complete)["withdrawn"]] == [
        ("ds-0001", "deleted at the source")]


def test_falls_back_to_package_list_and_package_show(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = ckan(fake_ckan, cat, n=6)
    fake.search_disabled = True
    result = run(cat, "portal")
    assert result.run.status == "complete" and result.run.totals["created"] == 6
    assert sum(r.path.endswith("package_show") for r in fake.server.requests) == 6
    fake.packages[ckan_package(4)["id"]]["state"] = "deleted"
    again = run(cat, "portal")
    assert [o["dataset_id"] for o in by_action(again)["withdrawn"]] == ["ds-0004"]
    assert len(by_action(again)["unchanged"]) == 5


# ---------------------------------------------------------------- faults

def test_source_down(empty_catalogue):
    add_source(empty_catalogue, "portal", "ckan", free_port_url())
    result = run(empty_catalogue, "portal")
    assert result.run.status == "failed"
    assert "portal: package_search" in result.run.error and "could not connect" in result.run.error


def test_source_times_out(empty_catalogue, fake_ckan):
    fake = ckan(fake_ckan, empty_catalogue)
    fake.override = lambda req: json_reply({}, delay=1.5)
    result = run(empty_catalogue, "portal")
    assert result.run.status == "failed" and "read timeout" in result.run.error
    assert result.run.duration < 10


def test_500s_then_recovery(empty_catalogue, fake_ckan):
    fake = ckan(fake_ckan, empty_catalogue)
    fake.fail_times = 2  # retries=2 in the test HTTP settings
    result = run(empty_catalogue, "portal")
    assert result.run.status == "complete" and result.run.totals["created"] == 25


@pytest.mark.parametrize("reply, message", [
    (Reply(200, b'{"success": true, "result": {"count": 25, "results": [{"id": "a"',
           {"Content-Type": "application/json"}),
     "invalid JSON at line 1, column"),
    (Reply(200, b"<!DOCTYPE html><html><body>We'll be back soon</body></html>", {"Content-Type": "text/html"}),
     "expected JSON but got an HTML page"),
])
def test_broken_answers_fail_the_run_with_a_clear_error(empty_catalogue, fake_ckan, reply, message):
    fake = ckan(fake_ckan, empty_catalogue)
    fake.override = lambda req: reply if req.query.get("start") == "10" else None
    result = run(empty_catalogue, "portal")
    assert result.run.status == "failed"
    assert message in result.run.error and "portal" in result.run.error
    assert result.run.totals["created"] == 10  # the first page was imported; nothing withdrawn


def test_a_record_fifty_times_the_normal_size_is_harvested(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    normal = len(str(ckan_package(1)))
    big = ckan_package(1, notes="Long description. " * (normal * 50 // 18),
                       resources=[{"name": f"File {i}", "url": f"https://example.org/{i}.csv", "format": "CSV",
                                   "state": "active"} for i in range(200)])
    assert len(str(big)) > 50 * normal
    fake = fake_ckan([ckan_package(0), big, ckan_package(2)])
    add_source(cat, "portal", "ckan", fake.url)
    result = run(cat, "portal")
    assert result.run.status == "complete" and result.run.totals["created"] == 3
    assert len(cat.store.get("ds-0001").record["distribution"]) == 200


def test_one_bad_record_among_good_ones(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    fake = fake_ckan([ckan_package(i) for i in range(5)] + [ckan_package(5, resources=5)])
    add_source(cat, "portal", "ckan", fake.url)
    result = run(cat, "portal")
    assert result.run.status == "partial" and "1 record(s) failed" in result.run.error
    failed = by_action(result)["failed"]
    assert len(failed) == 1 and "could not transform: TypeError" in failed[0]["reason"]
    assert failed[0]["code"] == "transform-failed"
    assert {o["code"] for o in by_action(result)["created"]} == {""}  # stored: nothing to report
    assert result.run.totals["created"] == 5


# ---------------------------------------------------------------- incompleteness, identity, provenance

def test_incomplete_records_are_stored_flagged_not_dropped(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    odd = ckan_package(1, name="???", id="!!!", organization=None, maintainer=None, maintainer_email=None, title="")
    fake = fake_ckan([ckan_package(0), odd])
    add_source(cat, "portal", "ckan", fake.url, publishers=["department-for-education"])
    result = run(cat, "portal")
    assert result.run.totals["created"] == 2 and result.run.totals["incomplete"] == 2
    ds = cat.store.get("ds-0000")
    assert ds.report["valid"] is False
    assert any(i["path"] == "$.securityClassification" for i in ds.report["issues"])
    assert ds.publisher == "department-for-education"  # the source's one publisher
    odd_out = next(o for o in result.outcomes if o["remote_id"] == "!!!")
    derived = odd_out["dataset_id"]
    assert derived.startswith("portal-")
    assert cat.store.get(derived).publisher == "department-for-education"
    assert any("no identifier at the source" in n for n in odd_out["details"]["notes"])
    assert any("no title at the source" in n for n in odd_out["details"]["notes"])
    assert odd_out["details"]["incomplete"] and "$.contactPoint" in odd_out["details"]["error_paths"]


def test_publisher_not_allowed_for_the_source_fails_that_record(empty_catalogue, fake_ckan):
    fake = fake_ckan([ckan_package(0)])
    add_source(empty_catalogue, "portal", "ckan", fake.url, publishers=["department-for-education", "ons"])
    result = run(empty_catalogue, "portal")
    assert "not one this source may write for" in by_action(result)["failed"][0]["reason"]
    assert by_action(result)["failed"][0]["code"] == "not-your-organisation"
    assert empty_catalogue.store.get("ds-0000") is None


def test_raw_payload_is_kept_for_provenance(empty_catalogue, fake_ckan):
    cat = empty_catalogue
    ckan(fake_ckan, cat, n=3)
    result = run(cat, "portal")
    repo = HarvestRepository(cat.store)
    pkg = ckan_package(1)
    stored = repo.payload("portal", pkg["id"])
    assert stored["payload_format"] == "json" and stored["run_id"] == result.run.id
    assert '"name":"ds-0001"' in stored["payload"]
    assert repo.provenance("ds-0001")[0]["remote_id"] == pkg["id"]
    assert cat.store.revisions("ds-0001")[0].author == "harvest:portal"
    # new organisations become publishers with their CKAN titles
    assert cat.store.publisher("peer-org-a")["name"] == "Peer Org A"


def test_an_empty_listing_withdraws_nothing_unless_allowed(empty_catalogue, fake_ckan):
    from harvesters.runner import harvest

    cat = empty_catalogue
    fake = ckan(fake_ckan, cat, n=3)
    assert run(cat, "portal").run.status == "complete"
    for pkg in fake.packages.values():
        pkg["state"] = "deleted"  # the portal suddenly lists nothing: more often an outage than real
    empty = run(cat, "portal", full=True)
    assert empty.run.status == "partial" and "listed no datasets" in empty.run.error
    assert [d.status for d in cat.store.datasets(status=None)] == [PUBLISHED] * 3
    repo = HarvestRepository(cat.store)
    from tests.support.harvest_helpers import FAST

    allowed = harvest(cat, repo, repo.source("portal"), full=True, http=FAST, environ={}, allow_empty=True)
    assert allowed.run.status == "complete"
    assert [d.status for d in cat.store.datasets(status=None)] == [WITHDRAWN] * 3
