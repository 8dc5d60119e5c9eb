"""Every page renders every record the store accepts: generated partial records, every page and twin.

Records come from schemas/dataset.schema.json with every `required` list dropped, so any field may be missing.
Each is saved through the one write path (Catalogue.save_many, allow_invalid as harvests do: incomplete records are
stored, flagged), sometimes twice so history and diff have two revisions. Then its pages are fetched.
The linkage plan's pages (compare, the access plan and its downloads) take the record with the two generated before
it, so its pairs, steps and contacts are worked out on generated records too.
"""
import copy
import random
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from catalogue.records.schema import dataset_schema
from catalogue.records.service import Catalogue
from tests.support.app import SEED_PUBLISHERS, TEST_PASSWORD, csrf_token, make_app, make_settings
from test_foreign_records import AUDIT_PATHS, page_failures

pytestmark = pytest.mark.postgres
PUBLISHERS = [p["id"] for p in SEED_PUBLISHERS[:4]]


def _leaf(node: dict) -> dict:
    return {k: v for k, v in node.items() if k not in ("obligation", "description", "cddo", "required", "anyOf")}


def partial(node: dict):
    """Records shaped by the schema with no field required, at any depth.

    Objects are built here (every property optional) and every other value comes from hypothesis-jsonschema's
    from_schema: its own object generation uses a Hypothesis internal (`many.more()`) that Hypothesis 6.170 removed."""
    if node.get("type") == "object":
        return st.fixed_dictionaries({}, optional={k: partial(v) for k, v in node["properties"].items()})
    if node.get("type") == "array" and node["items"].get("type") == "object":
        return st.lists(partial(node["items"]), max_size=3)
    return from_schema(_leaf(node))


SCHEMA_PROPS = dataset_schema()["properties"]
PARTIAL = partial(dataset_schema())


@st.composite
def stored_records(draw):
    """A partial record with what the store needs to keep it (identifier, publisher, title), plus maybe an edit."""
    rec = draw(PARTIAL)
    rec["identifier"] = draw(st.from_regex(SCHEMA_PROPS["identifier"]["pattern"], fullmatch=True))
    rec["publisher"] = draw(st.sampled_from(PUBLISHERS)
                            | st.from_regex(SCHEMA_PROPS["publisher"]["pattern"], fullmatch=True))
    if not rec.get("title"):
        rec["title"] = draw(st.text(min_size=1, max_size=40).filter(str.strip))
    edit = draw(st.none() | PARTIAL)
    if edit is not None:
        edit = {**edit, **{k: rec[k] for k in ("identifier", "publisher")}, "title": edit.get("title") or rec["title"]}
    return rec, edit


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One app for the module: an anonymous client and a signed-in steward."""
    cat = Catalogue(make_settings(tmp_path_factory.mktemp("any-record")))
    cat.load_publishers(SEED_PUBLISHERS)
    app = make_app(cat)
    app.extensions["catalogue_services"].accounts.create_user("steward@example.org", role="steward", password=TEST_PASSWORD)
    steward = app.test_client()
    resp = steward.post("/login", data={"email": "steward@example.org", "password": TEST_PASSWORD,
                                        "csrf_token": csrf_token(steward)})
    assert resp.status_code == 302
    yield cat, app.test_client(), steward
    cat.close()


RECENT: list[str] = []  # the records generated before this one, for the plan pages


def _pages(rec: dict) -> list[str]:
    ident, pub = quote(rec["identifier"], safe=""), quote(rec["publisher"], safe="")
    word = (re.findall(r"\w+", rec["title"]) or [rec["identifier"]])[0]
    RECENT[:] = [*RECENT[-2:], rec["identifier"]]
    plan = "?d=" + quote(",".join(RECENT), safe=",")
    return [f"/datasets/{ident}{t}" for t in ("", ".json", ".ttl", ".jsonld", ".rdf", "/history", "/history.json",
                                              "/diff", "/diff.json")] + [
        f"/search?q={quote(word)}", f"/search.json?q={quote(word)}", f"/publishers/{pub}", f"/publishers/{pub}.json"] + [
        f"/plan{t}{plan}" for t in ("", ".json", ".csv", ".md", "/print", "/compare", "/compare.json")]


@settings(max_examples=50, print_blob=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                  HealthCheck.data_too_large])
@given(stored_records())
def test_every_page_renders_any_stored_record(site, records):
    cat, client, steward = site
    rec, edit = records
    random.seed()  # Hypothesis seeds `random` alike for every example; Whoosh names its segments with it
    # Keep what the store accepts: it refuses NUL, lone surrogates and NaN even when flagged (Hardening items 4/6).
    first = cat.save_many([copy.deepcopy(rec)], author="gen", route="test", allow_invalid=True)[0]
    assume(first.action != "rejected")
    if edit is not None:
        cat.save_many([copy.deepcopy(edit)], author="gen", route="test", allow_invalid=True)
    assert client.get(f"/datasets/{quote(rec['identifier'], safe='')}").status_code == 200
    bad = page_failures(client, _pages(rec))
    pub = quote(rec["publisher"], safe="")
    bad += page_failures(steward, [*AUDIT_PATHS, f"/audit/publishers/{pub}", f"/audit/publishers/{pub}.json",
                                   f"/audit/publishers/{pub}/fix"])
    assert bad == [], "\n".join(bad)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False,
                           allow_infinity=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=3), max_leaves=8)


@st.composite
def odd_records(draw):
    """A record as a careless source might send it: any field may hold any JSON value (wrong types included)."""
    rec, _ = draw(stored_records())
    for name in draw(st.lists(st.sampled_from(sorted(SCHEMA_PROPS)), min_size=1, max_size=6, unique=True)):
        if name not in ("identifier", "publisher", "title"):
            rec[name] = draw(JSON_VALUES)
    return rec


@settings(max_examples=40, print_blob=True, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                               HealthCheck.filter_too_much,
                                                                               HealthCheck.data_too_large])
@given(odd_records())
def test_a_wrongly_shaped_record_is_refused_or_renders(site, rec):
    """What the store accepts, every page renders; a record of the wrong shape may be refused, never half-stored."""
    cat, client, steward = site
    random.seed()
    before = cat.store.get(rec["identifier"])
    result = cat.save_many([copy.deepcopy(rec)], author="gen", route="test", allow_invalid=True)[0]
    if result.action == "rejected":
        assert cat.store.get(rec["identifier"]) == before
        return
    bad = page_failures(client, _pages(rec))
    pub = quote(rec["publisher"], safe="")
    bad += page_failures(steward, [f"/audit/publishers/{pub}", f"/audit/publishers/{pub}.json"])
    assert bad == [], "\n".join(bad)
