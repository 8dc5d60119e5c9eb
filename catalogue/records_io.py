"""Read records from JSON or JSON Lines files. Unreadable input raises InputError with file and position."""
from __future__ import annotations

import json
from pathlib import Path


class InputError(Exception):
    """A file that cannot be read as records; the message names the file and the position."""


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _raise(f"{name}: not UTF-8 text (bad byte 0x{data[exc.start]:02x} at byte {exc.start})")


def _raise(msg: str):
    raise InputError(msg)


def parse_records(data: bytes, name: str, jsonl: bool | None = None) -> list:
    """Parse bytes as one record, a list of records, or JSON Lines. Returns a list of parsed values."""
    text = decode(data, name)
    if jsonl is None:
        jsonl = name.endswith((".jsonl", ".ndjson"))
    if jsonl:
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                _raise(f"{name}: invalid JSON at line {n}, column {exc.colno}: {exc.msg}")
            except RecursionError:
                _raise(f"{name}: line {n} is nested too deeply to read")
        return out
    if not text.strip():
        _raise(f"{name}: the file is empty")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        _raise(f"{name}: invalid JSON at {_position(text, exc.pos)}: {exc.msg}")
    except RecursionError:
        _raise(f"{name}: the JSON is nested too deeply to read")
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    kind = {str: "a string", int: "a number", float: "a number", bool: "true/false", type(None): "null"}
    _raise(f"{name}: expected a JSON object or a list of objects at the top level, found {kind[type(value)]}")


def read_records(path: str | Path) -> list:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        _raise(f"{path}: cannot read the file ({exc.strerror})")
    return parse_records(data, str(path))
