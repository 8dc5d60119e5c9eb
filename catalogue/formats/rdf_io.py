"""Parse and serialise RDF in one place. Every parse failure becomes RDFError, naming the source and the position."""
from __future__ import annotations

from catalogue.errors import CatalogueError

import json
import re
import xml.sax
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import defusedxml.sax
from defusedxml import DefusedXmlException
from rdflib import RDF, Graph, Literal
from rdflib.plugins.parsers.jsonld import to_rdf
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.parsers.ntriples import W3CNTriplesParser

FORMATS = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json"),
           "rdf": ("xml", "application/rdf+xml"), "nt": ("nt", "application/n-triples")}
NAMES = {"turtle": "Turtle", "json-ld": "JSON-LD", "xml": "RDF/XML", "nt": "N-Triples"}
_BY_MIMETYPE = {mime: name for name, mime in FORMATS.values()} | {
    "application/x-turtle": "turtle", "application/json": "json-ld", "application/xml": "xml", "text/xml": "xml"}
_BY_EXTENSION = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml",
                 ".owl": "xml", ".nt": "nt"}


class RDFError(CatalogueError):
    """RDF that cannot be read; the message names the source and, where known, the line and column."""

    code = "invalid-rdf"


def serialize(graph: Graph, fmt: str) -> tuple[bytes, str]:
    """Serialise graph as one of FORMATS ('ttl', 'jsonld', 'rdf', 'nt'); returns (bytes, mimetype)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}; use one of {', '.join(FORMATS)}")
    name, mimetype = FORMATS[fmt]
    extra = {"context": _context(graph)} if name == "json-ld" else {}
    return graph.serialize(format=name, encoding="utf-8", **extra), mimetype


def _context(graph: Graph) -> dict[str, str]:
    """JSON-LD context: the graph's prefixes that its properties, classes and datatypes use."""
    used = {str(p) for p in graph.predicates()} | {str(c) for c in graph.objects(None, RDF.type)}
    used |= {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    return {prefix: str(ns) for prefix, ns in graph.namespaces()
            if prefix and any(iri.startswith(str(ns)) for iri in used)}


def guess_format(source: str = "", content_type: str | None = None, data: bytes = b"") -> str:
    """rdflib format name from the content type, else the source's extension, else the first bytes."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _BY_MIMETYPE:
        return _BY_MIMETYPE[mime]
    path = urlsplit(source).path if re.match(r"^[a-z]+://", source, re.I) else source
    ext = PurePosixPath(path.replace("\\", "/")).suffix.lower()
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext]
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "json-ld"
    if head.startswith(b"<") and not head.startswith(b"<http") and not head.startswith(b"<urn:"):
        return "xml"
    return "turtle"  # Turtle also reads N-Triples


def parse_rdf(data: bytes, fmt: str | None = None, source: str = "<input>",
              content_type: str | None = None) -> Graph:
    """Parse RDF bytes. fmt is a FORMATS key or an rdflib name; by default it is guessed. Raises RDFError."""
    if fmt is None:
        name = guess_format(source, content_type, data)
    else:
        name = FORMATS[fmt][0] if fmt in FORMATS else fmt
        if name not in NAMES:
            raise RDFError(f"{source}: unknown RDF format {fmt!r}")
    graph = Graph()
    try:
        if name == "json-ld":
            _parse_jsonld(graph, data, source)
        else:
            if name == "xml":
                _refuse_dtd(data, source)
            graph.parse(data=data, format=name, publicID=_base(source))
    except RDFError:
        raise
    except BadSyntax as exc:
        raise RDFError(f"{source}: invalid {NAMES[name]} {_turtle_position(exc)}") from exc
    except xml.sax.SAXParseException as exc:
        raise RDFError(f"{source}: invalid {NAMES[name]} at line {exc.getLineNumber()}, "
                       f"column {exc.getColumnNumber() + 1}: {exc.getMessage()}") from exc
    except UnicodeDecodeError as exc:
        raise RDFError(f"{source}: not UTF-8 text (bad byte at byte {exc.start})") from exc
    except Exception as exc:  # rdflib raises many kinds; all of them mean "cannot read this"
        message, at = str(exc), ""
        located = re.match(r"^\S*:(\d+):(\d+): (.*)$", message, re.S)  # rdflib's RDF/XML errors
        if located:
            at, message = f" at line {located[1]}, column {located[2]}", located[3]
        elif name == "nt" and (line := _nt_line(data)):
            at = f" at line {line}"
        raise RDFError(f"{source}: cannot read as {NAMES[name]}{at}: {message}") from exc
    return graph


def _turtle_position(exc: BadSyntax) -> str:
    """'at line L, column C: why' from rdflib's Turtle error (the document text and the offset it failed at)."""
    text, offset, why = getattr(exc, "_str", b""), getattr(exc, "_i", None), getattr(exc, "_why", str(exc))
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if offset is None:
        return f"at line {exc.lines + 1}: {why}"
    return f"at line {exc.lines + 1}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}: {why}"


def _base(source: str) -> str | None:
    return source if re.match(r"^https?://", source, re.I) else None


def _refuse_dtd(data: bytes, source: str) -> None:
    """Refuse any DOCTYPE (so no entity expansion or external entities) and report malformed XML with its position."""
    try:
        defusedxml.sax.parseString(data, xml.sax.ContentHandler(), forbid_dtd=True)
    except DefusedXmlException:
        raise RDFError(f"{source}: RDF/XML with a DOCTYPE or ENTITY declaration is refused "
                       "(entity expansion and external entities are not allowed)") from None


def _parse_jsonld(graph: Graph, data: bytes, source: str) -> None:
    try:
        text = data.decode("utf-8-sig")
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RDFError(f"{source}: invalid JSON-LD at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if not isinstance(doc, (dict, list)):
        raise RDFError(f"{source}: JSON-LD must be an object or a list of objects, not {type(doc).__name__}")
    if _remote_context(doc):
        raise RDFError(f"{source}: JSON-LD that refers to a remote @context is refused (it is not fetched); "
                       "inline the context instead")
    # rdflib's Graph.parse for JSON-LD goes through the deprecated ConjunctiveGraph; to_rdf into a Graph does not.
    to_rdf(doc, graph, base=_base(source))


def _remote_context(node) -> bool:
    """True if any @context in the document is (or imports) a URL, which the parser would fetch."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack += item
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    contexts = value if isinstance(value, list) else [value]
                    if any(isinstance(c, str) or (isinstance(c, dict) and "@import" in c) for c in contexts):
                        return True
                stack.append(value)
    return False


class _Discard:
    def triple(self, s, p, o) -> None:
        pass


def _nt_line(data: bytes) -> int | None:
    """The first N-Triples line that does not parse on its own."""
    parser = W3CNTriplesParser(sink=_Discard())  # type: ignore[arg-type]
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        try:
            parser.parsestring(line)
        except Exception:
            return number
    return None
