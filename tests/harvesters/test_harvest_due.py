"""Schedules and `catalogue harvest --due`: run the sources whose schedule has come round, skip and list the rest."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from tests.support.harvest_helpers import add_source, run
from test_harvest_transforms import DCAT_FEED

from catalogue.cli import main
from catalogue.provenance import RunRow
from harvesters.schedule import ScheduleError, parse

pytestmark = pytest.mark.postgres
UTC = timezone.utc
NOW = datetime(2026, 11, 29, 10, 15, tzinfo=UTC)  # a Sunday


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("schedule, last, due, next_due", [
    ("daily 02:00", None, True, NOW),  # never run
    ("daily 02:00", "2026-11-29 02:05", False, "2026-11-30 02:00"),  # ran after today's 02:00
    ("daily 02:00", "2026-11-29 01:59", True, "2026-11-29 02:00"),  # finished before today's 02:00
    ("daily", "2026-11-28 23:00", True, "2026-11-29 00:00"),
    ("Daily  02:00", "2026-11-28 03:00", True, "2026-11-29 02:00"),  # case and spaces do not matter
    ("hourly", "2026-11-29 10:00", False, "2026-11-29 11:00"),
    ("hourly :30", "2026-11-29 09:31", False, "2026-11-29 10:30"),
    ("hourly :10", "2026-11-29 09:31", True, "2026-11-29 10:10"),
    ("weekly sun 03:00", "2026-11-22 04:00", True, "2026-11-29 03:00"),
    ("weekly sunday 03:00", "2026-11-29 03:30", False, "2026-12-06 03:00"),
    ("weekly", "2026-11-23 00:30", False, "2026-11-30 00:00"),  # Monday 00:00
    ("every 6 hours", "2026-11-29 04:15", True, "2026-11-29 10:15"),
    ("every 6h", "2026-11-29 04:16", False, "2026-11-29 10:16"),
    ("every 30m", "2026-11-29 09:40", True, "2026-11-29 10:10"),
    ("every 2 days", "2026-11-28 10:15", False, "2026-11-30 10:15"),
])
def test_when_a_schedule_is_due(schedule, last, due, next_due):
    finished = at(last) if last else None
    s = parse(schedule)
    assert s.due(NOW, finished) is due
    assert s.next_due(NOW, finished) == (next_due if isinstance(next_due, datetime) else at(next_due))


@pytest.mark.parametrize("text", ["nightly", "daily 25:00", "daily 2am", "hourly 30", "weekly funday",
                                  "weekly sun 03:00 extra", "every 0 hours", "every 6 fortnights", "every hour", ""])
def test_a_schedule_that_is_not_understood_says_which_forms_work(text):
    with pytest.raises(ScheduleError) as exc:
        parse(text)
    assert repr(text) in str(exc.value)


@pytest.fixture
def cli(runner, settings, empty_catalogue):
    def invoke(*args):
        return runner.invoke(main, ["--instance", settings.instance_dir, "--database-url", settings.db_url, *args])
    return invoke


def _feed(tmp_path, name: str) -> str:
    """A DCAT file whose datasets are this source's own."""
    path = tmp_path / f"{name}.ttl"
    path.write_bytes(DCAT_FEED.replace(b'"wg-', f'"{name}-wg-'.encode()).replace(b"/ds/", f"/ds/{name}-".encode()))
    return str(path)


def _finished(cat, source: str, when: datetime) -> None:
    with Session(cat.store.engine) as s, s.begin():
        s.execute(update(RunRow).where(RunRow.source == source).values(started_at=when, finished_at=when))


def test_harvest_due_runs_what_has_come_round_and_lists_the_rest(cli, empty_catalogue, tmp_path):
    cat = empty_catalogue
    add_source(cat, "never", "dcat", _feed(tmp_path, "never"), schedule="every 1 hours")
    add_source(cat, "fresh", "dcat", _feed(tmp_path, "fresh"), schedule="daily")
    add_source(cat, "stale", "dcat", _feed(tmp_path, "stale"), schedule="daily")
    add_source(cat, "manual", "dcat", _feed(tmp_path, "manual"))
    add_source(cat, "odd", "dcat", _feed(tmp_path, "odd"), schedule="nightly")  # stored before schedules were read
    assert run(cat, "fresh").run.status == "complete"
    assert run(cat, "stale").run.status == "complete"
    _finished(cat, "stale", datetime.now(UTC) - timedelta(days=2))
    runs_before = {name: _runs(cat, name) for name in ("never", "fresh", "stale")}

    result = cli("harvest", "--due")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Ran never: run" in out and "Ran stale: run" in out and out.count(" complete in ") == 2
    assert "Skipped fresh: not due until" in out and "schedule 'daily'" in out
    assert "Skipped manual: no schedule." in out
    assert "Skipped odd: schedule not understood" in out
    assert "2 ran, 3 skipped." in out
    assert {name: _runs(cat, name) - n for name, n in runs_before.items()} == {"never": 1, "fresh": 0, "stale": 1}

    again = cli("harvest", "--due", "--json")
    assert again.exit_code == 0, again.output
    body = json.loads(again.stdout)
    assert body["ran"] == []
    assert {s["source"] for s in body["skipped"]} == {"never", "fresh", "stale", "manual", "odd"}
    assert all(s["next_due"] for s in body["skipped"] if s["source"] in ("never", "fresh", "stale"))


def _runs(cat, name: str) -> int:
    from catalogue.provenance import ProvenanceRepository

    return len(ProvenanceRepository(cat.store).runs(name, limit=100))


@pytest.mark.parametrize("args, message", [
    ([], "give a source NAME, or --due"),
    (["somewhere", "--due"], "give a source NAME, or --due"),
    (["--due", "--force"], "apply to one named source"),
])
def test_harvest_needs_a_name_or_due(cli, args, message):
    result = cli("harvest", *args)
    assert result.exit_code == 2 and message in result.output


def test_sources_add_refuses_a_schedule_it_cannot_follow(cli, tmp_path):
    result = cli("sources", "add", "feed", "--type", "dcat", "--url", _feed(tmp_path, "feed"), "--schedule", "nightly")
    assert result.exit_code == 2 and "'nightly' is not a schedule" in result.output
    ok = cli("sources", "add", "feed", "--type", "dcat", "--url", _feed(tmp_path, "feed"), "--schedule", "daily 02:00")
    assert ok.exit_code == 0, ok.output
