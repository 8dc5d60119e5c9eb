"""The access plan page, its JSON twin and downloads (CSV, Markdown, printable page), all from one Plan."""
import csv
import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from catalogue.linkage.plan import ROW_FIELDS
from tests.support.app import csrf_token

pytestmark = pytest.mark.postgres
NPD = "dfe-national-pupil-database"
UC = "dwp-universal-credit-households"
HES = "nhsengland-hes-admitted-patient-care"
THREE = f"{NPD},{UC},{HES}"
ERROR_KEYS = {"ok", "status", "title", "error", "code"}


@pytest.fixture(scope="module")
def journey(app):
    """The plan for the issue's example, as JSON, page, CSV, Markdown and printable page."""
    client = app.test_client()
    get = lambda path: client.get(path, query_string={"d": THREE})  # noqa: E731
    return {"json": get("/plan.json").get_json(), "page": get("/plan").get_data(as_text=True),
            "csv": get("/plan.csv"), "md": get("/plan.md"), "print": get("/plan/print").get_data(as_text=True)}


def test_the_json_twin_is_the_plan(journey):
    body = journey["json"]
    assert body["source"] == "link" and body["count"] == 3 and body["notes"] == []
    plan = body["plan"]
    assert [d["id"] for d in plan["datasets"]] == [NPD, UC, HES]
    steps = {s["name"]: s["datasets"] for s in plan["steps"]}
    assert steps == {"ONS Secure Research Service": [NPD, UC], "NHS England Secure Data Environment": [HES]}
    assert [(e["gateway"]["id"], e["dataset"]) for e in plan["gatewayExclusions"]] == [("dea-2017-s64", HES)]
    assert body["links"]["csv"] == f"/plan.csv?d={THREE}" and body["links"]["print"] == f"/plan/print?d={THREE}"


def test_the_page_names_the_environments_gateways_contacts_and_keys(journey):
    page = journey["page"]
    for text in ("ONS Secure Research Service", "NHS England Secure Data Environment",
                 "Apply once to the ONS Secure Research Service for National Pupil Database (NPD) and Universal Credit",
                 "Digital Economy Act 2017 s.64", "Health and Social Care Act 2012 s.261",
                 'href="mailto:iao.npd@example.org"', 'href="mailto:iao.universalcredit@example.org"',
                 'href="mailto:iao.hes@example.org"', 'href="mailto:srs.customer.support@ons.gov.uk"',
                 "Date of birth", "Probabilistic only", "Earliest realistic start", "Missing facts, and whom to ask",
                 "Digital Economy Act 2017 s.64 cannot cover Hospital Episode Statistics Admitted Patient Care (HES "
                 "APC): NHS England has health functions"):
        assert text in page, text
    for section in ("datasets", "key-graph", "steps", "gateways", "contacts", "timeline", "missing", "downloads"):
        assert f'id="{section}"' in page, section


def test_the_key_graph_is_accessible_svg_with_a_table(journey):
    page = journey["page"]
    svg = re.search(r"<svg class=\"app-graph\".*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="graph-title graph-desc"' in svg
    assert re.search(r'<title id="graph-title">Key graph of the 3 datasets in this plan</title>', svg)
    desc = re.search(r'<desc id="graph-desc">(.*?)</desc>', svg, re.S).group(1)
    assert "1: National Pupil Database (NPD)." in desc and "1–2: probabilistic only on Date of birth" in desc
    assert svg.count("<line") == 3 + 3  # three pairs, three legend samples
    assert svg.count('stroke-dasharray="9 6"') == 3 + 1  # probabilistic is dashed, not only coloured
    assert ">NPD<" in svg and ">HES APC<" in svg  # text labels on the nodes
    table = re.search(r'<table class="govuk-table app-pairs">.*?</table>', page, re.S).group(0)
    assert table.count('<th scope="row"') == 3 and "Probabilistic only" in table


def test_mailto_per_owner_lists_their_datasets(journey):
    page = journey["page"]
    mailtos = [unquote(m).replace("&amp;", "&") for m in re.findall(r'href="(mailto:[^"]*\?subject=[^"]*)"', page)]
    assert len(mailtos) == 3
    by_owner = {urlsplit(m).path: parse_qs(urlsplit(m).query) for m in mailtos}
    assert set(by_owner) == {"iao.npd@example.org,data.sharing@example.org",
                             "iao.universalcredit@example.org,dwp.research.access@example.org",
                             "iao.hes@example.org,sde.support@example.org"}
    body = by_owner["iao.hes@example.org,sde.support@example.org"]["body"][0]
    assert "- Hospital Episode Statistics Admitted Patient Care (HES APC)" in body and "National Pupil" not in body
    assert f"/plan?d={THREE}" in body


def test_csv_has_a_row_per_dataset_and_step_and_matches_the_json(journey):
    resp = journey["csv"]
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="linkage-plan.csv"'
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert tuple(rows[0]) == ROW_FIELDS
    plan = journey["json"]["plan"]
    expected = [(str(s["number"]), s["name"], s["text"], i) for s in plan["steps"] for i in s["datasets"]]
    assert [(r["step"], r["environment"], r["action"], r["dataset_id"]) for r in rows] == expected
    facts = {d["id"]: d for d in plan["datasets"]}
    for row in rows:
        d = facts[row["dataset_id"]]
        assert row["dataset_title"] == d["title"]
        assert row["iao_email"] == (d["informationAssetOwner"] or {}).get("email", "")
        assert row["support_inbox"] == (d["supportInbox"] or "")
        assert row["legal_gateways"] == "; ".join(g["name"] for g in d["gateways"])
        assert row["missing_facts"] == "; ".join(m["message"] for m in plan["missing"] if m["dataset"] == d["id"])


def test_markdown_and_print_say_the_same(journey):
    md = journey["md"]
    assert md.mimetype == "text/markdown" and "linkage-plan.md" in md.headers["Content-Disposition"]
    text = md.get_data(as_text=True)
    plan = journey["json"]["plan"]
    printed = journey["print"]
    for s in plan["steps"]:
        assert s["text"] in text and s["text"] in printed
    for w in plan["warnings"]:
        assert w in text and w in printed.replace("&#39;", "'")
    for m in plan["missing"]:
        assert m["message"] in text
    assert "Save to my basket" not in printed and "Download this plan" not in printed
    assert f"/plan?d={THREE}" in printed


def test_the_plan_without_d_is_the_basket(client):
    for ident in (NPD, HES):
        client.post("/plan/basket/add", data={"csrf_token": csrf_token(client), "id": ident, "next": "/plan"})
    body = client.get("/plan.json").get_json()
    assert body["source"] == "basket" and [d["id"] for d in body["plan"]["datasets"]] == [NPD, HES]
    page = client.get("/plan").get_data(as_text=True)
    assert "Remove from plan" in page and "Save to my basket" not in page
    rows = list(csv.DictReader(io.StringIO(client.get("/plan.csv").get_data(as_text=True))))
    assert {r["dataset_id"] for r in rows} == {NPD, HES}


def test_an_empty_plan(client):
    for path in ("/plan", "/plan.json", "/plan.csv", "/plan.md", "/plan/print", "/plan?d=", "/plan.json?d=,,"):
        assert client.get(path).status_code == 200, path
    assert "Your plan is empty." in client.get("/plan").get_data(as_text=True)
    assert client.get("/plan.json").get_json()["plan"]["steps"] == []
    assert client.get("/plan.csv").get_data(as_text=True).strip() == ",".join(ROW_FIELDS)


def test_one_dataset_has_no_graph_but_a_plan(client):
    page = client.get(f"/plan?d={NPD}").get_data(as_text=True)
    assert "app-graph" not in page and "Add another dataset to the plan to see how they link." in page
    assert "Apply to the ONS Secure Research Service for National Pupil Database (NPD)" in page


@pytest.mark.parametrize("path", ["/plan", "/plan.json", "/plan.csv", "/plan.md", "/plan/print"])
@pytest.mark.parametrize("d", [f"{NPD},{NPD}", f"{NPD},no-such,<script>x</script>", "\u202e", "a" * 300,
                               f"{NPD}%00", ",".join([NPD] * 40)])
def test_bad_duplicate_and_hostile_ids_never_fail(client, path, d):
    resp = client.get(path, query_string={"d": d})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    if path in ("/plan", "/plan/print"):
        assert "<script>x" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/plan", "/plan.csv", "/plan.md", "/plan/print"])
def test_26_datasets_is_a_clear_400(client, seed_records, path):
    d = ",".join(r["identifier"] for r in seed_records[:26])
    resp = client.get(path, query_string={"d": d})
    assert resp.status_code == 400 and "at most 25 datasets; this address names 26" in resp.get_data(as_text=True)
    body = client.get("/plan.json", query_string={"d": d}).get_json()
    assert set(body) == ERROR_KEYS and body["status"] == 400


def test_25_datasets_make_a_plan(client, seed_records):
    d = ",".join(r["identifier"] for r in seed_records[:25])
    body = client.get("/plan.json", query_string={"d": d}).get_json()
    assert body["count"] == 25 and len(body["plan"]["keyGraph"]["pairs"]) == 25 * 24 // 2
    page = client.get("/plan", query_string={"d": d}).get_data(as_text=True)
    assert "see the table below" in page  # the drawing lists ten pairs, the table all of them


def test_csv_cells_cannot_be_formulas(writable_app, example_record):
    record = dict(example_record, identifier="dfe-formula", title="=HYPERLINK(\"http://evil.example\")")
    cat = writable_app.extensions["catalogue_services"].catalogue
    assert cat.save(record, author="test", route="test").action == "created"
    text = writable_app.test_client().get("/plan.csv?d=dfe-formula").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["dataset_title"].startswith("'=HYPERLINK")


def test_a_withdrawn_dataset_leaves_the_plan_with_a_note(writable_app):
    cat = writable_app.extensions["catalogue_services"].catalogue
    client = writable_app.test_client()
    assert client.get(f"/plan.json?d={NPD}").get_json()["count"] == 1
    cat.withdraw(NPD, reason="replaced", author="test", route="test")
    body = client.get(f"/plan.json?d={NPD},dfe-longitudinal-education-outcomes").get_json()
    assert body["count"] == 1 and body["notes"][0]["code"] == "withdrawn"
    assert [d["id"] for d in body["plan"]["datasets"]] == ["dfe-longitudinal-education-outcomes"]


def test_graph_draws_direct_probabilistic_and_no_path_differently(writable_app, example_record):
    """NPD × LEO and NPD × CIN link on person keys (solid), LEO × CIN only on quasi-identifiers (dashed), and a
    record with no linkage key has no path (a dashed red ring, "(no path)" and a warning)."""
    bare = {k: example_record[k] for k in ("title", "description", "publisher", "creator", "contactPoint",
                                           "accessRights", "securityClassification", "licence", "modified",
                                           "version", "updateFrequency")}
    bare.update(identifier="dfe-bare-minimum", title="A survey with no keys")
    cat = writable_app.extensions["catalogue_services"].catalogue
    assert cat.save(bare, author="test", route="test").action == "created"
    d = f"{NPD},dfe-longitudinal-education-outcomes,dfe-children-in-need-census,dfe-bare-minimum"
    client = writable_app.test_client()
    plan = client.get(f"/plan.json?d={d}").get_json()["plan"]
    status = {(p["a"], p["b"]): p["status"] for p in plan["keyGraph"]["pairs"]}
    assert status[(NPD, "dfe-longitudinal-education-outcomes")] == "direct"
    assert status[("dfe-longitudinal-education-outcomes", "dfe-children-in-need-census")] == "probabilistic"
    assert plan["keyGraph"]["isolated"] == ["dfe-bare-minimum"]
    page = client.get(f"/plan?d={d}").get_data(as_text=True)
    svg = re.search(r"<svg class=\"app-graph\".*?</svg>", page, re.S).group(0)
    lines = re.findall(r"<line [^>]*>", svg)[:-3]  # the last three are the legend's samples
    assert len(lines) == 3
    assert sum('stroke-dasharray="9 6"' in line for line in lines) == 1  # one probabilistic pair
    assert sum("stroke-dasharray" not in line for line in lines) == 2  # two direct pairs, solid
    assert 'stroke="#d4351c" stroke-width="3" stroke-dasharray="5 3"' in svg and "(no path)" in svg
    assert "1–2: direct on Pupil Matching Reference" in svg
    assert "No path: A survey with no keys shares no linkage key with any other dataset in this plan" in page
