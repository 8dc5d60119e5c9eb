"""The two engines answer alike on the seed catalogue: the same totals and facet counts for a table of queries,
the same order for the sorts, escaped snippets, and no exception for any query text."""
import re

import pytest

from catalogue.search import ENGINES, FACETS, SearchQuery, make_engine
from catalogue.search.documents import search_document
from catalogue.search.query_syntax import parse
from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS

# Ordinary words, acronyms and synonyms (expanded), typos (fuzzy), phrases and the syntax both read. Words the two
# stemmers cut differently are left out: Whoosh stems with its Porter algorithm, Tantivy with Snowball English, so
# about 1 word in 20 of the seed catalogue's vocabulary ('monthly', 'employers', 'community', 'pay', 'ONS') matches
# a slightly different set, and so do typos of them.
QUERIES = ["", "pupil", "pupils", "hospital", "census", "health", "prison", "tax credits", "date of birth",
           "nhs number", "benefit claimants", "school census england", "mortality", "prescribing", "DWP", "HMRC",
           "chi number", "national insurance", "universal credit", "pupl", "hospitl", "prision", "censsus",
           "date of brith",
           '"date of birth"', '"national insurance number"', "title:census", 'title:"pupil census"',
           "keywords:crime", "variables:postcode", "nation:Wales", 'tre:"SAIL Databank"', "publisher_name:office",
           "education OR health", "health NOT wales", "NOT health", "health ANDNOT wales", "(pupil OR school) england",
           "census AND (scotland OR wales)", "title:(health survey)", "pupil^3 school",
           "date-of-birth", "x", "the", "a OR b AND c"]
FILTERS = [{}, {"nation": ["England"]}, {"theme": ["Health"], "nation": ["Wales", "Scotland"]},
           {"tre": ["ONS Secure Research Service"]}, {"band": ["Ready"]}]
HOSTILE = ['"', '"unbalanced quote', "(", "(((", ")", "AND", "OR OR NOT", "NOT", "NOT NOT (NOT", "title:", "title:(",
           "nation:", "*", "*:*", "hosp*", "[1 TO", "{a TO b}", "a:b:c", "foo:bar", "' OR 1=1 --", "hospital^",
           "hospital^^2", "^", "x" * 10_000, "word " * 3000, "\ud800 lone surrogate", "\udfff", "\x00", "NUL\x00in",
           "🙂 ümlaut", "\u202e", "<script>alert(1)</script>", "-", "--census", "+pupil", "~", "pupil~2", '"a"~3',
           "\\", "/regex/", "IN [a b]", "title:>5", "readiness:[0 TO 100]", "(" * 500 + "health" + ")" * 500,
           "NOT " * 250 + "health", '"' * 999, "a:" * 400 + "health", "title:(" * 100 + "health", "((a) OR (b)) " * 60]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    names = {p["id"]: p.get("name", p["id"]) for p in SEED_PUBLISHERS}
    docs = [search_document(r, names.get(r["publisher"], "")) for r in SEED_RECORDS]
    built = {}
    for name in ENGINES:
        built[name] = make_engine(str(tmp_path_factory.mktemp(name) / "index"), name)
        assert built[name].rebuild(docs) == len(docs)
    yield built
    for engine in built.values():
        engine.close()


def answer(result):
    return result.total, result.facets


@pytest.mark.parametrize("text", QUERIES)
def test_same_totals_and_facet_counts(engines, text):
    for filters in FILTERS:
        whoosh, tantivy = (engines[name].search(SearchQuery(text=text, filters=filters)) for name in ENGINES)
        assert answer(tantivy) == answer(whoosh), filters
        assert set(tantivy.facets) == set(FACETS)


def test_the_table_finds_things():
    """The table is not all empty answers: most of its queries match some records."""
    assert sum(bool(t) for t in QUERIES) > 30


@pytest.mark.parametrize("sort,key", [("title", lambda h: h.title.lower()), ("modified", lambda h: h.modified),
                                      ("readiness", lambda h: h.readiness), ("relevance", lambda h: h.title.lower())])
@pytest.mark.parametrize("text", ["", "health", "census"])
def test_same_order_for_the_sorts(engines, sort, key, text):
    """Equal keys may come in either order; the keys come in the same order, page after page."""
    for page in (1, 2):
        results = [engines[name].search(SearchQuery(text=text, sort=sort, page=page, page_size=10))
                   for name in ENGINES]
        if sort == "relevance" and text:  # the scores differ (BM25F and BM25): the same records, not the same order
            assert results[0].total == results[1].total
            continue
        assert [key(h) for h in results[0].hits] == [key(h) for h in results[1].hits]


def test_relevance_puts_the_title_match_first_on_both(engines):
    for name in ENGINES:
        assert engines[name].search(SearchQuery(text="pupil")).hits[0].id == "dfe-national-pupil-database", name


@pytest.mark.parametrize("name", ENGINES)
def test_snippets_mark_matches_in_escaped_text(engines, name):
    hits = engines[name].search(SearchQuery(text="hospital admissions", page_size=50)).hits
    assert hits and all(h.snippet for h in hits[:3])
    for hit in hits:
        assert "<script" not in hit.snippet
        bare = re.sub(r"<mark class=\"match term\d+\">", "", hit.snippet)
        assert "<" not in bare.replace("</mark>", ""), hit.snippet
    assert '<mark class="match term' in hits[0].snippet


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(engines, name, text):
    for sort in ("relevance", "title"):
        result = engines[name].search(SearchQuery(text=text, sort=sort, filters={"nation": [text]}))
        assert result.total >= 0 and isinstance(result.notice, str)
    result = engines[name].search(SearchQuery(text=text))
    assert result.total >= 0 and all("<script" not in h.snippet for h in result.hits)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("page,page_size", [(1, 10**9), (10**9, 100), (2**40, 2**20), (3, 40), (0, 5), (-5, 5)])
def test_any_page_and_page_size_answer(engines, name, page, page_size):
    """However far the page or large the page size, the engine answers (Tantivy allocates for offset + limit)."""
    result = engines[name].search(SearchQuery(text="health", page=page, page_size=page_size, sort="title"))
    expected = engines["whoosh"].search(SearchQuery(text="health", page=page, page_size=page_size, sort="title"))
    assert result.total == expected.total > 0
    assert [h.title.lower() for h in result.hits] == [h.title.lower() for h in expected.hits]


@pytest.mark.parametrize("text,tree", [
    ("pupil census", ("and", [("word", None, "pupil", 1.0), ("word", None, "census", 1.0)])),
    ("aa OR bb cc", ("and", [("or", [("word", None, "aa", 1.0), ("word", None, "bb", 1.0)]),
                             ("word", None, "cc", 1.0)])),
    ("aa OR bb AND cc", ("or", [("word", None, "aa", 1.0), ("and", [("word", None, "bb", 1.0),
                                                                   ("word", None, "cc", 1.0)])])),
    ('title:"a b" NOT c', ("and", [("phrase", "title", "a b", 1.0), ("not", ("word", None, "c", 1.0))])),
    ("title:(a b)", ("and", [("word", "title", "a", 1.0), ("word", "title", "b", 1.0)])),
    ("x ANDNOT y", ("and", [("word", None, "x", 1.0), ("not", ("word", None, "y", 1.0))])),
    ("pupil^2", ("word", None, "pupil", 2.0)),
    ("foo:bar", ("word", None, "foo:bar", 1.0)),
])
def test_query_syntax_reads_like_whooshs_parser(text, tree):
    assert parse(text, {"title"}) == (tree, False)


@pytest.mark.parametrize("text", ['"open', "(open", "open)", "AND open", "open OR", "NOT"])
def test_repaired_syntax_is_reported(text):
    assert parse(text, {"title"})[1] is True
