"""Whole-catalogue RDF exports written record by record, so memory is bounded by one record, not the catalogue.

iter_catalogue() yields the bytes of one document: each dataset's graph is serialised on its own and appended
(Turtle and N-Triples as they are, RDF/XML inside one rdf:RDF, JSON-LD as one @graph under one @context), and the
dcat:Catalog node comes last. ExportCache keeps one built file per format in the instance folder and rebuilds it
only when the store has changed; one builder at a time, under a file lock that also holds across worker processes.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Iterable, Iterator

from rdflib import RDF, Graph

from catalogue.formats.dcat.vocab import DCAT
from catalogue.formats.dcat.write import catalogue_node, latest_modified, new_graph, record_to_graph
from catalogue.records.store import PUBLISHED, Store

FORMATS = ("ttl", "jsonld", "rdf", "nt")
BATCH = 200  # records read from the store at a time
_DCAT_CODE = Path(__file__).parent / "dcat"


def iter_catalogue(records: Iterable[dict], fmt: str, base_uri: str,
                   publishers: dict[str, dict] | None = None) -> Iterator[bytes]:
    """The whole catalogue as one RDF document in fmt ('ttl', 'jsonld', 'rdf', 'nt'), in pieces of one record."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}; use one of {', '.join(FORMATS)}")
    writer = _WRITERS[fmt]()
    yield writer.start()
    datasets, modified = [], None
    for record in records:
        g = record_to_graph(record, base_uri, publishers)
        datasets.append(g.value(predicate=RDF.type, object=DCAT.Dataset))
        modified = latest_modified([modified, record.get("modified")])
        yield writer.graph(g)
    yield writer.graph(catalogue_node(datasets, modified, base_uri, publishers))
    yield writer.end()


def store_records(store: Store, batch: int = BATCH) -> Iterator[dict]:
    """Every published record in identifier order, read batch by batch."""
    ids = sorted(ident for ident, _seq, status in store.change_marks(0) if status == PUBLISHED)
    for start in range(0, len(ids), batch):
        for dataset in store.datasets(ids=ids[start:start + batch]):
            yield dataset.record


def export_store(store: Store, fmt: str, base_uri: str) -> Iterator[bytes]:
    """iter_catalogue over the store's published records."""
    publishers = {p["id"]: p for p in store.publishers()}
    return iter_catalogue(store_records(store), fmt, base_uri, publishers)


class ExportCache:
    """One built export file per format in folder, keyed by the store's state; rebuilt only when that changes."""

    def __init__(self, store: Store, folder: str | Path, base_uri: str):
        self.store, self.folder, self.base_uri = store, Path(folder), base_uri
        self.builds = 0  # builds done by this object (for the benchmark's report)

    def state(self, fmt: str) -> str:
        """A short key of everything the export depends on: store revision, counts, publishers, base URL, code."""
        parts = [fmt, self.base_uri, self.store.max_seq(), self.store.count(), self.store.publishers(), _code_hash()]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]

    def get(self, fmt: str) -> tuple[Path, str]:
        """(path, key) of an up-to-date export, building it first if needed (or waiting for the one being built)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown RDF format {fmt!r}; use one of {', '.join(FORMATS)}")
        key = self.state(fmt)
        path = self.folder / f"catalogue-{key}.{fmt}"
        if path.exists():
            return path, key
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f".lock-{fmt}", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per format, across threads and processes
            try:
                if not path.exists():  # else another worker built it while we waited
                    self._build(fmt, path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return path, key

    def _build(self, fmt: str, path: Path) -> None:
        for old in self.folder.glob(f".tmp-*.{fmt}"):  # left by a builder that died; we hold the lock
            old.unlink(missing_ok=True)
        tmp = self.folder / f".tmp-{os.getpid()}-{path.name}"
        try:
            with open(tmp, "wb") as out:
                for chunk in export_store(self.store, fmt, self.base_uri):
                    out.write(chunk)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self.builds += 1
        for old in self.folder.glob(f"catalogue-*.{fmt}"):
            if old != path:
                old.unlink(missing_ok=True)  # readers that already opened it keep reading it


_code_cache: list[str] = []


def _code_hash() -> str:
    """A hash of the DCAT mapping's source, so a new release rebuilds the exports."""
    if not _code_cache:
        digest = hashlib.sha256()
        for name in sorted(_DCAT_CODE.glob("*.py")) + [Path(__file__)]:
            digest.update(name.read_bytes())
        _code_cache.append(digest.hexdigest()[:12])
    return _code_cache[0]


# --- one writer per format: start(), graph(g) for each piece, end() ---------------------------------------------

def _namespaces() -> dict[str, str]:
    return {prefix: str(ns) for prefix, ns in new_graph().namespaces() if prefix and prefix != "xml"}


class _NTriples:
    def start(self) -> bytes:
        return b""

    def graph(self, g: Graph) -> bytes:
        return g.serialize(format="nt", encoding="utf-8").strip(b"\n") + b"\n"

    def end(self) -> bytes:
        return b""


class _Turtle(_NTriples):
    """Each piece's @prefix lines are written only when new (Turtle allows @prefix between statements)."""

    def __init__(self):
        self.declared: dict[bytes, bytes] = {}

    def graph(self, g: Graph) -> bytes:
        lines = g.serialize(format="turtle", encoding="utf-8").split(b"\n")
        head = []
        while lines and lines[0].startswith(b"@prefix "):
            line = lines.pop(0)
            name = line.split(b":", 1)[0]
            if self.declared.get(name) != line:
                self.declared[name] = line
                head.append(line + b"\n")
        body = b"\n".join(lines).strip(b"\n")
        return b"".join(head) + (b"\n" if head else b"") + body + b"\n\n"


_XML_HEAD = re.compile(rb'^<\?xml[^>]*\?>\s*<rdf:RDF((?:\s+xmlns:[\w.-]+="[^"]*")*)\s*>\n?')
_XMLNS = re.compile(rb'xmlns:([\w.-]+)="([^"]*)"')
_XML_TAIL = b"</rdf:RDF>"


class _RDFXML:
    """One rdf:RDF element declaring the profile's namespaces; each piece's rdf:Description elements inside it."""

    def __init__(self):
        self.namespaces = {p.encode(): ns.encode() for p, ns in _namespaces().items()}

    def start(self) -> bytes:
        decls = "".join(f'\n   xmlns:{p.decode()}="{ns.decode()}"' for p, ns in sorted(self.namespaces.items()))
        return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}\n>\n'.encode()

    def graph(self, g: Graph) -> bytes:
        data = g.serialize(format="xml", encoding="utf-8")
        head = _XML_HEAD.match(data)
        end = data.rstrip().rfind(_XML_TAIL)
        if head is None or end < 0:
            raise ValueError("unexpected RDF/XML from rdflib")
        body = data[head.end():end]
        decls = dict(_XMLNS.findall(head.group(1)))
        if any(self.namespaces.get(p) != ns for p, ns in decls.items()):
            # a namespace the root does not declare: declare this piece's namespaces on each of its elements
            extra = b"".join(b' xmlns:%s="%s"' % item for item in sorted(decls.items()))
            body = (b"\n" + body).replace(b"\n  <rdf:Description", b"\n  <rdf:Description" + extra)[1:]
        return body

    def end(self) -> bytes:
        return _XML_TAIL + b"\n"


class _JSONLD:
    """One @context (the profile's prefixes) and one @graph array, its nodes written piece by piece."""

    def __init__(self):
        self.context = _namespaces()
        self.first = True

    def start(self) -> bytes:
        context = json.dumps(self.context, indent=2, sort_keys=True).replace("\n", "\n  ")
        return f'{{\n  "@context": {context},\n  "@graph": ['.encode()

    def graph(self, g: Graph) -> bytes:
        doc = json.loads(g.serialize(format="json-ld", context=self.context, encoding="utf-8"))
        if isinstance(doc, dict) and set(doc) <= {"@context", "@graph"}:
            nodes = doc.get("@graph", [])
        else:
            nodes = doc if isinstance(doc, list) else [{k: v for k, v in doc.items() if k != "@context"}]
        out = []
        for node in nodes:
            text = json.dumps(node, indent=2, ensure_ascii=False).replace("\n", "\n    ")
            out.append(("\n    " if self.first else ",\n    ") + text)
            self.first = False
        return "".join(out).encode("utf-8")

    def end(self) -> bytes:
        return b"\n  ]\n}\n"


_WRITERS = {"ttl": _Turtle, "jsonld": _JSONLD, "rdf": _RDFXML, "nt": _NTriples}
assert set(_WRITERS) == set(FORMATS)
