"""DCAT feeds from files and URLs: formats, hydra:next paging, parse failures, hostile XML, withdrawals."""
import pytest
from tests.support.fake_servers import Reply
from tests.support.fake_servers import fake_server  # noqa: F401 - fixture
from tests.support.harvest_helpers import add_source, by_action, run
from test_harvest_transforms import DCAT_FEED

from catalogue.formats.rdf_io import parse_rdf, serialize

pytestmark = pytest.mark.postgres
IDS = {"wg-rivers", "wg-lakes", "seas"}


@pytest.mark.parametrize("fmt", ["ttl", "rdf", "jsonld", "nt"])
def test_each_rdf_format_from_a_file(empty_catalogue, tmp_path, fmt):
    data, _ = serialize(parse_rdf(DCAT_FEED, fmt="ttl"), fmt)
    path = tmp_path / f"feed.{fmt}"
    path.write_bytes(data)
    add_source(empty_catalogue, "feed", "dcat", str(path))
    result = run(empty_catalogue, "feed")
    assert result.run.status == "complete", result.run.error
    assert {o["dataset_id"] for o in by_action(result)["created"]} == IDS
    assert empty_catalogue.store.get("wg-rivers").record["coverage"]["nations"] == ["Wales"]


def test_file_url_and_rerun_changes_nothing_then_change_and_removal(empty_catalogue, tmp_path):
    cat = empty_catalogue
    path = tmp_path / "catalogue.ttl"
    path.write_bytes(DCAT_FEED)
    add_source(cat, "feed", "dcat", path.as_uri())
    assert run(cat, "feed").run.totals["created"] == 3
    seq = cat.store.max_seq()
    again = run(cat, "feed")
    assert set(by_action(again)) == {"unchanged"} and cat.store.max_seq() == seq
    changed = DCAT_FEED.replace(b'dct:title "Lakes"', b'dct:title "Lakes and reservoirs"')
    changed = changed.replace(b"<https://ex.org/ds/seas> a dcat:Dataset", b"<https://ex.org/ds/seas> a dcat:Thing")
    path.write_bytes(changed)
    third = run(cat, "feed")
    acts = by_action(third)
    assert [o["dataset_id"] for o in acts["updated"]] == ["wg-lakes"]
    assert [o["dataset_id"] for o in acts["withdrawn"]] == ["seas"]
    assert cat.store.get("wg-lakes").title == "Lakes and reservoirs"


def test_hydra_next_paging_over_http_by_content_type(empty_catalogue, fake_server):
    page1 = DCAT_FEED.replace(b"<https://ex.org/ds/seas> a dcat:Dataset", b"<https://ex.org/ds/seas> a dcat:Thing")
    page1 += b'\n<https://ex.org/cat?page=1> <http://www.w3.org/ns/hydra/core#next> <feed?page=2> .\n'
    page2 = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://ex.org/ds/tides> a dcat:Dataset ; dct:identifier "wg-tides" ; dct:title "Tides" ."""
    pages = {"1": page1, "2": page2}
    srv = fake_server(lambda r: Reply(200, pages[r.query.get("page", "1")], {"Content-Type": "text/turtle"}))
    add_source(empty_catalogue, "feed", "dcat", srv.url + "/feed")
    result = run(empty_catalogue, "feed")
    assert result.run.status == "complete", result.run.error
    assert {o["dataset_id"] for o in result.outcomes} == {"wg-rivers", "wg-lakes", "wg-tides"}
    assert [r.query.get("page") for r in srv.requests] == [None, "2"]
    assert "text/turtle" in srv.requests[0].headers["Accept"]


def test_hydra_next_that_loops_or_leaves_the_web_stops_the_run(empty_catalogue, fake_server):
    loop = DCAT_FEED + b'\n<https://ex.org/p> <http://www.w3.org/ns/hydra/core#next> <feed> .\n'
    srv = fake_server(lambda r: Reply(200, loop, {"Content-Type": "text/turtle"}))
    add_source(empty_catalogue, "loop", "dcat", srv.url + "/feed")
    result = run(empty_catalogue, "loop")
    assert result.run.status == "failed" and "leads back" in result.run.error
    local = DCAT_FEED + b'\n<https://ex.org/p> <http://www.w3.org/ns/hydra/core#next> <file:///etc/passwd> .\n'
    srv2 = fake_server(lambda r: Reply(200, local, {"Content-Type": "text/turtle"}))
    add_source(empty_catalogue, "escape", "dcat", srv2.url + "/feed")
    result = run(empty_catalogue, "escape")
    assert result.run.status == "failed" and "not the same kind of location" in result.run.error


def test_a_catalogue_that_fails_to_parse_names_the_source_and_position(empty_catalogue, tmp_path):
    cat = empty_catalogue
    path = tmp_path / "broken.ttl"
    path.write_bytes(DCAT_FEED)
    add_source(cat, "feed", "dcat", str(path))
    assert run(cat, "feed").run.status == "complete"
    path.write_bytes(DCAT_FEED.replace(b'dct:title "Lakes" ;', b'dct:title "Lakes ;'))
    result = run(cat, "feed")
    assert result.run.status == "failed"
    assert str(path) in result.run.error and "line" in result.run.error
    assert cat.store.count() == 3  # a failed run withdraws nothing


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY lol "lol"> <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"
         xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="https://ex.org/ds/x"><dct:title>&lol3;</dct:title></dcat:Dataset>
</rdf:RDF>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"
         xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="https://ex.org/ds/x"><dct:title>&xxe;</dct:title></dcat:Dataset>
</rdf:RDF>"""
REMOTE_CONTEXT = b'{"@context": "https://example.org/context.jsonld", "@id": "https://ex.org/ds/x", "@type": "Dataset"}'


@pytest.mark.parametrize("name, body, message", [
    ("laughs.rdf", BILLION_LAUGHS, "DOCTYPE or ENTITY declaration is refused"),
    ("xxe.rdf", EXTERNAL, "DOCTYPE or ENTITY declaration is refused"),
    ("remote.jsonld", REMOTE_CONTEXT, "remote @context is refused"),
])
def test_hostile_documents_are_refused(empty_catalogue, tmp_path, name, body, message):
    path = tmp_path / name
    path.write_bytes(body)
    add_source(empty_catalogue, "hostile", "dcat", str(path))
    result = run(empty_catalogue, "hostile")
    assert result.run.status == "failed" and message in result.run.error
    assert empty_catalogue.store.count() == 0


def test_missing_file_and_http_error(empty_catalogue, tmp_path, fake_server):
    add_source(empty_catalogue, "nofile", "dcat", str(tmp_path / "nope.ttl"))
    result = run(empty_catalogue, "nofile")
    assert result.run.status == "failed" and "cannot read" in result.run.error
    srv = fake_server(lambda r: Reply(404, b"<html>gone</html>", {"Content-Type": "text/html"}))
    add_source(empty_catalogue, "gone", "dcat", srv.url + "/feed.ttl")
    result = run(empty_catalogue, "gone")
    assert result.run.status == "failed" and "HTTP 404" in result.run.error
