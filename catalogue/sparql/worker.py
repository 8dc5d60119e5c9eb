"""A query worker: a process that runs SPARQL queries on a read-only snapshot, so a runaway query can be killed.

Run as `python -m catalogue.sparql.worker`. It reads one JSON request per line on stdin and answers each with a
JSON header line, then `length` bytes of body, on stdout. It imports only pyoxigraph, so it starts fast.

Request: {"snapshot": path, "query": text, "results": "json|xml|csv|tsv", "graph": "ttl|jsonld|nt|rdf",
          "max_rows": n, "prefixes": {...}, "default_graphs": [...], "named_graphs": [...]}
Answer:  {"ok": true, "kind": "select|ask|graph", "format": name, "rows": n, "length": n}
     or  {"ok": false, "code": "malformed-query|too-many-results|query-failed", "message": text, "length": 0}
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time

from pyoxigraph import (BlankNode, Literal, NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat,
                        Store, Triple, parse_query_results, serialize)

RESULTS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML, "csv": QueryResultsFormat.CSV,
           "tsv": QueryResultsFormat.TSV}
GRAPHS = {"ttl": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD, "nt": RdfFormat.N_TRIPLES, "rdf": RdfFormat.RDF_XML}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def term_json(node) -> dict:
    """A term in the SPARQL 1.1 Query Results JSON format."""
    if isinstance(node, NamedNode):
        return {"type": "uri", "value": node.value}
    if isinstance(node, BlankNode):
        return {"type": "bnode", "value": node.value}
    if isinstance(node, Literal):
        out = {"type": "literal", "value": node.value}
        if node.language:
            out["xml:lang"] = node.language
        elif node.datatype.value != XSD_STRING:
            out["datatype"] = node.datatype.value
        return out
    if isinstance(node, Triple):
        return {"type": "triple", "value": {"subject": term_json(node.subject),
                                            "predicate": term_json(node.predicate),
                                            "object": term_json(node.object)}}
    raise ValueError(f"not a term: {node!r}")


def _graphs(names) -> list[NamedNode] | None:
    if not names:
        return None
    try:
        return [NamedNode(n) for n in names]
    except ValueError as exc:
        raise Refused("malformed-query", f"A graph name is not an IRI: {exc}") from None


def run(store: Store, req: dict) -> tuple[dict, bytes]:
    """Run one query; the result capped at max_rows rows (or triples), serialised as asked."""
    options: dict = {"prefixes": req.get("prefixes") or None}
    default, named = _graphs(req.get("default_graphs")), _graphs(req.get("named_graphs"))
    if default is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = default
    if named is not None:
        options["named_graphs"] = named
    try:
        result = store.query(req["query"], **options)
    except SyntaxError as exc:
        raise Refused("malformed-query", f"The query is not valid SPARQL: {exc}") from None
    cap = int(req["max_rows"])
    if isinstance(result, QueryBoolean):
        fmt = req["results"]
        return {"kind": "ask", "format": fmt, "rows": 1}, result.serialize(format=RESULTS[fmt])
    if isinstance(result, QuerySolutions):
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == cap:
                raise Refused("too-many-results", f"The query returns more than {cap:,} rows. Add LIMIT (and OFFSET "
                                                  "to page through), or narrow the query.")
            rows.append({n: term_json(solution[n]) for n in names if solution[n] is not None})
        body = json.dumps({"head": {"vars": names}, "results": {"bindings": rows}}, ensure_ascii=False).encode()
        fmt = req["results"]
        if fmt != "json":
            body = parse_query_results(body, format=QueryResultsFormat.JSON).serialize(format=RESULTS[fmt])
        return {"kind": "select", "format": fmt, "rows": len(rows)}, body
    triples = []
    for triple in result:
        if len(triples) == cap:
            raise Refused("too-many-results", f"The query returns more than {cap:,} triples. Add LIMIT, or narrow "
                                              "the query.")
        triples.append(triple)
    fmt = req["graph"]
    prefixes = req.get("prefixes") if fmt in ("ttl", "rdf", "jsonld") else None
    body = serialize(triples, format=GRAPHS[fmt], prefixes=prefixes or None)
    return {"kind": "graph", "format": fmt, "rows": len(triples)}, body


def _exit_with_parent(parent: int) -> None:
    """Stop when the web process that started us has gone, even in the middle of a query."""
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main() -> None:
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    store, opened = None, None
    for line in stdin:
        body = b""
        try:
            req = json.loads(line)
            if req["snapshot"] != opened:
                store = None  # closes the older snapshot
                store, opened = Store.read_only(req["snapshot"]), req["snapshot"]
            header, body = run(store, req)
            header["ok"] = True
        except Refused as exc:
            header = {"ok": False, "code": exc.code, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - any evaluation error is this query's answer, not the worker's end
            header = {"ok": False, "code": "query-failed", "message": f"The query failed: {exc}"}
        header["length"] = len(body)
        stdout.write(json.dumps(header).encode() + b"\n" + body)
        stdout.flush()


if __name__ == "__main__":
    main()
