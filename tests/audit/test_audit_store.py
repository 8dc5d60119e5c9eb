"""Audits of the store, stored snapshots and trends over them."""
import copy
from datetime import date, datetime, timedelta, timezone

import pytest

from catalogue.audit.service import audit_catalogue
from catalogue.audit.snapshots import AuditSnapshots
from tests.support.audit_records import MINIMAL, PARTIAL

pytestmark = pytest.mark.postgres
AS_OF = date(2024, 6, 30)
T0 = datetime(2024, 6, 30, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def two_records(empty_catalogue):
    results = empty_catalogue.save_many([copy.deepcopy(MINIMAL), copy.deepcopy(PARTIAL)], author="t", route="t")
    assert [r.action for r in results] == ["created", "created"]
    return empty_catalogue


def test_audit_of_the_store(two_records):
    run = audit_catalogue(two_records.store, AS_OF)
    assert run.catalogue.records == 2 and run.data_seq == two_records.store.max_seq()
    # (39/133 + 75/133) / 2 x 100, as worked out in test_audit_engine
    assert run.catalogue.mean("weighted_completeness") == pytest.approx(100 * (39 + 75) / 2 / 133)
    by_id = {p.id: p for p in run.publishers}
    assert by_id["department-for-education"].records == 1 and by_id["home-office"].records == 1
    assert by_id["department-for-education"].name == "Department for Education"  # from the publishers table
    assert sum(p.records == 0 for p in run.publishers) == len(run.publishers) - 2  # the others are listed, empty
    one = audit_catalogue(two_records.store, AS_OF, publisher="home-office")
    assert one.scope == "home-office" and [a.id for a in one.records] == ["part-1"]
    assert [p.id for p in one.publishers] == ["home-office"]


def test_snapshots_are_identical_on_unchanged_data_and_trend_over_time(two_records):
    snaps = AuditSnapshots(two_records.store)
    first = snaps.save(audit_catalogue(two_records.store, AS_OF), taken_at=T0)
    second = snaps.save(audit_catalogue(two_records.store, AS_OF), taken_at=T0 + timedelta(days=1))
    a, b = snaps.get(first), snaps.get(second)
    assert a.catalogue.to_dict() == b.catalogue.to_dict()
    assert [p.to_dict() for p in a.publishers] == [p.to_dict() for p in b.publishers]
    assert snaps.records(first) == snaps.records(second)
    assert a.info.as_of == "2024-06-30" and a.info.records == 2 and a.info.taken_at == T0

    # the minimal record gains a support inbox (weight 3): 42/133 for it, so the mean rises
    better = dict(MINIMAL, supportInbox="help@example.org")
    assert two_records.save(better, author="t", route="t").action == "updated"
    third = snaps.save(audit_catalogue(two_records.store, AS_OF), taken_at=T0 + timedelta(days=2))
    trend = snaps.trend()
    assert [p.snapshot_id for p in trend] == [first, second, third]
    # stored figures are rounded to 0.1: (39 + 75) / 2 / 133 = 42.9, then (42 + 75) / 2 / 133 = 44.0
    assert [p.means["weighted_completeness"] for p in trend] == [42.9, 42.9, 44.0]
    assert [p.means["weighted_completeness"] for p in snaps.trend("department-for-education")] == [29.3, 29.3, 31.6]
    assert snaps.get(third).catalogue.gaps["no_support_inbox"] == 0
    rows = {r["id"]: r for r in snaps.records(third)}
    assert rows["min-1"]["weighted_completeness"] == 31.6 and rows["min-1"]["publisher"] == "department-for-education"
    assert snaps.get(third).info.data_seq > snaps.get(first).info.data_seq


def test_publisher_snapshots_feed_only_their_publisher_trend(two_records):
    snaps = AuditSnapshots(two_records.store)
    snaps.save(audit_catalogue(two_records.store, AS_OF), taken_at=T0)
    scoped = snaps.save(audit_catalogue(two_records.store, AS_OF, publisher="home-office"),
                        taken_at=T0 + timedelta(hours=1))
    assert [p.snapshot_id for p in snaps.trend()] != [scoped] and len(snaps.trend()) == 1
    assert [p.snapshot_id for p in snaps.trend("home-office")][-1] == scoped
    assert len(snaps.trend("home-office")) == 2
    assert [s.scope for s in snaps.list()] == ["", "home-office"]
    assert snaps.latest().info.scope == "" and snaps.latest("home-office").info.id == scoped


def test_empty_catalogue_audit_and_snapshot(empty_catalogue):
    snaps = AuditSnapshots(empty_catalogue.store)
    run = audit_catalogue(empty_catalogue.store, AS_OF)
    assert run.catalogue.records == 0 and run.catalogue.mean("quality") is None
    ident = snaps.save(run, taken_at=T0)
    assert snaps.get(ident).catalogue.records == 0
    assert snaps.trend()[0].means["weighted_completeness"] is None
    assert snaps.get(9999) is None and snaps.latest("nobody") is None


def test_stored_reports_are_used_unless_revalidating(empty_catalogue):
    from catalogue.audit.config import AuditConfig
    from catalogue.records.validation import validate

    bad = dict(MINIMAL, identifier="bad-1", contactPoint={"contactName": "Team", "email": "not an email"})
    assert empty_catalogue.save(bad, author="h", route="harvest", allow_invalid=True).action == "created"
    calls = []

    def spy(record):
        calls.append(record["identifier"])
        return validate(record)

    cfg = AuditConfig.load(validator=spy)
    run = audit_catalogue(empty_catalogue.store, AS_OF, cfg=cfg)
    assert calls == [] and run.records[0].error_fields == ["contactPoint.email"]  # from the report stored on save
    again = audit_catalogue(empty_catalogue.store, AS_OF, cfg=cfg, revalidate=True)
    assert calls == ["bad-1"] and again.to_dict() == run.to_dict()
