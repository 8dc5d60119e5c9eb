"""A DCAT feed page read once into plain dicts, each dataset's payload cut out of it, and the payload's graph.

Turtle and N-Triples pages are read with pyoxigraph (Rust) into rdflib terms, each distinct term made once; anything
it refuses or might read differently (another format, an explicit xsd:string, which it cannot tell from a plain
literal) goes through rdflib (catalogue.formats.rdf_io.parse_rdf), whose errors we report. Either way the triples go
into subject -> predicate -> objects dicts in the order read, which is the order an rdflib graph of the page gives
them in: the same answers, without the graph's store.

A dataset's payload is the part of the page reachable from it (not into other datasets or catalogues), its blank
nodes labelled by a hash of what hangs below them, as sorted N-Triples: the same description always gives the same
text. The rows are rdflib's N-Triples rows, byte for byte. tests/harvesters/test_dcat_page.py compares all of it with
the rdflib graph road (tests/support/dcat_before.py).
"""
from __future__ import annotations

import gc
import hashlib
import re
from contextlib import contextmanager

from pyoxigraph import BlankNode, NamedNode, RdfFormat
from pyoxigraph import parse as oxparse
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.exceptions import UniquenessError
from rdflib.namespace import DCTERMS
from rdflib.plugins.serializers.nt import _quoteLiteral

from catalogue.collector import collector_paused
from catalogue.formats.dcat import DCAT
from catalogue.formats.dcat.read import TERMS
from catalogue.formats.rdf_io import guess_format, parse_rdf

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TYPED_STRING = re.compile(rb"\^\^\s*\S*string")  # "..."^^xsd:string, or anything that may be one
_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines() breaks a line, but for \n
# Terms asked for on every subject or triple, made once (a namespace makes a new term on every attribute access)
_TYPE, _DATASET, _CATALOG = RDF.type, DCAT.Dataset, DCAT.Catalog
_TYPE_IRI = str(_TYPE)  # compared with str.__eq__: a predicate is an IRI, and rdflib's own == is Python code
_IN_CATALOG, _PUBLISHER = DCAT.dataset, DCTERMS.publisher
_NEXT = (HYDRA.next, HYDRA.nextPage)


class Page:
    """A page's triples as subject -> predicate -> [objects], with what the harvester asks of the whole page (its
    datasets, catalogues, which catalogues list each dataset, hydra:next links) found in one pass. Terms are plain
    URIRef, BNode and Literal (not subclasses), so a type check is a comparison, and equal terms are one object."""

    def __init__(self, spo: dict):
        self.spo = spo
        self.datasets: list = []
        self.next_links: list = []
        self.listed_by: dict = {}  # dataset -> the subjects that list it with dcat:dataset, in order
        catalogues = []
        for s, ps in spo.items():
            types = ps.get(_TYPE)
            if types:
                if _DATASET in types:
                    self.datasets.append(s)
                if _CATALOG in types:
                    catalogues.append(s)
            listed = ps.get(_IN_CATALOG)
            if listed:
                for ds in listed:
                    self.listed_by.setdefault(ds, []).append(s)
            for p in _NEXT:
                self.next_links += ps.get(p, ())
        self.stop = set(self.datasets) | set(catalogues)  # where a dataset's payload ends
        self.own = {ds: ds for ds in (*self.datasets, *self.listed_by)}  # a term from outside -> the page's own
        self.n3: dict = {}  # IRI -> its n3(), what blank node labels hash, and how rdflib's N-Triples writer writes it
        self.literals: dict = {}  # id(literal) -> (literal, as N-Triples writes it, its n3()): rdflib's hash of a
        # literal is Python code, and the page holds each literal as one object

    def value(self, s, p):
        """The first object of (s, p), as rdflib's Graph.value gives it; None if there is none."""
        for o in self.spo.get(s, {}).get(p, ()):
            return o
        return None


def read_page(data: bytes, location: str, content_type: str | None = None) -> Page:
    """A feed page. Raises RDFError (from parse_rdf) for what neither reader takes."""
    fmt = guess_format(location, content_type, data)
    with collector_paused():
        if fmt in ("turtle", "nt") and not _TYPED_STRING.search(data):
            try:
                return Page(_oxigraph_spo(data, RdfFormat.TURTLE if fmt == "turtle" else RdfFormat.N_TRIPLES,
                                          location if re.match(r"^https?://", location, re.I) else None))
            except (SyntaxError, ValueError):
                pass
        return page_of_graph(parse_rdf(data, source=location, content_type=content_type))


@contextmanager
def frozen():
    """What is on the heap now (a page read) moved out of the cycle collector's way while the page's datasets are
    cut, mapped and stored, so its full collections do not scan the page again and again; moved back after. Left
    alone if something else has frozen objects (it could not be undone for only our part)."""
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    try:
        yield
    finally:
        if ours:
            gc.unfreeze()


def by_subject(triples) -> dict:
    """subject -> predicate -> objects, in the order the triples come (a repeated triple is kept: it is dropped
    where a payload is cut, as a graph drops it)."""
    spo: dict = {}
    for s, p, o in triples:
        ps = spo.get(s)
        if ps is None:
            spo[s] = {p: [o]}
        else:
            objects = ps.get(p)
            if objects is None:
                ps[p] = [o]
            else:
                objects.append(o)
    return spo


def page_of_graph(graph: Graph) -> Page:
    same: dict = {}  # term -> the first equal one: equal terms are one object on a page
    return Page(by_subject(
        tuple(same.setdefault(t, t) if type(t) in _PLAIN else same.setdefault(t, _plain(t)) for t in triple)
        for triple in graph))


_PLAIN = (URIRef, BNode, Literal)


def _plain(term):
    """A subclass's term (an rdflib namespace's, say) as the plain URIRef, BNode or Literal it equals."""
    if isinstance(term, Literal):
        return Literal(str(term), lang=term.language, datatype=term.datatype)
    return BNode(str(term)) if isinstance(term, BNode) else URIRef(str(term))


def _oxigraph_spo(data: bytes, fmt, base: str | None) -> dict:
    terms: dict = {}  # pyoxigraph term -> its rdflib term, made once
    literals: dict = {}  # rdflib literal -> the first equal one ("01"^^xsd:integer is "1"^^xsd:integer to rdflib)

    def convert(t):
        if isinstance(t, NamedNode):
            made = URIRef(t.value)
        elif isinstance(t, BlankNode):
            made = BNode(t.value)  # unique on the page, and quicker than a new random label
        elif t.language:
            made = Literal(t.value, lang=t.language)
        else:
            datatype = t.datatype.value
            made = Literal(t.value) if datatype == _XSD_STRING else Literal(t.value, datatype=URIRef(datatype))
        if type(made) is Literal:
            made = literals.setdefault(made, made)
        terms[t] = made
        return made

    get = terms.get

    def rdflib_triples():
        for s, p, o, _graph in oxparse(data, fmt, base_iri=base):
            rs, rp, ro = get(s), get(p), get(o)  # `is None`, not `or`: a literal can be false ("0"^^xsd:integer)
            yield (convert(s) if rs is None else rs, convert(p) if rp is None else rp,
                   convert(o) if ro is None else ro)

    return by_subject(rdflib_triples())


def cut(page: Page, ds, stop: set | None = None) -> tuple[str, list | None]:
    """(canonical N-Triples, its triples in line order: the graph that text parses to, or None if a literal holds a
    line break N-Triples cannot carry). stop: where the payload ends, by default the page's datasets and catalogues."""
    spo, stop, ds = page.spo, page.stop if stop is None else stop, page.own.get(ds, ds)
    sub: dict = {}  # (s, p, id(o)) -> o: the triples, each once, in the order found (equal terms are one object)
    _closure(spo, ds, sub, stop)  # the dataset itself is where the walk starts: never stopped at
    for cat in page.listed_by.get(ds, ()):  # the catalogue's publisher is the fallback publisher
        sub[(cat, _IN_CATALOG, id(ds))] = ds
        for pub in spo[cat].get(_PUBLISHER, ()):
            sub[(cat, _PUBLISHER, id(pub))] = pub
            _closure(spo, pub, sub, stop)
    triples = [(s, p, o) for (s, p, _id), o in sub.items()]
    labels = _bnode_labels(page, triples)
    n3, literals, rows = page.n3, page.literals, {}
    for s, p, o in triples:
        if type(s) is BNode:
            s = labels[s]
            s_text = "_:" + s
        else:
            s_text = n3.get(s) or _n3(n3, s)
        if type(o) is BNode:
            o = labels[o]
            o_text = "_:" + o
        elif type(o) is Literal:
            found = literals.get(id(o))
            o_text = (found if found is not None and found[0] is o else _literal(page, o))[1]
        else:
            o_text = n3.get(o) or _n3(n3, o)
        rows[s_text + " " + (n3.get(p) or _n3(n3, p)) + " " + o_text + " ."] = (s, p, o)
    text = "\n".join(rows)
    if any(c in text for c in _LINE_BREAKS) or text.count("\n") != len(rows) - 1:  # a row that is not one line
        lines = sorted(line for line in text.splitlines() if line.strip())
        return "\n".join(lines) + "\n", None
    lines = sorted(rows)
    return "\n".join(lines) + "\n", [rows[line] for line in lines]


def _n3(cache: dict, term) -> str:
    text = cache[term] = term.n3()
    return text


def _literal(page: Page, lit: Literal) -> tuple:
    """(the literal, as rdflib's N-Triples writer writes it (more simply quoted than by n3()), its n3())."""
    found = page.literals.get(id(lit))
    if found is None or found[0] is not lit:  # (a literal from outside the page)
        found = page.literals[id(lit)] = (lit, _quoteLiteral(lit), lit.n3())
    return found


def _closure(spo: dict, start, sub: dict, stop: set) -> None:
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, objects in spo.get(node, {}).items():
            follow = not str.__eq__(p, _TYPE_IRI)
            for o in objects:
                sub[(node, p, id(o))] = o
                if follow and type(o) is not Literal and o not in seen and o not in stop:
                    stack.append(o)


def _bnode_labels(page: Page, triples: list) -> dict:
    """Blank nodes labelled by a hash of what hangs below them, so the same description gets the same labels.

    (rdflib's full canonicalisation is far too slow for datasets with hundreds of variables.) Nodes with
    identical content get the same label, which merges exact repeats only. Iterative: lists may be long."""
    below: dict = {}  # blank node -> its (predicate, object) pairs
    nodes: dict = {}  # every blank node, also one that holds nothing (a bare [] object), which would otherwise keep
    for s, p, o in triples:  # a random label
        if type(s) is BNode:
            found = below.get(s)
            if found is None:
                below[s] = [(p, o)]
            else:
                found.append((p, o))
            nodes[s] = None
        if type(o) is BNode:
            nodes[o] = None
    memo: dict = {}
    n3, literals = page.n3, page.literals
    for start in nodes:
        if start in memo:  # labelled on the way down from another node
            continue
        stack, on_path = [(start, False)], set()
        while stack:
            node, children_done = stack.pop()
            if children_done:
                parts = []
                for p, o in below.get(node, ()):
                    if type(o) is BNode:
                        o_text = "_:" + memo[o] if o in memo else "_:cycle"
                    elif type(o) is Literal:
                        found = literals.get(id(o))
                        o_text = (found if found is not None and found[0] is o else _literal(page, o))[2]
                    else:
                        o_text = n3.get(o) or _n3(n3, o)
                    parts.append((n3.get(p) or _n3(n3, p)) + " " + o_text)
                parts.sort()
                memo[node] = BNode("b" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:24])
                on_path.discard(node)
                continue
            if node in memo or node in on_path:
                continue
            on_path.add(node)
            stack.append((node, True))
            stack.extend((o, False) for _p, o in below.get(node, ()) if type(o) is BNode and o not in memo)
    return memo


class PayloadGraph:
    """One payload's graph for the mapping (catalogue.formats.dcat.read), which asks it objects(s, p), value(s, p),
    subjects(p, o), predicates(s) and its namespace_manager: answered from dicts of the triples in the order given,
    which is the order an rdflib graph parsed from the payload's text gives them in."""

    def __init__(self, triples: list):
        named: dict = {}  # predicate -> the mapping's own object for it, where it has one (TERMS)

        def own(p):
            q = named.get(p)
            if q is None:
                q = named[p] = TERMS.get(str(p), p)
            return q

        self._spo = by_subject((s, own(p), o) for s, p, o in triples)  # the rows are distinct: nothing to drop
        self._namespaces = None

    @property
    def namespace_manager(self):
        """A fresh graph's, as the parsed payload's graph had (made only when asked: it is rarely needed)."""
        if self._namespaces is None:
            self._namespaces = Graph(store="SimpleMemory").namespace_manager
        return self._namespaces

    def triples(self, pattern):
        s, p, o = pattern
        for subject, ps in ((s, self._spo.get(s, {})),) if s is not None else self._spo.items():
            for predicate, objects in ((p, ps.get(p, ())),) if p is not None else ps.items():
                if o is None:
                    for obj in objects:
                        yield subject, predicate, obj
                elif o in objects:
                    yield subject, predicate, o

    def objects(self, subject=None, predicate=None, unique=False):
        if subject is not None and predicate is not None:
            return iter(self._spo.get(subject, {}).get(predicate, ()))
        found = (o for _s, _p, o in self.triples((subject, predicate, None)))
        return iter(dict.fromkeys(found)) if unique else found

    def subjects(self, predicate=None, object=None, unique=False):  # noqa: A002 - rdflib's names
        found = (s for s, _p, _o in self.triples((None, predicate, object)))
        return iter(dict.fromkeys(found)) if unique else found

    def predicates(self, subject=None, object=None, unique=False):  # noqa: A002
        found = (p for _s, p, _o in self.triples((subject, None, object)))
        return iter(dict.fromkeys(found)) if unique else found

    def value(self, subject=None, predicate=RDF.value, object=None, default=None, any=True):  # noqa: A002
        if (subject is None) + (predicate is None) + (object is None) != 1:
            return None
        if object is None:
            values = self.objects(subject, predicate)
        elif subject is None:
            values = self.subjects(predicate, object)
        else:
            values = self.predicates(subject, object)
        first = next(values, None)
        if first is None:
            return default
        if any is False and next(values, None) is not None:
            raise UniquenessError([subject, predicate, object])
        return first
