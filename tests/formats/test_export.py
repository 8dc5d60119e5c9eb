"""Whole-catalogue exports: written record by record, equal to the all-in-memory graph, cached per store state."""
from __future__ import annotations

import copy
import threading
from pathlib import Path

import pytest
from pyshacl import validate as shacl_validate
from rdflib import RDF, BNode, Graph, Namespace, URIRef

from catalogue.formats import export
from catalogue.formats.dcat import DCAT, DCTERMS, catalogue_graph, graph_to_records
from catalogue.formats.export import ExportCache, iter_catalogue, store_records
from catalogue.formats.rdf_io import FORMATS, parse_rdf
from tests.support.app import SEED_PUBLISHERS, make_app
from tests.support import paths

pytestmark = pytest.mark.postgres

EXTS = ("ttl", "jsonld", "rdf")
SHACL_DIR = paths.SHACL_DIR


def canonical(g: Graph) -> set:
    """The graph's triples with each blank node replaced by what it holds (our exports have no blank-node cycles),
    so two serialisations of the same data compare equal without a slow isomorphism check."""
    memo: dict = {}

    def node(n):
        if not isinstance(n, BNode):
            return n
        if n not in memo:
            memo[n] = frozenset((p, node(o)) for p, o in g.predicate_objects(n))
        return memo[n]

    return {(s, p, node(o)) for s, p, o in g if not isinstance(s, BNode)}


def in_memory(cat) -> Graph:
    """The export as it was built before: every record in one graph."""
    pubs = {p["id"]: p for p in cat.store.publishers()}
    return catalogue_graph([d.record for d in cat.store.datasets()], cat.settings.base_url, pubs)


def get(client, path: str, method: str = "GET", **kw):
    with client.open(path, method=method, **kw) as resp:
        resp.get_data()
        return resp


def exports(app) -> ExportCache:
    return app.extensions["catalogue_services"].exports


# --- the document ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def old_export(seeded_catalogue) -> tuple[int, set]:
    g = in_memory(seeded_catalogue)
    return len(g), canonical(g)


@pytest.mark.parametrize("ext", EXTS)
def test_export_equals_the_in_memory_graph(client, old_export, seed_records, ext):
    resp = get(client, f"/catalogue.{ext}")
    assert resp.status_code == 200 and resp.mimetype == FORMATS[ext][1]
    g = parse_rdf(resp.get_data(), fmt=ext, source=f"catalogue.{ext}")
    assert (len(g), canonical(g)) == old_export
    assert graph_to_records(g) == sorted(seed_records, key=lambda r: r["identifier"])


def test_n_triples_and_the_catalogue_node(seeded_catalogue, old_export, seed_records):
    data = b"".join(export.export_store(seeded_catalogue.store, "nt", seeded_catalogue.settings.base_url))
    g = parse_rdf(data, fmt="nt")
    assert (len(g), canonical(g)) == old_export
    cat = URIRef(seeded_catalogue.settings.base_url.rstrip("/") + "/catalogue")
    assert (cat, RDF.type, DCAT.Catalog) in g
    assert len(set(g.objects(cat, DCAT.dataset))) == len(seed_records)
    assert str(g.value(cat, DCTERMS.modified)) == max(r["modified"] for r in seed_records if "modified" in r)


def test_turtle_export_conforms_to_dcat_ap_3(client):
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(SHACL_DIR / name, format="turtle")
    g = parse_rdf(get(client, "/catalogue.ttl").get_data(), fmt="ttl")
    conforms, _, text = shacl_validate(g, shacl_graph=shapes)
    assert conforms, text[:2000]


def test_export_is_written_one_record_at_a_time(seed_records):
    pulled = []

    def records():
        for r in seed_records[:3]:
            pulled.append(r["identifier"])
            yield r

    pieces = iter_catalogue(records(), "ttl", "https://example.org", {})
    next(pieces)  # the start of the document
    first = next(pieces)
    assert pulled == [seed_records[0]["identifier"]] and seed_records[0]["identifier"].encode() in first
    assert len(list(pieces)) == 2 + 1 + 1  # two more records, the catalogue node, the end


def test_store_records_reads_published_records_in_batches(small_catalogue, seed_records):
    ids = sorted(r["identifier"] for r in seed_records[:12])
    small_catalogue.withdraw(ids[3], reason="gone", author="test", route="test")
    assert [r["identifier"] for r in store_records(small_catalogue.store, batch=5)] == ids[:3] + ids[4:]


@pytest.mark.parametrize("fmt, name", [("rdf", "xml"), ("ttl", "turtle")])
def test_pieces_with_clashing_prefixes_still_read_right(fmt, name):
    # rdflib names unbound namespaces ns1, ns2... afresh for each piece, and a piece may rebind a prefix
    a, b = Graph(), Graph()
    a.add((URIRef("https://example.org/x"), URIRef("https://one.example/ns#p"), URIRef("https://example.org/y")))
    b.add((URIRef("https://example.org/x"), URIRef("https://two.example/ns#q"), URIRef("https://example.org/z")))
    if fmt == "ttl":
        a.bind("ex", Namespace("https://one.example/ns#"))
        b.bind("ex", Namespace("https://two.example/ns#"))
    writer = export._WRITERS[fmt]()
    data = writer.start() + writer.graph(a) + writer.graph(b) + writer.end()
    assert set(parse_rdf(data, fmt=fmt)) == set(a) | set(b)


# --- the cache ---------------------------------------------------------------------------------------------------

def test_export_is_cached_until_the_store_changes(writable_app, small_catalogue, example_record):
    client = writable_app.test_client()
    first = get(client, "/catalogue.ttl").get_data()
    assert get(client, "/catalogue.ttl").get_data() == first
    assert exports(writable_app).builds == 1

    rec = copy.deepcopy(example_record)
    rec["identifier"], rec["title"] = "export-cache-new", "A dataset saved after the first export"
    assert small_catalogue.save(rec, author="test", route="test").action == "created"
    second = get(client, "/catalogue.ttl").get_data()
    assert exports(writable_app).builds == 2 and b"A dataset saved after the first export" in second
    assert get(client, "/catalogue.ttl").get_data() == second and exports(writable_app).builds == 2

    small_catalogue.withdraw("export-cache-new", reason="test", author="test", route="test")
    third = get(client, "/catalogue.ttl").get_data()
    assert exports(writable_app).builds == 3 and b"export-cache-new" not in third

    pub = dict(next(p for p in SEED_PUBLISHERS if p["id"] == rec["publisher"]), name="Renamed Department")
    small_catalogue.load_publishers([pub])
    assert b"Renamed Department" in get(client, "/catalogue.ttl").get_data()
    assert exports(writable_app).builds == 4
    folder = Path(small_catalogue.settings.instance_dir) / "exports"
    assert len(list(folder.glob("catalogue-*.ttl"))) == 1  # older builds are removed


def test_concurrent_cold_requests_build_once(small_catalogue):
    apps = [make_app(small_catalogue), make_app(small_catalogue)]  # two workers sharing the instance folder
    start, bodies = threading.Barrier(6), []

    def fetch(app):
        client = app.test_client()
        start.wait()
        resp = get(client, "/catalogue.rdf")
        bodies.append((resp.status_code, resp.get_data()))

    threads = [threading.Thread(target=fetch, args=(apps[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(exports(app).builds for app in apps) == 1
    assert len(bodies) == 6 and {status for status, _ in bodies} == {200} and len({b for _, b in bodies}) == 1
    assert len(parse_rdf(bodies[0][1], fmt="rdf")) > 100


def test_conditional_get_gives_304_until_the_store_changes(writable_app, small_catalogue, seed_records):
    client = writable_app.test_client()
    resp = get(client, "/catalogue.jsonld")
    etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
    assert resp.status_code == 200 and etag and int(resp.headers["Content-Length"]) == len(resp.get_data())
    again = get(client, "/catalogue.jsonld", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert get(client, "/catalogue.jsonld", headers={"If-Modified-Since": modified}).status_code == 304
    assert get(client, "/catalogue.jsonld", method="HEAD").status_code == 200

    small_catalogue.withdraw(seed_records[0]["identifier"], reason="test", author="test", route="test")
    changed = get(client, "/catalogue.jsonld", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

