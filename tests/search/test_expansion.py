"""Query expansion (acronyms, former names, synonyms), fuzzy fallback and 'did you mean', on the seed catalogue."""
import pytest

from catalogue.search import SearchQuery
from catalogue.search import expansion as ex
from catalogue.search.spelling import Vocabulary, edit_distance

pytestmark = pytest.mark.postgres


def ids(result):
    return [h.id for h in result.hits]


def search(cat, text, **kw):
    return cat.search(SearchQuery(text=text, page_size=kw.pop("page_size", 20), **kw))


# the tree
def test_plain_queries_expand_and_syntax_is_left_to_the_parser():
    tree = ex.expand("DWP").tree
    assert ex.Facet("publisher", "department-for-work-pensions", 6.0) in tree.parts
    assert ex.Phrase("Department for Work and Pensions", boost=0.9) in tree.parts
    for text in ('"date of birth"', "title:census", "pupil AND census", "pupil*", "-census", "(a)", ""):
        assert ex.expand(text) is None, text


def test_former_names_match_as_phrases():
    notes = ex.expand("HM Prison Service").notes
    assert notes == ("HMPPS: HM Prison and Probation Service",)


def test_expansion_is_capped_however_long_the_query():
    text = " ".join(["DWP HMRC ONS NPD HES prison benefits companies"] * 50)
    tree = ex.expand(text).tree
    assert ex.count_leaves(tree) <= ex.MAX_WORDS * 2 + ex.MAX_ALTERNATIVES + 3 + (len(text.split()) - ex.MAX_WORDS)


def test_every_register_entry_names_a_source_and_known_publishers(seed_records):
    reg = ex.register()
    publishers = {r["publisher"] for r in seed_records}
    for entry in reg["acronyms"]:
        assert entry["source"].startswith("https://"), entry["term"]
        assert not entry.get("publisher") or entry["publisher"] in publishers, entry["term"]


# spelling
def test_codes_and_numbers_are_never_fuzzy():
    assert [ex.fuzzy_distance(w) for w in ("0007", "2021", "KS4_ATT8", "pupl", "statsitics")] == [0, 0, 0, 1, 2]


def test_edit_distance_counts_transpositions_once():
    assert edit_distance("statsitics", "statistics", 2) == 1
    assert edit_distance("pupl", "pupil", 1) == 1
    assert edit_distance("cat", "dogs", 2) == 3


def test_vocabulary_corrects_from_its_own_words(tmp_path):
    vocab = Vocabulary(tmp_path)
    vocab.add([{"title": "National Pupil Database", "variables": ["Statistics of pupils"]}])
    vocab.save()
    fresh = Vocabulary(tmp_path)  # another process reads the saved file
    assert fresh.correct("pupl") == "pupil"
    assert fresh.correct("Hospital Statsitics") == "Hospital statistics"
    assert fresh.correct("pupil database") is None


# on the seed catalogue
@pytest.mark.parametrize("query, expected", [
    ("DWP", {"dwp-universal-credit-households", "dwp-personal-independence-payment-claims",
             "dwp-work-and-pensions-longitudinal-study", "dwp-family-resources-survey",
             "dwp-households-below-average-income"}),
    ("HMPPS", {"moj-data-first-prisoner-custodial-journey"}),
    ("HM Prison Service", {"moj-data-first-prisoner-custodial-journey"}),
])
def test_acronyms_and_former_names_find_the_datasets(seeded_catalogue, query, expected):
    result = search(seeded_catalogue, query)
    assert expected <= set(ids(result)), ids(result)
    assert result.expansions


def test_publisher_acronym_ranks_its_datasets_first(seeded_catalogue):
    top = ids(search(seeded_catalogue, "DWP"))[:5]
    assert all(i.startswith("dwp-") for i in top), top


def test_typos_fall_back_to_fuzzy_below_exact_and_suggest(seeded_catalogue):
    result = search(seeded_catalogue, "pupl")
    assert result.fuzzy and result.suggestion == "pupil" and result.total > 0
    result = search(seeded_catalogue, "Hospital Episode Statsitics")
    assert ids(result)[0] == "nhsengland-hes-admitted-patient-care"
    assert result.suggestion.lower() == "hospital episode statistics"
    exact = search(seeded_catalogue, "pupil")
    assert not exact.fuzzy and not exact.suggestion


def test_a_phrase_of_variable_meaning_ranks_datasets_with_that_variable(seeded_catalogue, seed_records):
    with_variable = {r["identifier"] for r in seed_records
                     if any("free school meal" in (v.get("label") or "").lower() for v in r.get("variables", []))}
    assert len(with_variable) >= 5
    top = ids(search(seeded_catalogue, "free school meals"))[:len(with_variable)]
    assert set(top) == with_variable, top  # before: NPD 3rd, below datasets that only mention schools


def test_hits_say_where_they_matched(seeded_catalogue):
    hits = search(seeded_catalogue, "NEWNHSNO").hits
    assert hits and "variables" in hits[0].matched
    hit = search(seeded_catalogue, "Longitudinal Education Outcomes").hits[0]
    assert "title" in hit.matched


@pytest.mark.parametrize("text", ["\"", "(((", "AND", "title:", "*", "x" * 10_000, "pupil \ud800", "a\x00b",
                                  "DWP " * 500, "~~~", "^2", "é" * 300, "prison OR", "NOT"])
def test_hostile_queries_never_raise(seeded_catalogue, text):
    result = search(seeded_catalogue, text)
    assert result.total >= 0


def test_completions_follow_another_process_without_blocking(tmp_path):
    from catalogue.search.completion import Completions

    writer = Completions(tmp_path)
    writer.add([{"id": "a", "title": "National Pupil Database", "publisher": "dfe", "publisher_name": "DfE",
                 "variable_names": ["UPN"], "linkage_key": ["unique-pupil-number"]}])
    writer.save()
    reader = Completions(tmp_path, refresh_every=0)
    assert [s["value"] for s in reader.suggest("national")] == ["a"]
    writer.add([{"id": "b", "title": "National Travel Survey", "publisher": "dft", "publisher_name": "DfT"}])
    writer.remove(["a"])
    writer.save()
    import time
    for _ in range(100):  # the old table answers while the new one is built in the background
        if [s["value"] for s in reader.suggest("national")] == ["b"]:
            break
        time.sleep(0.02)
    assert [s["value"] for s in reader.suggest("national")] == ["b"]
