"""Read records from JSON or JSON Lines files. Unreadable input raises InputError with file and position.

Parsing is strict: NaN, Infinity, numbers too large to use and nesting deeper than MAX_DEPTH are refused
here, so request bodies, uploads and CLI files all get the same plain message.
"""
from __future__ import annotations

from catalogue.errors import CatalogueError

import json
import math
import os
import re
from pathlib import Path

MAX_DEPTH = 32  # far deeper than any valid record; stops hostile nesting early
MAX_DIGITS = 300  # Python refuses to read integers of more than 4,300 digits; no real value needs 300
# a JSON string, or a token we refuse; used only to find where the refused token is
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|(?P<bad>-?(?:NaN|Infinity)|-?\d[\d.eE+-]*)')


class InputError(CatalogueError):
    """A file that cannot be read as records; the message names the file and the position."""

    code = "invalid-input"


class _Refused(ValueError):
    def __init__(self, token: str, why: str):
        super().__init__(why)
        self.token, self.why = token, why


def _position(text: str, pos: int, first_line: int = 1) -> str:
    line = text.count("\n", 0, pos) + first_line
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _raise(f"{name}: not UTF-8 text (bad byte 0x{data[exc.start]:02x} at byte {exc.start})")


def _raise(msg: str):
    raise InputError(msg)


def _constant(token: str):
    raise _Refused(token, f"{token} is not valid JSON; numbers must be finite")


def _int(token: str) -> int:
    digits = len(token.lstrip("-"))
    if digits > MAX_DIGITS:
        raise _Refused(token, f"a number with {digits:,} digits is too large (at most {MAX_DIGITS})")
    return int(token)


def _float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _Refused(token, f"the number {token[:40]} is too large to use")
    return value


def _where(text: str, token: str) -> int:
    """Offset of the first refused token outside strings (the parser stopped at the first one)."""
    for found in _TOKENS.finditer(text):
        if found.group("bad") == token:
            return found.start()
    return 0


def _depth(value) -> int:
    """Depth of nested lists/objects, without recursion; stops counting past MAX_DEPTH."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def loads(text: str, name: str, first_line: int = 1):
    """Strict json.loads; messages start with `name` and give the line and column."""
    try:
        return json.loads(text, parse_constant=_constant, parse_int=_int, parse_float=_float)
    except json.JSONDecodeError as exc:
        return _raise(f"{name}: invalid JSON at {_position(text, exc.pos, first_line)}: {exc.msg}")
    except _Refused as exc:
        return _raise(f"{name}: {exc.why}, at {_position(text, _where(text, exc.token), first_line)}")
    except RecursionError:
        where = f" (line {first_line})" if first_line > 1 else ""
        return _raise(f"{name}: the JSON is nested too deeply to read{where}; at most {MAX_DEPTH} levels")
    except ValueError as exc:  # any other conversion limit: still the input's fault
        return _raise(f"{name}: cannot read the JSON ({exc})")


def _check_depth(values: list, name: str, lines: list[int] | None = None) -> list:
    for i, value in enumerate(values):
        if _depth(value) > MAX_DEPTH:
            where = f"line {lines[i]}" if lines else f"record {i + 1}"
            _raise(f"{name}: {where} is nested more than {MAX_DEPTH} levels deep")
    return values


def _lines(text: str):
    """JSON Lines records split on newlines only; U+2028 and friends may appear inside strings."""
    for n, line in enumerate(text.split("\n"), 1):
        yield n, line.removesuffix("\r")


def parse_records(data: bytes, name: str, jsonl: bool | None = None) -> list:
    """Parse bytes as one record, a list of records, or JSON Lines. Returns a list of parsed values."""
    text = decode(data, name)
    if jsonl is None:
        jsonl = name.endswith((".jsonl", ".ndjson"))
    if jsonl:
        numbered = [(n, line) for n, line in _lines(text) if line.strip()]
        values = [loads(line, name, n) for n, line in numbered]
        return _check_depth(values, name, [n for n, _ in numbered])
    if not text.strip():
        _raise(f"{name}: the file is empty")
    value = loads(text, name)
    if isinstance(value, dict):
        return _check_depth([value], name)
    if isinstance(value, list):
        return _check_depth(value, name)
    kind = {str: "a string", int: "a number", float: "a number", bool: "true/false", type(None): "null"}
    _raise(f"{name}: expected a JSON object or a list of objects at the top level, found {kind[type(value)]}")


def read_records(path: str | Path) -> list:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        _raise(f"{path}: cannot read the file ({exc.strerror})")
    return parse_records(data, str(path))


def create_private(path: Path) -> int | None:
    """Create a file owner-only (0600) from the start, so no moment exists when others can read it; return its
    descriptor to write to and close. A file that exists already is tightened to 0600 and None is returned."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            try:
                path.chmod(0o600)  # tighten a file made by an older version
            except OSError:
                pass  # not ours to change (e.g. owned by another account)
        return None
