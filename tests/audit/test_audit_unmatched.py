"""The audit's table of TRE and gateway names that no register entry names, per publisher with counts."""
import copy
import csv
import io
from datetime import date

import pytest

from catalogue.audit.config import AuditConfig
from catalogue.audit.summary import run_audit
from catalogue.audit.tables import TABLE_NAMES, run_tables, unmatched_table
from tests.support.app import make_app
from tests.support.audit_records import MINIMAL

pytestmark = pytest.mark.postgres
AS_OF = date(2024, 6, 30)


def _record(ident: str, publisher: str, routes: list, gateways: list) -> dict:
    record = copy.deepcopy(MINIMAL)
    record.update(identifier=ident, publisher=publisher, creator=[publisher],
                  access={"routes": [{"type": t, "name": n} for t, n in routes], "legalGateways": gateways})
    return record


RECORDS = [
    _record("a-1", "home-office", [("tre", "ONS Secure Research Service"), ("tre", "Home Office Lab")],
            ["Digital Economy Act 2017 s.64", "Local agreement"]),
    _record("a-2", "home-office", [("tre", "Home Office Lab"), ("api", "Not a TRE")], ["Local agreement"]),
    _record("b-1", "department-for-education", [("tre", "SAIL")], ["Local agreement", "Education Act 1996 s.537A"]),
]


def test_unmatched_names_are_counted_per_publisher():
    run = run_audit(copy.deepcopy(RECORDS), AuditConfig.load(), AS_OF)
    rows = [(r["publisher"], r["kind"], r["text"], r["records"], r["examples"]) for r in unmatched_table(run).rows]
    assert rows == [
        ("department-for-education", "Legal gateway", "Local agreement", 1, "b-1"),
        ("home-office", "Legal gateway", "Local agreement", 2, "a-1, a-2"),
        ("home-office", "Trusted research environment", "Home Office Lab", 2, "a-1, a-2"),
    ]
    assert [r["text"] for r in unmatched_table(run, "department-for-education").rows] == ["Local agreement"]
    assert "unmatched" in TABLE_NAMES and run_tables(run, "home-office", ("unmatched",))["unmatched"].rows


def test_a_fully_matched_catalogue_has_an_empty_table():
    record = _record("c-1", "home-office", [("tre", "SAIL Databank")], ["DEA 2017 s.64"])
    assert unmatched_table(run_audit([record], AuditConfig.load(), AS_OF)).rows == []


def test_the_unmatched_table_downloads(empty_catalogue, login):
    empty_catalogue.save_many(copy.deepcopy(RECORDS), author="t", route="t")
    client = make_app(empty_catalogue).test_client()
    login(client, role="steward")
    resp = client.get("/audit/unmatched.csv?as_of=2024-06-30")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert {(r["publisher"], r["text"], r["records"]) for r in rows} == {
        ("department-for-education", "Local agreement", "1"), ("home-office", "Local agreement", "2"),
        ("home-office", "Home Office Lab", "2")}
    data = client.get("/audit/publishers/home-office/unmatched.json?as_of=2024-06-30").get_json()
    assert {r["text"] for r in data["rows"]} == {"Local agreement", "Home Office Lab"}
    assert "/audit/unmatched.csv" in client.get("/audit?as_of=2024-06-30").get_data(as_text=True)
