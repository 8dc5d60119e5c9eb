"""Harvest a real CKAN 2.12 (../shared/peers/ckan), change and delete datasets there, harvest again.

Run by `make test-integration`, which starts and seeds the peer and sets CATALOGUE_CKAN_URL and
CATALOGUE_CKAN_APIKEY_FILE; skipped otherwise.
"""
import os
import uuid
from pathlib import Path

import pytest
from tests.support.harvest_helpers import add_source, by_action, run

from harvesters.http import HttpConfig

URL = os.environ.get("CATALOGUE_CKAN_URL", "")
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not URL, reason="needs a CKAN peer: make test-integration")]
HTTP = HttpConfig(read_timeout=30, retries=2, backoff=0.2)


@pytest.fixture
def peer():
    """A sysadmin client, and a fresh organisation whose datasets are purged afterwards."""
    from ckanapi import RemoteCKAN

    key_file = os.environ.get("CATALOGUE_CKAN_APIKEY_FILE", "/tmp/ckan-peer/run/apikey")
    org = f"it-{uuid.uuid4().hex[:8]}"
    with RemoteCKAN(URL, apikey=Path(key_file).read_text().strip(), user_agent="catalogue-integration-test") as ck:
        ck.action.organization_create(name=org, title=f"Integration {org}")
        try:
            yield ck, org
        finally:
            for name in ck.action.package_search(fq=f"organization:{org}", rows=1000, include_private=True,
                                                 include_drafts=True)["results"]:
                ck.action.dataset_purge(id=name["id"])
            for name in [f"{org}-{i:02d}" for i in range(12)]:  # deleted ones are not in search any more
                try:
                    ck.action.dataset_purge(id=name)
                except Exception:  # noqa: BLE001 - already purged
                    pass
            ck.action.organization_purge(id=org)


def dataset(org: str, i: int, **over) -> dict:
    d = {"name": f"{org}-{i:02d}", "title": f"Integration dataset {i:02d} about schools", "owner_org": org,
         "notes": f"Dataset {i} created by the catalogue's integration test.", "license_id": "odc-by",
         "maintainer": "Schools data team", "maintainer_email": "schools@example.org", "version": "2024.1",
         "url": f"https://example.org/it/{i}", "tags": [{"name": "schools"}, {"name": "integration"}],
         "extras": [{"key": "contact_email", "value": "desk@example.org"},
                    {"key": "temporal_start", "value": "2010-09-01"}, {"key": "spatial_text", "value": "England"},
                    {"key": "frequency", "value": "annual"}],
         "resources": [{"name": "Schools CSV", "url": f"https://example.org/it/{i}.csv", "format": "CSV"}]}
    d.update(over)
    return d


def test_harvest_change_delete_and_harvest_again(empty_catalogue, peer):
    ck, org = peer
    cat = empty_catalogue
    for i in range(10):
        ck.action.package_create(**dataset(org, i))
    ck.action.package_create(**dataset(org, 10, private=True))
    add_source(cat, "peer", "ckan", URL, options={"fq": f"organization:{org}", "rows": "4"})

    first = run(cat, "peer", http=HTTP)
    assert first.run.status == "complete", first.run.error
    assert first.run.totals["created"] == 10  # the private one is invisible to an anonymous harvester
    rec = cat.store.get(f"{org}-03").record
    assert rec["publisher"] == org and rec["keyword"] == ["integration", "schools"]
    assert rec["coverage"] == {"temporalStart": "2010-09-01", "nations": ["England"]}
    assert rec["updateFrequency"] == "freq:annual"
    assert rec["distribution"][0]["mediaType"] == "text/csv"
    assert cat.store.get(f"{org}-10") is None

    seq = cat.store.max_seq()
    second = run(cat, "peer", http=HTTP)
    assert second.run.status == "complete" and set(by_action(second)) <= {"unchanged"}
    assert cat.store.max_seq() == seq

    ck.action.package_patch(id=f"{org}-02", title="Integration dataset 02 about colleges")
    ck.action.package_patch(id=f"{org}-05", notes="Updated notes from the integration test.")
    ck.action.package_delete(id=f"{org}-07")
    third = run(cat, "peer", http=HTTP)
    acts = by_action(third)
    assert third.run.status == "complete", third.run.error
    assert sorted(o["dataset_id"] for o in acts["updated"]) == [f"{org}-02", f"{org}-05"]
    assert [o["dataset_id"] for o in acts["withdrawn"]] == [f"{org}-07"]
    assert len(third.outcomes) < 10  # incremental: only what changed (and ties at the bound) was read
    assert cat.store.get(f"{org}-02").title == "Integration dataset 02 about colleges"
    assert cat.store.get(f"{org}-07").status == "withdrawn"

    full = run(cat, "peer", full=True, http=HTTP)
    assert full.run.status == "complete"
    assert full.run.totals["unchanged"] == 9 and full.run.totals["created"] == 0


def test_harvest_the_whole_seeded_peer(empty_catalogue):
    add_source(empty_catalogue, "whole", "ckan", URL)
    result = run(empty_catalogue, "whole", http=HTTP)
    assert result.run.status == "complete", result.run.error
    assert result.run.totals["created"] >= 20
    ids = [o["remote_id"] for o in result.outcomes]
    assert len(ids) == len(set(ids))  # datasets sharing metadata_modified are neither lost nor doubled
    again = run(empty_catalogue, "whole", http=HTTP)
    assert again.run.status == "complete" and set(by_action(again)) <= {"unchanged"}
