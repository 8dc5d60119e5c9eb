"""The node's indexer: web workers only store and read; one indexer follows the revision counter and writes the
index, including revisions that commit out of order (concurrent transactions on PostgreSQL)."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy.orm import Session

from catalogue.records.indexer import Indexer, IndexerRunning, index_status, indexer_pid, take_lock
from catalogue.records.service import Catalogue, IndexOwned
from catalogue.records.store import DatasetRow, RevisionRow
from catalogue.records.clock import utc_now
from catalogue.search import SearchQuery
from tests.support.app import SEED_PUBLISHERS

pytestmark = pytest.mark.postgres


def found(cat, text: str) -> list[str]:
    return sorted(h.id for h in cat.search(SearchQuery(text=text, page_size=100)).hits)


def titled(record: dict, ident: str, title: str) -> dict:
    rec = copy.deepcopy(record)
    rec["identifier"], rec["title"] = ident, title
    return rec


@pytest.fixture
def node(settings):
    """A node: its indexer's catalogue (writes the index) and a web worker's (reads it, stores writes)."""
    writer = Catalogue(settings)
    writer.load_publishers(SEED_PUBLISHERS)
    writer.reindex()
    reader = Catalogue(settings, index_writer=False)
    yield writer, reader
    reader.close()
    writer.close()


def test_a_reader_stores_without_indexing_and_the_indexer_projects_it(node, example_record):
    writer, reader = node
    indexer = Indexer(writer)
    result = reader.save(titled(example_record, "ix-one", "Quokka census"), author="a", route="api")
    assert result.action == "created" and reader.get("ix-one").title == "Quokka census"  # the store answers at once
    assert found(reader, "quokka") == []  # not projected by the web worker
    assert indexer.step() == 1
    assert found(reader, "quokka") == ["ix-one"]  # the reader sees the indexer's commit
    reader.withdraw("ix-one", reason="test", author="a", route="api")
    assert indexer.step() == 1 and found(reader, "quokka") == []
    assert index_status(reader).lag == 0


def test_a_reader_never_writes_the_index(node):
    _writer, reader = node
    with pytest.raises(IndexOwned):
        reader.reindex()
    assert reader.sync_index(force=True) == 0


def test_a_reader_with_no_index_yet_finds_nothing_and_says_why(settings):
    reader = Catalogue(settings, index_writer=False)
    try:
        result = reader.search(SearchQuery(text="pupil"))
        assert result.total == 0 and "being built" in result.notice
        assert index_status(reader).index_revision is None
    finally:
        reader.close()


def _commit_late(cat, record: dict, seq: int) -> None:
    """Write a revision with a chosen number, as a transaction that took its number earlier but commits now."""
    now = utc_now()
    with Session(cat.store.engine) as s, s.begin():
        s.add(DatasetRow(id=record["identifier"], publisher=record["publisher"], title=record["title"],
                         status="published", record=record, report={"valid": True, "issues": []}, revision=1,
                         seq=seq, created_at=now, updated_at=now, withdrawn_reason=""))
        s.flush()
        s.add(RevisionRow(seq=seq, dataset_id=record["identifier"], number=1, action="created", author="t",
                          route="t", note="", created_at=now, record=record))


def test_a_revision_committed_out_of_order_is_not_skipped(node, example_record):
    writer, reader = node
    clock = [1000.0]
    indexer = Indexer(writer, grace=60, clock=lambda: clock[0])
    reader.save(titled(example_record, "ix-a", "Wombat survey"), author="a", route="api")
    n = writer.store.max_seq()
    _commit_late(writer, titled(example_record, "ix-c", "Wombat register"), n + 2)  # while n + 1 is still open
    assert indexer.step() == 2
    assert found(reader, "wombat") == ["ix-a", "ix-c"]
    assert writer.engine.last_seq() == n  # held back below the open number
    _commit_late(writer, titled(example_record, "ix-b", "Wombat atlas"), n + 1)
    assert indexer.step() == 1  # only the late one: the others are not redone
    assert found(reader, "wombat") == ["ix-a", "ix-b", "ix-c"]
    assert index_status(reader).lag == 0


def test_a_number_never_committed_holds_the_watermark_only_for_the_grace_period(node, example_record):
    writer, reader = node
    clock = [1000.0]
    indexer = Indexer(writer, grace=60, clock=lambda: clock[0])
    reader.save(titled(example_record, "ix-a", "Numbat survey"), author="a", route="api")
    _commit_late(writer, titled(example_record, "ix-c", "Numbat register"), writer.store.max_seq() + 2)
    indexer.step()
    behind = writer.engine.last_seq()
    clock[0] += 30
    indexer.step()
    assert writer.engine.last_seq() == behind  # still waiting for the missing number
    clock[0] += 31
    indexer.step()
    assert writer.engine.last_seq() == writer.store.max_seq()  # a rolled-back transaction: given up on
    assert found(reader, "numbat") == ["ix-a", "ix-c"]


def test_the_indexer_builds_a_missing_index_and_looks_again_at_recent_changes(settings, example_record):
    writer = Catalogue(settings)
    writer.load_publishers(SEED_PUBLISHERS)
    writer.save(titled(example_record, "ix-a", "Dunnart survey"), author="a", route="api")
    writer.engine.rebuild([])  # an index with no mark: as after `rm -r instance/index`
    writer.engine.close()
    reader = Catalogue(settings, index_writer=False)
    try:
        indexer = Indexer(writer, grace=60)
        assert indexer.step() == 1
        assert found(reader, "dunnart") == ["ix-a"]
        assert writer.engine.last_seq() == 0  # the change is younger than the grace period: looked at again
        assert indexer.step() == 1 and writer.engine.last_seq() == writer.store.max_seq()
    finally:
        reader.close()
        writer.close()


def test_one_indexer_per_index_folder(settings):
    assert indexer_pid(settings) is None
    fd = take_lock(settings)
    try:
        assert indexer_pid(settings) is not None
        with pytest.raises(IndexerRunning):
            take_lock(settings)
    finally:
        import os

        os.close(fd)
    assert indexer_pid(settings) is None
