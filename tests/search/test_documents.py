"""The search document's readiness fast path gives exactly readiness()'s total and band: on the seed records, the
example record, the foreign DCAT examples and generated partial records."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from rdflib import Graph

from catalogue.formats.dcat import graph_to_records
from catalogue.records.schema import dataset_schema
from catalogue.records.scoring import readiness, readiness_total
from catalogue.search.documents import search_document
from tests.support import paths

FOREIGN = sorted(p for p in (paths.REFERENCE / "foreign-dcat").iterdir() if p.suffix in (".ttl", ".nt", ".jsonld", ".rdf"))
FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml"}


def same_score(record) -> None:
    score = readiness(record)
    assert readiness_total(record) == (score.total, score.band)
    if isinstance(record, dict) and isinstance(record.get("identifier"), str):
        doc = search_document(record)
        assert (doc["readiness"], doc["band"]) == (score.total, score.band)


def test_seed_and_example_records(seed_records, example_record):
    assert len(seed_records) > 10
    for record in [*seed_records, example_record]:
        same_score(record)
    assert {readiness_total(r)[1] for r in seed_records} | {"ready"} >= {"ready", "partial"}  # a spread, not one band


def test_foreign_dcat_records():
    records = []
    for path in FOREIGN:
        graph = Graph()
        try:
            graph.parse(path, format=FORMATS[path.suffix])
        except Exception:  # noqa: BLE001 - one upstream example is not valid Turtle; the harvest tests cover it
            continue
        records += graph_to_records(graph)
    assert len(records) >= 15
    for record in records:
        same_score(record)


def test_odd_shapes():
    for record in [{}, [], None, "text", {"variables": "x"}, {"variables": [1, None, {}]},
                   {"variables": [{"linkageRole": "nhs-number", "collectionMethod": ""}]},
                   {"coverage": None, "access": {"routes": []}, "owner": {}}]:
        assert readiness_total(record) == (readiness(record).total, readiness(record).band)


def _partial(node: dict):
    """Records shaped by the schema with no field required, at any depth (as tests/web/test_render_any_record.py)."""
    if node.get("type") == "object":
        return st.fixed_dictionaries({}, optional={k: _partial(v) for k, v in node["properties"].items()})
    if node.get("type") == "array" and node["items"].get("type") == "object":
        return st.lists(_partial(node["items"]), max_size=3)
    return from_schema({k: v for k, v in node.items()
                        if k not in ("obligation", "description", "cddo", "required", "anyOf")})


@given(record=_partial(dataset_schema()))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_partial_records(record):
    same_score({"identifier": "generated", **record})


def test_tantivy_words_are_the_cleaned_text_fields(seed_records, example_record):
    """The Tantivy document's spelling words are its cleaned text fields, the same as cleaning them afresh, in one
    value (the words field keeps no positions, so joining changes nothing it counts)."""
    from catalogue.search import spelling
    from catalogue.search.tantivy_engine import _clean, _to_tantivy

    odd = {"identifier": "odd", "title": "Bad \ud800 text", "keyword": ["a", "", "b\ud800"], "publisher": "p",
           "summary": None, "owner": {"organisation": "Org", "team": "\ud83d"}, "variables": [{"name": "X_1"}, "no"]}
    for record in [*seed_records, example_record, odd]:
        doc = search_document(record, "Publisher name")
        want = [_clean(v) for name in spelling.FIELDS
                for v in (doc.get(name) if isinstance(doc.get(name), list) else [doc.get(name)]) if v]
        assert _to_tantivy(doc)["words"] == ["\n".join(want)] and want  # one value: the field keeps no positions


def _tokens(analyzer, text: str) -> list[tuple[str, int]]:
    return [(t.text, t.position) for t in analyzer.pre_tokenize(text).tokens]


ODD_TEXT = ["nhs_number", "Date of birth (dd/mm/yyyy)", "e.g. 1.5 a.b..c .x. a b c", "ab.c.", "a..b", "x_", "_",
            "café naïve", "cafe\u0301 ²³ x²y", "Ⅻ٣٤ ‿tie⁀", "\u200d zw\u200cj", "日本語のテキスト", "one\ttwo\nthree  four",
            "", "   ", "...", "A.B.C. D-E F'G", "x" * 300, "nhs number. NHS-number; nhs.number"]


def test_split_words_are_the_regex_tokenizers_own():
    """The variables' words, found in Python (_split) and read by the whitespace tokenizer, are the tokens and
    positions the regex tokenizer gives on the text itself: queries, analysed by the latter, match them."""
    from catalogue.search.tantivy_engine import _analyzer, _split, _split_analyzer

    regex, split = _analyzer(), _split_analyzer()
    for text in ODD_TEXT:
        assert _tokens(split, _split(text)) == _tokens(regex, text), text


@given(st.text(alphabet=st.sampled_from("ab_Z9.  -\n\té²\u0301‿日"), max_size=60) | st.text(max_size=60))
@settings(max_examples=400, deadline=None)
def test_split_words_agree_on_any_text(text):
    from catalogue.search.tantivy_engine import _analyzer, _clean, _split, _split_analyzer

    text = _clean(text)
    assert _tokens(_split_analyzer(), _split(text)) == _tokens(_analyzer(), text)


def test_prepared_documents_index_as_plain_ones(seed_records, tmp_path):
    """A rebuild from prepare()'d documents (made in worker processes) gives the same index as from plain ones."""
    from catalogue.search.interface import SearchQuery
    from catalogue.search.tantivy_engine import TantivyEngine, prepare

    docs = [search_document(r, "Publisher name") for r in seed_records]
    plain, prepared = TantivyEngine(str(tmp_path / "plain")), TantivyEngine(str(tmp_path / "prepared"))
    try:
        assert plain.rebuild(docs) == prepared.rebuild([prepare(d) for d in docs]) == len(docs)
        for text in ["", "nhs number", '"date of birth"', "variables:postcode", "hospital -school"]:
            a, b = plain.search(SearchQuery(text=text, page_size=50)), prepared.search(SearchQuery(text=text, page_size=50))
            assert (a.total, sorted(h.id for h in a.hits), a.facets) == \
                (b.total, sorted(h.id for h in b.hits), b.facets), text  # ties: two writer threads, either order
        assert plain.suggest("nhs") == prepared.suggest("nhs")
    finally:
        plain.close()
        prepared.close()
