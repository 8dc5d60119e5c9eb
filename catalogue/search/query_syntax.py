"""The search box syntax, read into a small tree that any engine adapter can turn into its own query (pure).

It reads what Whoosh's default parser reads, leniently: words, "phrases", field:word, field:"phrase",
field:(group), AND, OR, NOT, ANDNOT, ANDMAYBE, REQUIRE, (groups) and word^boost. AND binds tighter than OR,
and OR tighter than the implicit AND between words. Unbalanced quotes or brackets and dangling operators
are read as well as they can be; nothing here raises.

Nodes are tuples: ("word", field, text, boost), ("phrase", field, text, boost), ("and", [nodes]),
("or", [nodes]), ("not", node), ("maybe", required, optional). field is None for the default fields.
"""
from __future__ import annotations

import re

OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"}
MAX_DEPTH = 20  # brackets inside brackets; deeper ones are ignored
_TOKENS = re.compile(r'"[^"]*"|[()]|[^\s()"]+|"')
_BOOST = re.compile(r"^(.+?)\^(\d+(?:\.\d+)?)?$")


def parse(text: str, fields: set[str]) -> tuple:
    """(the query tree for `text` or None when it holds nothing to search for, whether syntax had to be skipped or
    repaired: an unclosed quote or bracket, an operator with nothing on one side)."""
    parser = _Parser(_TOKENS.findall(text), fields)
    return parser.top(), parser.repaired


class _Parser:
    def __init__(self, tokens: list[str], fields: set[str]):
        self.tokens, self.fields, self.i = tokens, fields, 0
        self.repaired, self.depth = False, 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        self.i += 1
        return self.tokens[self.i - 1]

    def top(self):
        nodes = []
        while self.peek() is not None:
            if self.peek() == ")":  # a stray closing bracket
                self.take()
                self.repaired = True
                continue
            nodes.append(self.or_expr())
        return join("and", nodes)

    def group(self):
        nodes = []
        while self.peek() not in (None, ")"):
            nodes.append(self.or_expr())
        if self.peek() == ")":
            self.take()
        else:
            self.repaired = True
        return join("and", nodes)

    def or_expr(self):
        nodes = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            nodes.append(self.and_expr())
        self.repaired |= len(nodes) > 1 and None in nodes
        return join("or", nodes)

    def and_expr(self):
        node = self.unary()
        while self.peek() in ("AND", "ANDNOT", "ANDMAYBE", "REQUIRE"):
            op, right = self.take(), self.unary()
            if right is None or node is None:
                node, self.repaired = node or right, True
            elif op == "ANDNOT":
                node = ("and", [node, ("not", right)])
            elif op == "ANDMAYBE":
                node = ("maybe", node, right)
            else:
                node = ("and", [node, right])
        return node

    def unary(self):
        token = self.peek()
        if token is None or token == ")":
            return None
        if token == "NOT":
            self.take()
            if self.depth >= MAX_DEPTH:  # NOT NOT NOT ...: as deep as brackets may go
                self.repaired = True
                return None
            self.depth += 1
            inner = self.unary()
            self.depth -= 1
            self.repaired |= inner is None
            return ("not", inner) if inner is not None else None
        if token in OPERATORS:  # an operator with nothing on its left: skip it
            self.take()
            self.repaired = True
            return None
        return self.atom(self.take(), None)

    def atom(self, token: str, field: str | None):
        if token == "(":
            if self.depth >= MAX_DEPTH:
                self.repaired = True
                return None
            self.depth += 1
            node = _with_field(self.group(), field)
            self.depth -= 1
            return node
        if token == '"':  # an unclosed quote: the words after it are plain words
            self.repaired = True
            return None
        if token.startswith('"'):
            return ("phrase", field, token[1:-1], 1.0)
        name, colon, rest = token.partition(":")
        if colon and field is None and name in self.fields:
            if rest:
                return self.atom(rest, name)
            following = self.peek()
            if following == "(" or (following or "").startswith('"') and following != '"':
                return self.atom(self.take(), name)
            return ("word", None, name, 1.0)
        boost = 1.0
        match = _BOOST.match(token)
        if match:
            token, boost = match.group(1), float(match.group(2) or 1.0)
        return ("word", field, token, boost)


def join(kind: str, nodes: list):
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else (kind, nodes)


def _with_field(node, field: str | None):
    """Apply field:(group) to the words and phrases inside the group."""
    if node is None or field is None:
        return node
    kind = node[0]
    if kind in ("word", "phrase"):
        return (kind, node[1] or field, node[2], node[3])
    if kind == "not":
        return ("not", _with_field(node[1], field))
    if kind == "maybe":
        return ("maybe", _with_field(node[1], field), _with_field(node[2], field))
    return (kind, [_with_field(n, field) for n in node[1]])


def words(node) -> list[tuple[str | None, str]]:
    """(field, text) of every word and phrase the query asks for (not the ones it excludes), for highlighting."""
    if node is None:
        return []
    kind = node[0]
    if kind in ("word", "phrase"):
        return [(node[1], node[2])]
    if kind == "not":
        return []
    if kind == "maybe":
        return words(node[1]) + words(node[2])
    return [w for n in node[1] for w in words(n)]
