"""Standing fuzz check: random and hostile ids, search parameters and write bodies never give a 5xx, and
every JSON response is strict JSON. Bounded (a fixed number of examples, no deadline) so CI stays quick."""
from __future__ import annotations

import copy
import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.search import FACETS, SORTS
from catalogue.records.service import Catalogue
from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS, TEST_PASSWORD, make_app, make_settings

pytestmark = pytest.mark.postgres
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
DFE = "department-for-education"
NPD = "dfe-national-pupil-database"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """A writable app of its own: the fuzz may (rarely) write a valid record."""
    cat = Catalogue(make_settings(tmp_path_factory.mktemp("fuzz")))
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(SEED_RECORDS[:12]), author="test", route="test")
    app = make_app(cat)
    accounts = app.extensions["catalogue_services"].accounts
    for email, role, pub in (("fuzz.admin@example.org", "admin", ""), ("fuzz.pub@example.org", "publisher", DFE)):
        accounts.create_user(email, role=role, password=TEST_PASSWORD, publisher=pub)
    app.config["FUZZ_TOKENS"] = {"admin": accounts.create_token("fuzz.admin@example.org")[1],
                                 "publisher": accounts.create_token("fuzz.pub@example.org")[1]}
    yield app
    cat.close()


def refuse_constant(name):
    raise ValueError(f"{name} is not strict JSON")


def check(resp, what) -> None:
    """No 5xx; a JSON response parses with strict json."""
    assert resp.status_code < 500, (what, resp.status_code, resp.get_data(as_text=True)[:300])
    if resp.mimetype and resp.mimetype.endswith("json"):
        json.loads(resp.get_data(as_text=True), parse_constant=refuse_constant)


# hostile values

HOSTILE_TEXT = ["²", "١٢٣", "٣.json", "9" * 20, "9" * 400, "1" * 4301, "-1", "0", "../", "../../etc/passwd", "..",
                ".", "a.json", "a.ttl", "a.jsonld", "a.rdf", "a.xml", "a..json", ".json", "a b", " ", "%00",
                "\x00", "a\x00b", "\ud800", "a\udfffb", "\u2028", "\ufeff", "NaN", "Infinity", "null", "[]", "{}",
                "'\"<script>", "%", "%%", "%zz", "a/b", "\\", NPD, NPD + ".json", NPD + ".ttl", DFE, DFE + ".json",
                "portal", "1", "1.json", "1.ttl", "x" * 3000]


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=30),
        st.text(st.characters(codec=None, categories=["Nd", "No", "Cs", "Cc", "Zs", "Po"]), max_size=12),
        st.from_regex(r"[0-9]{15,40}(\.json)?", fullmatch=True),
        st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE_TEXT), st.sampled_from(["", ".json", ".ttl", "/"])),
    )


def in_url(value: str, raw: bool) -> str:
    """Percent-encode (surrogates as their UTF-8 bytes, i.e. invalid UTF-8), or leave some of it raw."""
    if raw:
        return quote(value, safe="/.%", errors="surrogatepass")
    return quote(value, safe="", errors="surrogatepass")


def id_routes(app) -> list[tuple[str, str, list[str]]]:
    """(rule, method, variables) for every URL pattern with a variable, except static files."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint in ("static", "govuk_assets"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method, sorted(rule.arguments)))
    return out


def test_the_url_map_is_covered(fuzz_app):
    routes = {r for r, _, _ in id_routes(fuzz_app)}
    for expected in ("/datasets/<name>", "/harvest/runs/<run_ref>", "/publishers/<name>", "/api/datasets/<dataset_id>",
                     "/catalogue.<ext>"):
        assert expected in routes
    assert len(routes) >= 15


def test_every_url_pattern_with_every_hostile_id(fuzz_app):
    """The fixed hostile list, in every variable of every pattern, as an admin (so nothing stops at a login)."""
    client = fuzz_app.test_client()
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKENS']['admin']}", "Content-Type": "application/json"}
    for rule, method, variables in id_routes(fuzz_app):
        for value in HOSTILE_TEXT:
            for raw in (False, True):
                url = rule
                for name in variables:
                    url = re.sub(r"<(?:[^:<>]+:)?%s>" % name, lambda _: in_url(value, raw), url)
                check(client.open(url, method=method, headers=headers, data=b"{}"), (method, url))


@FUZZ
@given(data=st.data())
def test_ids_in_every_url_pattern(fuzz_app, data):
    client = fuzz_app.test_client()
    rule, method, variables = data.draw(st.sampled_from(id_routes(fuzz_app)), label="route")
    raw = data.draw(st.booleans(), label="raw")
    url = rule
    for name in variables:
        url = re.sub(r"<(?:[^:<>]+:)?%s>" % name, lambda _: in_url(data.draw(hostile_text(), label=name), raw), url)
    who = data.draw(st.sampled_from([None, "admin", "publisher"]), label="who")
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKENS'][who]}"} if who else {}
    body = data.draw(st.sampled_from([b"", b"{}", b'{"reason": "fuzz"}', b"{", b"[" * 3000]), label="body")
    resp = client.open(url, method=method, headers={**headers, "Content-Type": "application/json"}, data=body)
    check(resp, (method, url))


SEARCH_PARAMS = ("q", "page", "sort", *FACETS)


def search_value() -> st.SearchStrategy[str]:
    return st.one_of(hostile_text(), st.sampled_from(["NOT NOT NOT", "NOT", "AND OR", "((", '"', "title:", "a*",
                                                      "*", "[a TO", "x^99999999999999999999", "-1", "0", "1e9",
                                                      *SORTS, "England", DFE, "ready", "nhs-number"]),
                     st.text(alphabet="ab NOTANDOR()\"*:^~[]{}-+", max_size=40))


SEARCH_HOSTILE = [*HOSTILE_TEXT, "NOT NOT NOT", "NOT", "AND OR NOT", "((", "\"", "title:", "a*", "*", "[a TO",
                  "x^99999999999999999999", "1e9", "-0", "+1", " 2 ", "0x10", "1_000"]


def test_every_search_parameter_with_every_hostile_value(fuzz_app):
    client = fuzz_app.test_client()
    for name in SEARCH_PARAMS:
        for value in SEARCH_HOSTILE:
            for path in ("/search", "/search.json"):
                query = f"{name}={quote(value, safe='', errors='surrogatepass')}&q=pupil"
                check(client.get(f"{path}?{query}"), (path, name, value))


@FUZZ
@given(params=st.lists(st.tuples(st.sampled_from(SEARCH_PARAMS), search_value()), max_size=8),
       path=st.sampled_from(["/search", "/search.json", "/"]))
def test_search_parameters(fuzz_app, params, path):
    client = fuzz_app.test_client()
    query = "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in params)
    check(client.get(f"{path}?{query}"), (path, params))


# the JSON write API

def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


HOSTILE_VALUES = [float("nan"), float("inf"), "\ud800", "a\x00b", 10 ** 400, -(10 ** 40), [], {}, None, True, 0,
                  "", " ", "x" * 20000, [[[[[[]]]]]], {"$ref": "#"}, "../../etc/passwd", "\u2028"]


def record_body(data) -> bytes:
    """The example record with some fields replaced by hostile values, in lax JSON (NaN allowed)."""
    rec = copy.deepcopy(SEED_RECORDS[0])
    rec["identifier"] = data.draw(st.sampled_from([rec["identifier"], "dfe-fuzz", "dfe-fuzz-\ud800", 7, "a" * 300]),
                                  label="identifier")
    for _ in range(data.draw(st.integers(0, 3), label="changes")):
        key = data.draw(st.sampled_from(sorted(rec) + ["unknown", "\udc00"]), label="key")
        rec[key] = data.draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=20),
                                       st.integers(), st.floats()), label="value")
    return json.dumps(rec).encode("utf-8", "surrogatepass")


RAW_BODIES = [b"", b"{", b"[", b"]", b"null", b"1", b'"x"', b"[]", b"[1]", b"{}", b'{"a": NaN}', b'{"a": Infinity}',
              b'{"a": -Infinity}', b'{"a": 1e999}', b'{"a": ' + b"1" * 4301 + b"}", b'{"a": "\\ud800"}',
              b'{"identifier": "\\ud800"}', b'{"title": "\\udfff", "identifier": "x"}', b'{"a": "\\u0000"}',
              b'{"identifier": "a\\u0000"}', b"\x00", b'{"a": 1}\x00', b"\xff\xfe{}", b"\xef\xbb\xbf{}",
              b'{"a": "\xed\xa0\x80"}', nested(40).encode(), nested(3000).encode(), b"[" * 100000,
              b'{"a":1}\n{"b":2}', b'{"a": "x\xe2\x80\xa8y"}', b'{"identifier": ["x"], "publisher": {}}',
              b'{"identifier": "dfe-fuzz", "publisher": "department-for-education", "title": 1}',
              b'{"reason": NaN}', b'{"reason": "\\ud800"}', b'{"reason": ' + b"9" * 5000 + b"}"]
ENDPOINTS = [("POST", "/api/datasets"), ("POST", "/api/datasets?draft=1"), ("PUT", f"/api/datasets/{NPD}"),
             ("PUT", "/api/datasets/dfe-fuzz?draft=1"), ("PATCH", f"/api/datasets/{NPD}"),
             ("PATCH", f"/api/datasets/{NPD}?draft=1"), ("POST", "/api/uploads"), ("POST", "/api/uploads?dry_run=1"),
             ("POST", "/api/uploads?mode=valid&filename=x.jsonl"), ("POST", f"/api/datasets/{NPD}/withdraw"),
             ("POST", "/api/datasets/dfe-fuzz/publish")]
TWINS = ("/datasets/dfe-fuzz.json", f"/datasets/{NPD}.json", "/catalogue.jsonld", f"/publishers/{DFE}",
         "/search.json?q=fuzz")


def write(app, method: str, path: str, body: bytes):
    token = app.config["FUZZ_TOKENS"]["publisher"]
    return app.test_client().open(path, method=method, data=body,
                                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def check_twins(app) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {app.config['FUZZ_TOKENS']['publisher']}"}
    for page in TWINS:
        check(client.get(page, headers=headers), page)


def test_every_write_endpoint_with_every_hostile_body(fuzz_app):
    for method, path in ENDPOINTS:
        for body in RAW_BODIES:
            check(write(fuzz_app, method, path, body), (method, path, body[:100]))
    check_twins(fuzz_app)


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_json_write_api(fuzz_app, data):
    method, path = data.draw(st.sampled_from(ENDPOINTS), label="endpoint")
    if data.draw(st.booleans(), label="record"):
        body = record_body(data)
    else:
        body = data.draw(st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=200),
                                   st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))),
                         label="raw body")
    check(write(fuzz_app, method, path, body), (method, path, body[:200]))
    check_twins(fuzz_app)


# the pages issues 10, 11 and 13 added: their query parameters with hostile values

NEW_PAGES = {"/plan": ["d"], "/plan.json": ["d"], "/plan/compare": ["d"], "/plan/compare.json": ["d"],
             "/plan/print": ["d"], "/plan.csv": ["d"], "/plan.md": ["d"],
             "/variables": ["q", "role", "publisher", "tre", "page"], "/variables.json": ["q", "role", "publisher", "tre",
                                                                                        "page"],
             "/suggest": ["q", "limit"], "/search/synonyms.json": ["q"], "/healthz": ["x"]}


@FUZZ
@given(path=st.sampled_from(sorted(NEW_PAGES)), data=st.data())
def test_new_pages_with_hostile_parameters(fuzz_app, path, data):
    names = NEW_PAGES[path]
    params = data.draw(st.lists(st.tuples(st.sampled_from(names), st.one_of(
        hostile_text(), st.lists(st.sampled_from([NPD, "dwp-universal-credit-households", "x", "", ","]),
                                 max_size=30).map(",".join))), max_size=4), label="params")
    query = "&".join(f"{quote(k)}={quote(v, safe=',', errors='surrogatepass')}" for k, v in params)
    check(fuzz_app.test_client().get(f"{path}?{query}"), (path, params))
