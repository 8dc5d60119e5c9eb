"""A read-only engine (a web worker beside the node's indexer) on each engine: it never writes, finds nothing
(and says so) before the index exists, and sees the writer's commits without reopening."""
import time

import pytest

from catalogue.search import ENGINES, SearchQuery, make_engine
from catalogue.search.documents import search_document


def eventually(check, seconds: float = 2.0):
    """check() becomes true within `seconds` (the time the multi-node test allows a search to see a write)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("name", ENGINES)
def test_a_reader_sees_each_commit_of_the_writer(tmp_path, example_record, name):
    path = str(tmp_path / "index")
    reader = make_engine(path, name, read_only=True)
    result = reader.search(SearchQuery(text="pupil"))
    assert result.total == 0 and "being built" in result.notice and reader.last_seq() is None
    writer = make_engine(path, name)
    writer.rebuild([search_document(example_record)])
    writer.set_last_seq(7)
    assert eventually(lambda: reader.search(SearchQuery(text="pupil")).total == 1)
    assert reader.last_seq() == 7
    writer.index([search_document(dict(example_record, identifier="second", title="Zyxwvut pupils"))])
    assert eventually(lambda: reader.search(SearchQuery(text="zyxwvut")).total == 1)
    writer.delete(["second"])
    assert eventually(lambda: reader.search(SearchQuery(text="zyxwvut")).total == 0)
    assert reader.doc_count() == 1
    with pytest.raises(Exception, match="read"):
        reader.index([search_document(example_record)])
    with pytest.raises(Exception, match="read"):
        reader.set_last_seq(8)
    reader.close()
    writer.close()


def test_two_tantivy_writers_take_turns(tmp_path, example_record):
    """Each write takes the index lock and lets go of it, so a second writer (a CLI command) waits its turn."""
    path = str(tmp_path / "index")
    first, second = make_engine(path, "tantivy"), make_engine(path, "tantivy")
    first.rebuild([search_document(example_record)])
    second.index([search_document(dict(example_record, identifier="other", title="Qwertyuiop"))])
    first.index([search_document(dict(example_record, identifier="third", title="Asdfghjkl"))])
    assert first.doc_count() == 3 and eventually(lambda: second.doc_count() == 3)
