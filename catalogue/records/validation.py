"""Validate a record against the requirements schema. Bad data gives a report, never an exception.

Every problem has a JSON path, a stable machine-readable `code`, a plain-English message and a severity.
Schema problems take the JSON Schema keyword that failed as their code (`required`, `type`, `enum`, `pattern`,
`format`, ...); the checks the schema cannot express have the codes below."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from catalogue.records.schema import dataset_schema
from catalogue.records.values import filled

ERROR, WARNING = "error", "warning"
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_NUMBER = 10 ** 300  # beyond this a number cannot even be turned into a float
TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
              "array": "a list", "object": "an object", "null": "null"}


# Codes of the checks that are not JSON Schema keywords (those keep the keyword as their code).
UNSTORABLE_TEXT = "unstorable-text"  # a lone surrogate or NUL: no store or page can hold it
NON_FINITE_NUMBER = "non-finite-number"  # NaN or Infinity
NUMBER_TOO_LARGE = "number-too-large"  # more than 300 digits
UNSTORABLE_CODES = (UNSTORABLE_TEXT, NON_FINITE_NUMBER, NUMBER_TOO_LARGE)  # never stored, even flagged
END_BEFORE_START = "end-before-start"  # coverage ends before it starts
DUPLICATE_VARIABLE = "duplicate-variable"  # two variables with one name
LEAD_TIME_MIN_ABOVE_MAX = "lead-time-min-above-max"  # access.leadTimeWeeks: min is more than max
RECOMMENDED_MISSING = "recommended-missing"  # a recommended field is empty (a warning)
NOT_AN_OBJECT = "type"  # the record itself is not a JSON object: a JSON Schema type error at $


@dataclass(slots=True)
class Problem:
    """One problem with one record: where, what (a stable code for programs), why (for people) and how bad."""
    path: str
    code: str
    message: str
    severity: str = ERROR

    def to_dict(self) -> dict:
        return {"path": self.path, "code": self.code, "message": self.message, "severity": self.severity}

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        """Read a stored problem back; reports stored before codes existed have none (code "")."""
        return cls(str(data.get("path", "$")), str(data.get("code") or ""), str(data.get("message", "")),
                   str(data.get("severity") or ERROR))


@dataclass
class Report:
    issues: list[Problem] = field(default_factory=list)
    # values of the wrong type, as misshapen() finds them: set by validate(), None on a report read back
    misshapen: list[Problem] | None = field(default=None, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return not any(i.severity == ERROR for i in self.issues)

    @property
    def errors(self) -> list[Problem]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [i for i in self.issues if i.severity == WARNING]

    def to_dict(self) -> dict:
        return {"valid": self.valid, "error_count": len(self.errors), "warning_count": len(self.warnings),
                "issues": [i.to_dict() for i in self.issues]}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Report | None":
        """A report as the store keeps it (to_dict()), or None if there is none. Tolerates reports stored before
        problems had codes."""
        if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
            return None
        return cls([Problem.from_dict(i) for i in data["issues"] if isinstance(i, dict)])


def with_codes(data):
    """A report as stored, with `code` on every problem: "" on those stored before problems had codes, so readers
    and JSON clients see one shape. Returned unchanged (not copied) when nothing is missing."""
    issues = data.get("issues") if isinstance(data, dict) else None
    if not isinstance(issues, list) or all(isinstance(i, dict) and "code" in i for i in issues):
        return data
    return {**data, "issues": [{"path": i.get("path", "$"), "code": "", **i} if isinstance(i, dict) else i
                               for i in issues]}


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(dataset_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=1)
def _fast_validator() -> jsonschema_rs.Draft202012Validator:
    """jsonschema-rs on the same schema, asked only "valid or not?". Its formats and patterns call back into the
    checks the full validator makes (jsonschema's format checker, re.search), so Rust's regex and format rules,
    which differ at the edges (Python's \\s takes U+001C, its $ a final newline), cannot make it more lenient."""
    formats: dict = {}
    return jsonschema_rs.Draft202012Validator(_python_checks(dataset_schema(), formats), formats=formats,
                                              validate_formats=True)


def _python_checks(node, formats: dict):
    """A copy of a schema node with every `format` and `pattern` turned into a custom format (in allOf) that runs
    the Python check. Schema-aware: property names such as "format" are left alone."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "$defs", "patternProperties"):
            out[key] = {name: _python_checks(sub, formats) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "contains", "if", "then", "else"):
            out[key] = _python_checks(value, formats)
        elif key in ("anyOf", "allOf", "oneOf", "prefixItems"):
            out[key] = [_python_checks(sub, formats) for sub in value]
        elif key not in ("format", "pattern"):
            out[key] = value
    checks = []
    if isinstance(node.get("format"), str):
        name = f"python-format-{node['format']}"
        formats[name] = lambda value, fmt=node["format"]: Draft202012Validator.FORMAT_CHECKER.conforms(value, fmt)
        checks.append({"format": name})
    if isinstance(node.get("pattern"), str):
        name = f"python-pattern-{len(formats)}"
        formats[name] = lambda value, pattern=node["pattern"]: re.search(pattern, value) is not None
        checks.append({"format": name})
    if checks:
        out["allOf"] = out.get("allOf", []) + checks
    return out


def _plain(record: dict) -> bool:
    """True when every value is of an exact JSON type, every text is free of lone surrogates and NUL, and every
    number is finite and under MAX_NUMBER: then _value_issues finds nothing and jsonschema-rs reads the record as
    jsonschema does (it would take a tuple as an array; jsonschema does not). No paths kept: this is the quick
    look; _value_issues walks again, with paths, only when it says False."""
    stack = [record]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is str:
            if "\x00" in value or (not value.isascii() and SURROGATE.search(value)):
                return False
        elif kind is dict:
            for key in value:
                if type(key) is not str or "\x00" in key or (not key.isascii() and SURROGATE.search(key)):
                    return False
            extend(value.values())
        elif kind is list:
            extend(value)
        elif kind is int:
            if not -MAX_NUMBER < value < MAX_NUMBER:
                return False
        elif kind is float:
            if not math.isfinite(value):
                return False
        elif value is not None and kind is not bool:
            return False
    return True


def _schema_valid(record: dict) -> bool:
    """The quick yes of jsonschema-rs for a plain record; False (so the full check runs) on any doubt."""
    try:
        return _fast_validator().is_valid(record)
    except (ValueError, TypeError, OverflowError):
        return False


def json_path(parts) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _short(value, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _message(err: ValidationError) -> tuple[str, str]:
    """Return (path, plain-English message) for one schema error."""
    path = list(err.absolute_path)
    desc = err.schema.get("description", "") if isinstance(err.schema, dict) else ""
    hint = f" ({desc})" if desc else ""
    kw = err.validator
    if kw == "required":
        found = re.match(r"^'(.+)' is a required property", err.message)
        name = found.group(1) if found else "?"
        sub = err.schema.get("properties", {}).get(name, {})
        what = sub.get("description", "")
        return json_path(path + [name]), f"'{name}' is required but missing." + (f" {what}" if what else "")
    if kw == "type":
        want = err.validator_value if isinstance(err.validator_value, str) else err.validator_value[0]
        got = type(err.instance).__name__.replace("str", "text").replace("dict", "object").replace("NoneType", "null")
        return json_path(path), f"Should be {TYPE_NAMES.get(want, want)}, not {got} {_short(err.instance)}."
    if kw == "enum":
        opts = ", ".join(str(v) for v in err.validator_value[:20])
        return json_path(path), f"{_short(err.instance)} is not an allowed value. Use one of: {opts}."
    if kw == "pattern":
        return json_path(path), f"{_short(err.instance)} is not in the expected form{hint}."
    if kw == "format":
        fmt = {"date": "a date as YYYY-MM-DD", "email": "an email address"}.get(err.validator_value, err.validator_value)
        return json_path(path), f"{_short(err.instance)} is not {fmt}."
    if kw == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return json_path(path), f"Unknown field(s): {', '.join(extra)}. Check the spelling against the schema."
    if kw == "minLength":
        return json_path(path), "Must not be empty." if err.validator_value <= 1 else \
            f"Too short: at least {err.validator_value} characters."
    if kw == "maxLength":
        return json_path(path), f"Too long: at most {err.validator_value} characters."
    if kw == "minItems":
        return json_path(path), f"Needs at least {err.validator_value} item(s)."
    if kw == "uniqueItems":
        return json_path(path), "Contains the same value more than once."
    if kw in ("minimum", "maximum"):
        return json_path(path), f"{_short(err.instance)} is out of range ({kw} {err.validator_value})."
    if kw == "anyOf" and path and path[-1] == "informationAssetOwner":
        return json_path(path), "Give the IAO's role or name (or both)."
    return json_path(path), err.message


def _problem(err: ValidationError) -> Problem:
    """One schema error as a problem; its code is the JSON Schema keyword that failed."""
    path, msg = _message(err)
    return Problem(path, err.validator, msg, ERROR)


def _error_fields(record: dict) -> frozenset | None:
    """The top-level fields under which jsonschema-rs finds a problem (problems at the top itself, such as a
    missing field, need none); None if it cannot say."""
    try:
        return frozenset(err.instance_path[0] for err in _fast_validator().iter_errors(record) if err.instance_path)
    except (ValueError, TypeError, OverflowError):
        return None


@lru_cache(maxsize=64)
def _validator_for(fields: frozenset | None) -> Draft202012Validator:
    """The full validator, or one that looks only under `fields`: every other top-level field keeps its name (for
    additionalProperties) and its description (for messages) and accepts any value. Errors come in the same order."""
    if fields is None:
        return _validator()
    schema = dataset_schema()
    props = {name: sub if name in fields or not isinstance(sub, dict) else
             ({"description": sub["description"]} if "description" in sub else {})
             for name, sub in schema.get("properties", {}).items()}
    return Draft202012Validator({**schema, "properties": props}, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _schema_errors(record: dict, fields: frozenset | None = None) -> tuple[list[Problem], list[Problem]]:
    """(problems, values of the wrong type) from jsonschema, looking only under `fields` when given."""
    issues, shapes, seen = [], [], set()
    for err in sorted(_validator_for(fields).iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        path, msg = _message(err)
        if _wrong_shape(err):
            shapes.append(Problem(path, err.validator, msg, ERROR))
        if err.validator in ("format", "pattern"):  # one message per bad value, not two
            if path in seen:
                continue
            seen.add(path)
        issues.append(Problem(path, err.validator, msg, ERROR))
    return issues, shapes


_PLANS: dict[int, tuple] = {}  # id(schema node) -> (node, what to check in it): worked out once per node


def _plan(node: dict) -> tuple:
    """For each property of a schema node: (name, recommended?, warning text, "object"/"list"/"", the property,
    the recommended fields of its list items)."""
    found = _PLANS.get(id(node))
    if found is None:
        steps = []
        for name, prop in node.get("properties", {}).items():
            desc = prop.get("description", "")
            kind, subs = "", ()
            if prop.get("type") == "object":
                kind = "object"
            elif prop.get("items", {}).get("type") == "object":
                kind = "list"
                subs = tuple(sub_name for sub_name, sub in prop["items"].get("properties", {}).items()
                             if sub.get("obligation") == "recommended")
            steps.append((name, prop.get("obligation") == "recommended",
                          f"Recommended field '{name}' is missing." + (f" {desc}" if desc else ""), kind, prop, subs))
        found = _PLANS[id(node)] = (node, tuple(steps))  # the node is kept, so its id stays its own
    return found[1]


def _recommended_warnings(record: dict, schema: dict) -> list[Problem]:
    """One warning per missing recommended field (counted across list items)."""
    issues: list[Problem] = []

    def walk(obj: dict, node: dict, prefix: str) -> None:
        for name, recommended, message, kind, prop, subs in _plan(node):
            value = obj.get(name)
            path = f"{prefix}.{name}"
            if recommended and not filled(value):
                issues.append(Problem(path, RECOMMENDED_MISSING, message, WARNING))
                continue
            if kind == "object" and isinstance(value, dict):
                walk(value, prop, path)
            elif kind == "list" and subs and isinstance(value, list):
                items = [v for v in value if isinstance(v, dict)]
                if not items:
                    continue
                for sub_name in subs:
                    gaps = sum(1 for v in items if not filled(v.get(sub_name)))
                    if gaps:
                        issues.append(Problem(f"{path}[*].{sub_name}", RECOMMENDED_MISSING,
                                              f"{gaps} of {len(items)} {name} entries have no '{sub_name}'.",
                                              WARNING))

    walk(record, schema, "$")
    return issues


def _consistency(record: dict) -> list[Problem]:
    issues = []
    cov = record.get("coverage")
    if isinstance(cov, dict):
        start, end = cov.get("temporalStart"), cov.get("temporalEnd")
        if isinstance(start, str) and isinstance(end, str) and end < start:
            issues.append(Problem("$.coverage.temporalEnd", END_BEFORE_START,
                                  "The end of coverage is before its start.", ERROR))
    access = record.get("access")
    weeks = access.get("leadTimeWeeks") if isinstance(access, dict) else None
    if isinstance(weeks, dict):
        low, high = weeks.get("min"), weeks.get("max")
        if type(low) is int and type(high) is int and high < low:
            issues.append(Problem("$.access.leadTimeWeeks.max", LEAD_TIME_MIN_ABOVE_MAX,
                                  f"The longest lead time ({high} weeks) is shorter than the shortest ({low} weeks).",
                                  ERROR))
    variables = record.get("variables")
    if isinstance(variables, list):
        seen: set = set()
        for i, v in enumerate(variables):
            name = v.get("name") if isinstance(v, dict) else None
            if isinstance(name, str):
                if name in seen:
                    issues.append(Problem(f"$.variables[{i}].name", DUPLICATE_VARIABLE,
                                          f"Variable '{name}' is listed twice.", WARNING))
                seen.add(name)
    return issues


def printable(text: str) -> str:
    """Text safe to encode as UTF-8: lone surrogates shown as \\udXXX escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if SURROGATE.search(text) else text


def _text_problem(text: str) -> str:
    found = SURROGATE.search(text)
    if found:
        return (f"contains a lone UTF-16 surrogate (U+{ord(found.group()):04X}), which is not a real character. "
                "Remove it, or save the file as UTF-8 from the original text.")
    if "\x00" in text:
        return "contains a NUL character (U+0000), which cannot be stored. Remove it."
    return ""


def _value_issues(record: dict) -> list[Problem]:
    """Text and numbers that no schema rule catches but that break storage, pages or JSON: lone
    surrogates, NUL characters, NaN/Infinity and numbers too large for a float. Walks without recursion."""
    issues: list[Problem] = []
    stack: list[tuple[object, list]] = [(record, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                issues.append(Problem(json_path(path), UNSTORABLE_TEXT, f"The text {problem}", ERROR))
        elif isinstance(value, float) and not math.isfinite(value):
            issues.append(Problem(json_path(path), NON_FINITE_NUMBER, f"Must be a finite number, not {value!r} "
                                  "(NaN and Infinity are not valid JSON).", ERROR))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_NUMBER:
            digits = int(value.bit_length() * 0.30103) + 1  # str() itself refuses over 4,300 digits
            issues.append(Problem(json_path(path), NUMBER_TOO_LARGE, f"Number too large: about {digits:,} digits; "
                                  "use at most 300.", ERROR))
        elif isinstance(value, dict):
            for key, child in value.items():
                problem = _text_problem(key) if isinstance(key, str) else ""
                if problem:
                    issues.append(Problem(json_path(path), UNSTORABLE_TEXT, f"A field name {problem}", ERROR))
                    continue
                stack.append((child, path + [key]))
        elif isinstance(value, list):
            stack.extend((child, path + [i]) for i, child in enumerate(value))
    return sorted(issues, key=lambda i: i.path)


def storable_text(text: str) -> bool:
    """False for text no store or page can hold (lone surrogates, NUL)."""
    return not _text_problem(text)


def misshapen(record) -> list[Problem]:
    """Values of the wrong type anywhere in a record. A flagged record may miss fields, never hold wrong shapes."""
    if not isinstance(record, dict):
        return [Problem("$", NOT_AN_OBJECT, "A record must be a JSON object.", ERROR)]
    return [_problem(err) for err in _validator().iter_errors(record) if _wrong_shape(err)]


def _wrong_shape(err: ValidationError) -> bool:
    """A type error, or a value outside an enum that is not even of the enum's type (an object for a code)."""
    if err.validator == "type":
        return True
    if err.validator in ("enum", "const"):
        allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
        return not any(type(err.instance) is type(v) for v in allowed)
    return False


def unstorable(record) -> list[Problem]:
    """Problems that stop a record being stored at all, even as a draft or a flagged harvest record."""
    if not isinstance(record, dict):
        return []
    issues = _value_issues(record)
    for issue in issues:
        issue.path, issue.message = printable(issue.path), printable(issue.message)
    return issues


def validate(record) -> Report:
    """Check one record; return every problem found. Never raises for bad data."""
    if not isinstance(record, dict):
        kind = {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false",
                type(None): "null"}.get(type(record), type(record).__name__)
        return Report([Problem("$", NOT_AN_OBJECT, f"A record must be a JSON object, not {kind}.", ERROR)])
    plain = _plain(record)
    issues = [] if plain else _value_issues(record)
    shapes: list[Problem] | None = []
    if not (plain and _schema_valid(record)):  # most records pass the quick check; the rest get every problem
        try:
            found, shapes = _schema_errors(record, _error_fields(record) if plain else None)
            issues += found
        except ValueError:  # jsonschema cannot even print a number of over 4,300 digits; the issues above say so
            if not issues:
                raise
            shapes = None
    issues += _consistency(record)
    issues += _recommended_warnings(record, dataset_schema())
    for issue in issues + (shapes or []):  # messages and paths may quote the bad text
        issue.path, issue.message = printable(issue.path), printable(issue.message)
    return Report(issues, misshapen=shapes)
