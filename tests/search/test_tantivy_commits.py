"""The Tantivy engine commits each write in the background: the caller's next batch runs meanwhile, but nothing
else changes. Searches in the writing process see the write, the revision mark never runs ahead of what has
landed (so a crash redoes the work), a failed commit is raised by the next call, and 'did you mean' follows the
index's words after incremental writes as after a rebuild."""
import copy
import threading

import pytest

from catalogue.search import SearchQuery, make_engine
from catalogue.search.documents import search_document


def doc(record: dict, ident: str, title: str) -> dict:
    rec = copy.deepcopy(record)
    rec["identifier"], rec["title"] = ident, title
    return search_document(rec)


@pytest.fixture
def engine(tmp_path, example_record):
    e = make_engine(str(tmp_path / "index"), "tantivy")
    e.rebuild([doc(example_record, "first", "Pupil census")])
    e.set_last_seq(1)
    yield e
    e.close()


def held_commit(engine):
    """Hold the next background commit until the returned event is set."""
    release, real = threading.Event(), engine._commit

    def commit(writer):
        release.wait(10)
        real(writer)

    engine._commit = commit
    return release


def test_a_search_in_the_writing_process_sees_the_write(engine, example_record):
    engine.index([doc(example_record, "second", "Quokka survey")])
    assert [h.id for h in engine.search(SearchQuery(text="quokka")).hits] == ["second"]
    assert engine.doc_count() == 2


def test_the_mark_is_written_only_when_the_commit_has_landed(engine, example_record, tmp_path):
    release = held_commit(engine)
    engine.index([doc(example_record, "second", "Quokka survey")])
    engine.set_last_seq(2)
    assert engine._state()["seq"] == 1  # on disk: still the old mark while the commit runs
    assert engine.last_seq() == 2  # what this process has given the index
    reader = make_engine(str(tmp_path / "index"), "tantivy", read_only=True)
    assert reader.last_seq() == 1 and reader.search(SearchQuery(text="quokka")).total == 0
    release.set()
    engine.wait()
    assert engine._state()["seq"] == 2 and reader.last_seq() == 2
    assert reader.search(SearchQuery(text="quokka")).total == 1


def test_a_failed_commit_is_raised_and_leaves_the_old_mark(engine, example_record):
    def broken(_writer):
        raise OSError("disk full")

    engine._commit = broken
    release = held_commit(engine)  # fails once set_last_seq has left its mark to be written
    engine.index([doc(example_record, "second", "Quokka survey")])
    engine.set_last_seq(2)
    release.set()
    with pytest.raises(OSError, match="disk full"):
        engine.wait()
    assert engine.last_seq() == 1  # the catalogue catches up from here: nothing is lost
    engine.wait()  # raised once

    engine.index([doc(example_record, "third", "Wombat survey")])  # fails before the mark is set
    running = engine._committing
    running.join()
    with pytest.raises(OSError, match="disk full"):
        engine.set_last_seq(3)
    assert engine.last_seq() == 1


def test_did_you_mean_follows_incremental_writes(engine, example_record):
    engine.index([doc(example_record, "second", "Quokka survey")])
    result = engine.search(SearchQuery(text="quokkka"))
    assert result.suggestion == "quokka"
    engine.close()
    assert "quokka" in (engine.path / "vocabulary.json").read_text()  # saved for the readers on close


def test_the_writer_lock_is_free_after_a_failed_commit(engine, example_record):
    real = engine._commit

    def broken(writer):
        raise OSError("disk full")

    engine._commit = broken
    engine.index([doc(example_record, "second", "Quokka survey")])
    with pytest.raises(OSError):
        engine.wait()
    engine._commit = real
    engine.index([doc(example_record, "third", "Wombat survey")])  # would wait 30 s for the lock, then fail
    engine.set_last_seq(3)
    engine.wait()
    assert engine.search(SearchQuery(text="wombat")).total == 1 and engine.last_seq() == 3
