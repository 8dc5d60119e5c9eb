"""The spelling vocabulary and the autocomplete names are rewritten in a thread when a periodic flush is due (the
writer goes on meanwhile), from a copy, in order, and a forced flush (close) waits and writes the newest."""
import json

from catalogue.search import files
from catalogue.search.completion import Completions
from catalogue.search.spelling import Vocabulary


def test_a_due_flush_writes_the_names_in_the_background_and_close_writes_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SAVE_EVERY", 0.0)
    names = Completions(tmp_path)
    names.add([{"id": "a", "title": "Pupil census", "variable_names": ["NHS_NUMBER"]}])
    names.flush()
    assert names._saving is not None
    names.add([{"id": "b", "title": "Hospital episodes"}])  # while the first copy may still be being written
    names.flush(force=True)
    data = json.loads((tmp_path / "completions.json").read_text())
    assert data["titles"] == {"a": "Pupil census", "b": "Hospital episodes"} and data["variables"] == {"NHS_NUMBER": 1}
    assert [s["value"] for s in Completions(tmp_path).suggest("hosp")] == ["b"]  # a reader in another process


def test_a_due_vocabulary_flush_runs_in_the_background(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SAVE_EVERY", 0.0)
    vocab = Vocabulary(tmp_path)
    vocab.add([{"title": "Quokka census"}])
    vocab.flush()
    assert vocab._saving is not None
    vocab.replace({"quokka": 3, "census": 2, "wombat": 1})
    vocab.flush(force=True)
    assert json.loads((tmp_path / "vocabulary.json").read_text()) == {"quokka": 3, "census": 2, "wombat": 1}
    assert Vocabulary(tmp_path).correct("wombta") == "wombat"
