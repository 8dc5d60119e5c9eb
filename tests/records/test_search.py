"""Each engine adapter behind the engine interface (every test runs on both): text, facets, sorting, paging,
snippets, bad syntax."""
import copy

import pytest

from catalogue.search import ENGINES, FACETS, SearchQuery, make_engine
from catalogue.search.documents import search_document


def variant(base, ident, **changes):
    rec = copy.deepcopy(base)
    rec["identifier"] = ident
    rec.update(changes)
    return rec


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path, example_record):
    base = example_record
    records = [
        base,
        variant(base, "hes-admitted-patient-care", title="Hospital Episode Statistics Admitted Patient Care",
                summary="Every admission to an NHS hospital in England.", publisher="nhs-england",
                modified="2026-10-01", theme=["Health"],
                coverage={"nations": ["England"], "temporalStart": "1989-04-01"},
                variables=[{"name": "NHSNO", "description": "NHS number", "linkageRole": "nhs-number"}],
                access={"routes": [{"type": "tre", "name": "NHS England Secure Data Environment"}]}),
        variant(base, "pedw", title="Patient Episode Database for Wales",
                summary="Hospital admissions in Wales <script>alert(1)</script>.", publisher="digital-health-and-care-wales",
                modified="2018-01-01", theme=["Health"], coverage={"nations": ["Wales"]},
                variables=[{"name": "ALF_PE", "description": "Anonymised linking field"}],
                access={"routes": [{"type": "tre", "name": "SAIL Databank"}]}),
        variant(base, "smr01", title="Scottish Morbidity Record 01", summary="Acute inpatient episodes in Scotland.",
                publisher="public-health-scotland", modified="2025-05-05", theme=["Health"],
                coverage={"nations": ["Scotland"]},
                variables=[{"name": "CHI", "description": "Community Health Index number", "linkageRole": "chi-number"}],
                access={"routes": [{"type": "tre", "name": "Scottish National Safe Haven"}]}),
    ]
    eng = make_engine(str(tmp_path / "index"), request.param)
    assert eng.rebuild(search_document(r, r["publisher"].replace("-", " ").title()) for r in records) == 4
    yield eng
    eng.close()


def ids(result):
    return [h.id for h in result.hits]


def test_title_matches_rank_first_and_stemming_works(engine):
    result = engine.search(SearchQuery(text="hospital admissions"))
    # the two with the words first; then SMR01, found by the synonym 'inpatient' (schemas/synonyms.json)
    assert set(ids(result)[:2]) == {"hes-admitted-patient-care", "pedw"} and ids(result)[2:] == ["smr01"]
    assert engine.search(SearchQuery(text="pupils")).hits[0].id == "dfe-national-pupil-database"


def test_variables_linkage_roles_and_publisher_are_searchable(engine):
    assert ids(engine.search(SearchQuery(text="Community Health Index"))) == ["smr01"]
    assert ids(engine.search(SearchQuery(text="chi number"))) == ["smr01"]
    assert ids(engine.search(SearchQuery(text="public health scotland"))) == ["smr01"]


def test_facet_counts_and_filters(engine):
    result = engine.search(SearchQuery())
    assert result.total == 4
    assert set(result.facets) == set(FACETS)
    assert dict(result.facets["theme"]) == {"Health": 3, "Education": 1}
    assert dict(result.facets["nation"]) == {"England": 2, "Wales": 1, "Scotland": 1}
    filtered = engine.search(SearchQuery(filters={"theme": ["Health"], "nation": ["Wales", "Scotland"]}))
    assert sorted(ids(filtered)) == ["pedw", "smr01"]
    assert dict(filtered.facets["tre"]) == {"SAIL Databank": 1, "Scottish National Safe Haven": 1}
    assert engine.search(SearchQuery(filters={"tre": ["ONS Secure Research Service"]})).total == 1
    assert engine.search(SearchQuery(filters={"linkage_key": ["nhs-number"]})).hits[0].id == "hes-admitted-patient-care"
    assert engine.search(SearchQuery(filters={"nowhere": ["x"]})).total == 4  # unknown facets are ignored


def test_sorting(engine):
    assert ids(engine.search(SearchQuery(sort="title"))) == [
        "hes-admitted-patient-care", "dfe-national-pupil-database", "pedw", "smr01"]
    assert ids(engine.search(SearchQuery(sort="modified")))[0] == "hes-admitted-patient-care"
    assert ids(engine.search(SearchQuery(sort="modified")))[-1] == "pedw"
    by_score = engine.search(SearchQuery(sort="readiness"))
    scores = [h.readiness for h in by_score.hits]
    assert scores == sorted(scores, reverse=True) and by_score.hits[0].id == "dfe-national-pupil-database"


def test_paging(engine):
    pages = [ids(engine.search(SearchQuery(sort="title", page=p, page_size=3))) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [3, 1, 0]
    assert engine.search(SearchQuery(page_size=3)).pages == 2


def test_snippets_highlight_terms_and_escape_html(engine):
    hit = engine.search(SearchQuery(text="wales")).hits[0]
    assert '<mark class="match term0">Wales</mark>' in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


@pytest.mark.parametrize("text", ['"unbalanced quote', "AND", "OR OR NOT", "title:(", "(((", "*", "x" * 10_000,
                                  "🙂 ümlaut", "\x00\x01", "a:b:c", "hospital^", "[1 TO", "' OR 1=1 --"])
def test_bad_query_syntax_never_raises(engine, text):
    result = engine.search(SearchQuery(text=text))
    assert result.total >= 0


def test_long_query_is_shortened_with_a_notice(engine):
    assert "shortened" in engine.search(SearchQuery(text="hospital " * 2000)).notice


def test_update_and_delete(engine, example_record):
    engine.index([search_document(variant(example_record, "pedw", title="Renamed Welsh data"))])
    assert ids(engine.search(SearchQuery(text="renamed"))) == ["pedw"]
    assert engine.doc_count() == 4
    engine.delete(["pedw"])
    assert engine.search(SearchQuery(text="renamed")).total == 0
    assert engine.doc_count() == 3


def test_index_state_tracks_the_revision_counter(engine, tmp_path):
    engine.set_last_seq(42)
    assert make_engine(str(tmp_path / "index"), engine.name).last_seq() == 42


@pytest.mark.parametrize("kwargs", [{}, {"positions": True, "chars": True}, {"removestops": False, "positions": True},
                                    {"mode": "query"}, {"tokenize": False, "chars": True},
                                    {"positions": True, "start_pos": 5, "start_char": 3, "chars": True}])
def test_fast_analyzer_matches_whoosh_stemming_analyzer(kwargs):
    from whoosh.analysis import StemmingAnalyzer

    from catalogue.search.analysis import FastStemmingAnalyzer

    def run(analyzer, text):
        return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None), getattr(t, "endchar", None),
                 t.stopped) for t in analyzer(text, **kwargs)]

    for text in ["The Pupils, testing is testing and I.D. numbers 2.5 x AND Ümlaut café-bar a.b.c",
                 "a the an of", "", "Hospital <b>admissions</b>", "NHS_NUMBER date-of-birth"]:
        assert run(FastStemmingAnalyzer(), text) == run(StemmingAnalyzer(), text)
