"""The CKAN-compatible read API, read by the real ckanapi client and by our own CKAN harvester over HTTP."""
import pytest
from ckanapi import RemoteCKAN
from ckanapi.errors import NotFound, SearchQueryError, ValidationError

from catalogue.records.service import Catalogue
from catalogue.records.store import PUBLISHED
from tests.support.app import make_settings
from tests.formats.test_ckan_out import carried
from tests.support.harvest_helpers import add_source, by_action, run
from tests.support.live import serving

pytestmark = pytest.mark.postgres
NPD = "dfe-national-pupil-database"


@pytest.fixture(scope="module")
def base(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def ckan(base):
    with RemoteCKAN(base, user_agent="test") as remote:
        yield remote


def published(app):
    return app.extensions["catalogue_services"].catalogue.datasets()


def test_search_pages_in_a_stable_order_and_sees_everything(ckan, app):
    total = len(published(app))
    seen, start = [], 0
    while True:
        res = ckan.action.package_search(q="*:*", sort="metadata_modified asc, id asc", rows=7, start=start)
        assert res["count"] == total
        if not res["results"]:
            break
        seen += [p["id"] for p in res["results"]]
        start += 7
    assert len(seen) == len(set(seen)) == total
    assert sorted(seen) == sorted(d.id for d in published(app))


def test_search_filters_with_fq_and_facets(ckan, app):
    dfe = [d.id for d in published(app) if d.publisher == "department-for-education"]
    res = ckan.action.package_search(fq="organization:department-for-education", rows=1000,
                                     **{"facet.field": ["organization", "tags", "res_format"]})
    assert sorted(p["id"] for p in res["results"]) == sorted(dfe) and res["count"] == len(dfe)
    assert res["facets"]["organization"] == {"department-for-education": len(dfe)}
    assert res["search_facets"]["organization"]["items"][0]["display_name"] != "department-for-education"
    tagged = ckan.action.package_search(fq='+tags:"school census" +res_format:csv', rows=1000)
    assert NPD in [p["id"] for p in tagged["results"]]
    assert all(any(t["name"] == "school census" for t in p["tags"]) for p in tagged["results"])
    not_dfe = ckan.action.package_search(fq="-organization:department-for-education", rows=0)
    assert not_dfe["count"] == len(published(app)) - len(dfe) and not_dfe["results"] == []


def test_metadata_modified_bound_is_inclusive(ckan):
    newest = ckan.action.package_search(sort="metadata_modified desc", rows=1)["results"][0]
    res = ckan.action.package_search(fq=f"metadata_modified:[{newest['metadata_modified']}Z TO *]", rows=1000)
    assert newest["id"] in [p["id"] for p in res["results"]]
    after = ckan.action.package_search(fq=f"metadata_modified:{{{newest['metadata_modified']}Z TO *]", rows=1000)
    assert newest["id"] not in [p["id"] for p in after["results"]]


def test_text_search_and_sorts(ckan):
    res = ckan.action.package_search(q="pupil", rows=1000)
    ids = [p["id"] for p in res["results"]]
    assert NPD in ids and 0 < res["count"] < 79
    titles = [p["title"].lower() for p in ckan.action.package_search(sort="title_string asc", rows=1000)["results"]]
    assert titles == sorted(titles)
    assert ckan.action.package_search(q="zzzznothingmatcheszzzz")["count"] == 0
    assert ckan.action.package_search(fl="id", rows=2)["results"][0].keys() == {"id"}


def test_show_lists_and_orgs(ckan, app):
    pkg = ckan.action.package_show(id=NPD)
    assert pkg["name"] == NPD and pkg["organization"]["name"] == "department-for-education"
    extras = {e["key"] for e in pkg["extras"]}
    assert {"information_asset_owner", "support_inbox", "access_routes", "legal_gateways", "linkage_keys",
            "readiness_score", "readiness_band"} <= extras
    with pytest.raises(NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ValidationError):
        ckan.action.package_show()
    assert sorted(ckan.action.package_list()) == sorted(d.id for d in published(app))
    orgs = ckan.action.organization_list(all_fields=True)
    by_name = {o["name"]: o for o in orgs}
    assert by_name["department-for-education"]["package_count"] == len(
        [d for d in published(app) if d.publisher == "department-for-education"])
    assert ckan.action.organization_list() == sorted(by_name)
    assert ckan.action.organization_show(id="department-for-education")["title"] == \
        by_name["department-for-education"]["title"]
    with pytest.raises(NotFound):
        ckan.action.organization_show(id="nobody")
    assert "school census" in ckan.action.tag_list()
    assert ckan.action.group_list() == []
    assert ckan.action.status_show()["ckan_version"].startswith("2.")
    assert ckan.action.site_read() is True
    assert len(ckan.action.current_package_list_with_resources(limit=5)) == 5
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(fq="nonsense((")


def test_envelope_and_both_prefixes(client):
    for path in ("/api/3/action/package_show?id=" + NPD, "/api/action/package_show?id=" + NPD):
        body = client.get(path).get_json()
        assert body["success"] is True and body["result"]["id"] == NPD
        assert body["help"].endswith("/api/3/action/help_show?name=package_show")
    assert client.get("/api/3/action/help_show?name=package_search").get_json()["result"].startswith("Search")
    unknown = client.get("/api/3/action/package_delete")
    assert unknown.status_code == 400 and unknown.get_json()["error"]["__type"] == "Bad Request"


@pytest.mark.parametrize("query, status, kind", [
    ("rows=-1", 409, "Validation Error"), ("rows=abc", 409, "Validation Error"), ("rows=1.5", 409, "Validation Error"),
    ("start=-3", 409, "Validation Error"), ("fq=organization:(", 409, "Search Query Error"),
    ("fq=evil:x", 409, "Search Query Error"), ("fq=metadata_modified:[yesterday TO *]", 409, "Search Query Error"),
    ("fq=%22%5C", 409, "Search Query Error"), ("fq=)))", 409, "Search Query Error"),
    ("sort=drop table", 409, "Search Query Error"), ("sort=title_string%20up", 409, "Search Query Error"),
    ("facet.field=%5B1%5D", 409, "Validation Error"), ("facet.field=%5B", 409, "Validation Error"),
    ("facet.field=password", 409, "Validation Error")])
def test_hostile_params_get_ckan_errors(client, query, status, kind):
    resp = client.get(f"/api/3/action/package_search?{query}")
    body = resp.get_json()
    assert resp.status_code == status and body["success"] is False and body["error"]["__type"] == kind
    assert body["ok"] is False and body["code"]


@pytest.mark.parametrize("query", ["start=" + str(10 ** 30), "rows=100000", "q=%00", "q=" + "(" * 500, "q=*:*",
                                   "fq=", "sort=", "rows=0"])
def test_odd_but_acceptable_params_answer(client, query):
    resp = client.get(f"/api/3/action/package_search?{query}")
    body = resp.get_json()
    assert resp.status_code == 200 and body["success"] is True, body
    assert len(body["result"]["results"]) <= 1000


def test_a_bad_json_body_is_a_400(client):
    resp = client.post("/api/3/action/package_search", data=b"[1,", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["success"] is False


def test_drafts_and_withdrawn_never_appear(writable_app):
    cat = writable_app.extensions["catalogue_services"].catalogue
    cat.withdraw(NPD, reason="gone", author="t", route="test")
    client = writable_app.test_client()
    assert client.get(f"/api/3/action/package_show?id={NPD}").status_code == 404
    names = client.get("/api/3/action/package_list").get_json()["result"]
    assert NPD not in names and len(names) == len(cat.datasets())


@pytest.fixture
def second_catalogue(tmp_path):
    """A second, empty catalogue (no publishers either): the harvest brings them."""
    cat = Catalogue(make_settings(tmp_path / "second"))
    yield cat
    cat.close()


def test_our_ckan_harvester_harvests_us_incrementally_and_field_for_field(writable_app, second_catalogue):
    empty_catalogue = second_catalogue
    source = writable_app.extensions["catalogue_services"].catalogue
    originals = {d.id: d.record for d in source.datasets()}
    with serving(writable_app) as url:
        add_source(empty_catalogue, "us", "ckan", url, options={"rows": "20"})
        first = run(empty_catalogue, "us")
        assert first.run.status == "complete", first.run.error
        assert first.run.totals["created"] == len(originals) and first.run.totals["failed"] == 0, first.outcomes[:2]
        second = run(empty_catalogue, "us")
        assert second.run.status == "complete", second.run.error
        assert set(by_action(second)) <= {"unchanged"}
        # a change at the source comes across on the next incremental run, and only it
        changed = dict(originals[NPD], title="National Pupil Database (renamed)")
        assert source.save(changed, author="t", route="test").action == "updated"
        third = run(empty_catalogue, "us")
        assert [o["dataset_id"] for o in by_action(third)["updated"]] == [NPD]
        originals[NPD] = changed
    copies = {d.id: d.record for d in empty_catalogue.store.datasets(status=PUBLISHED)}
    assert copies.keys() == originals.keys()
    for ident, record in originals.items():
        copy = carried(copies[ident])
        for key in ("issued", "modified"):  # absent here, the harvester takes CKAN's metadata_created/modified
            if key not in record:
                assert copy.pop(key) == source.get(ident).updated_at.date().isoformat() or key == "issued"
        assert copy == carried(record), ident
    assert empty_catalogue.publisher_names() == {p: n for p, n in source.publisher_names().items()
                                                 if p in {r["publisher"] for r in originals.values()}}


@pytest.mark.parametrize("body, content_type, status", [
    (b"[" * 100000, "application/json", 400), (b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json", 400),
    (b"\xff\xfe", "application/json", 400), (b"[1]", "application/json", 400),
    (b'{"rows": 1.0}', "application/json", 409), (b'{"rows": true}', "application/json", 409),
    (b'{"q": {"a": 1}}', "application/json", 409), (b'{"fq": ["x"]}', "application/json", 409),
    (b"rows=5&include_private=false", "application/x-www-form-urlencoded", 200)])
def test_hostile_bodies_get_ckan_errors(client, body, content_type, status):
    resp = client.post("/api/3/action/package_search", data=body, content_type=content_type)
    assert resp.status_code == status and resp.get_json()["success"] is (status == 200)
    for action in ("package_show", "organization_show", "tag_list", "organization_list", "package_list",
                   "current_package_list_with_resources", "help_show"):
        assert client.post(f"/api/3/action/{action}", data=body, content_type=content_type).status_code < 500
