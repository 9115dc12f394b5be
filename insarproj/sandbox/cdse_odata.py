"""The OData `$filter` grammar of the Copernicus Data Space catalogue, as far as the stand-in serves it.

Clauses joined by top-level `and` (docs/sandbox.md, "CDSE"), each one of:

    Collection/Name eq 'SENTINEL-1'
    Name eq '<name>.SAFE'
    startswith(Name,'S1A_OPER_AUX_POEORB_OPOD_')                      (orbit files)
    PublicationDate gt|ge|lt|le 2021-01-01T00:00:00.000Z               (orbit files)
    ContentDate/Start gt|ge|lt|le 2021-01-01T00:00:00.000Z
    OData.CSC.Intersects(area=geography'SRID=4326;POLYGON((lon lat, ...))')
    Attributes/OData.CSC.StringAttribute/any(att:att/Name eq 'productType' and
        att/OData.CSC.StringAttribute/Value eq 'IW_SLC__1S')          (also IntegerAttribute, no quotes)

A parenthesised group of clauses joined by `or` is accepted too, and for the Bursts catalogue a
top-level field compared with `eq` (`BurstId eq 136231`, `SwathIdentifier eq 'IW1'`). Anything
else is refused with the 400 the real service answers for a filter it cannot parse, so a client
that drifts from the grammar fails here as it would there.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_ATTRIBUTE = re.compile(
    r"Attributes/OData\.CSC\.(?P<type>String|Integer|Double)Attribute/any\(\s*att\s*:\s*att/Name\s+eq\s+"
    r"'(?P<name>[A-Za-z]+)'\s+and\s+att/OData\.CSC\.(?P=type)Attribute/Value\s+(?P<op>eq|gt|ge|lt|le)\s+"
    r"(?P<value>'[^']*'|-?[0-9.]+)\s*\)",
)
_DATE = re.compile(r"ContentDate/Start\s+(?P<op>eq|gt|ge|lt|le)\s+(?P<value>\S+)")
_PUBLISHED = re.compile(r"PublicationDate\s+(?P<op>eq|gt|ge|lt|le)\s+(?P<value>\S+)")
_STARTSWITH = re.compile(r"startswith\(\s*Name\s*,\s*'(?P<value>[^']*)'\s*\)")
_EQ = re.compile(r"(?P<field>Collection/Name|Name)\s+eq\s+'(?P<value>[^']*)'")
_INTERSECTS = re.compile(r"OData\.CSC\.Intersects\(\s*area\s*=\s*geography'SRID=4326;(?P<wkt>[^']+)'\s*\)")
_FLAT = re.compile(r"(?P<field>[A-Z][A-Za-z]+)\s+eq\s+(?P<value>'[^']*'|-?[0-9]+)")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


class FilterError(ValueError):
    """A `$filter` the stand-in (and the real service) cannot parse."""


def split_top(text: str, word: str) -> list[str]:
    """Split on a keyword (`and` / `or`) outside parentheses and quotes."""
    parts: list[str] = []
    depth, quoted, start, i = 0, False, 0, 0
    token = f" {word} "
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(token, i):
            parts.append(text[start:i].strip())
            i += len(token)
            start = i
            continue
        i += 1
    if depth != 0 or quoted:
        raise FilterError("unbalanced parentheses or quotes")
    parts.append(text[start:].strip())
    return parts


def parse_datetime(text: str) -> datetime:
    """An OData date or datetime literal; naive values are UTC (the service's rule since 2024-05-28)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"invalid datetime literal {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class ParsedFilter:
    predicates: list[Predicate]
    area: Any = None  # the shapely geometry of an Intersects clause

    def matches(self, entity: dict[str, Any]) -> bool:
        return all(p(entity) for p in self.predicates)


def parse_filter(text: str) -> ParsedFilter:
    from shapely import wkt  # type: ignore[import-untyped]

    parsed = ParsedFilter([])
    for clause in split_top(text.strip(), "and"):
        intersects = _INTERSECTS.fullmatch(clause)
        if intersects:
            try:
                parsed.area = wkt.loads(intersects.group("wkt"))
            except Exception as exc:  # shapely raises its own error types for bad WKT
                raise FilterError(f"invalid geography: {exc}") from None
            if not parsed.area.is_valid:
                raise FilterError("invalid geography: the geometry is not valid")
            continue
        parsed.predicates.append(_clause(clause))
    return parsed


def _clause(clause: str) -> Predicate:
    if clause.startswith("(") and clause.endswith(")"):
        options = [_clause(part) for part in split_top(clause[1:-1].strip(), "or")]
        if len(options) > 1:
            return lambda e: any(p(e) for p in options)
        return options[0]
    if match := _EQ.fullmatch(clause):
        field, value = match.group("field"), match.group("value")
        key = "collection" if field == "Collection/Name" else "Name"
        return lambda e: e.get(key) == value
    if match := _DATE.fullmatch(clause):
        op, when = _OPS[match.group("op")], parse_datetime(match.group("value"))
        return lambda e: op(e["_start"], when)
    if match := _PUBLISHED.fullmatch(clause):  # orbit files (cdse_orbits.py) carry _published
        op, when = _OPS[match.group("op")], parse_datetime(match.group("value"))
        return lambda e: "_published" in e and op(e["_published"], when)
    if match := _STARTSWITH.fullmatch(clause):
        prefix = match.group("value")
        return lambda e: str(e.get("Name", "")).startswith(prefix)
    if match := _ATTRIBUTE.fullmatch(clause):
        return _attribute_predicate(match)
    if match := _FLAT.fullmatch(clause):  # the Bursts catalogue's top-level fields
        field, raw = match.group("field"), match.group("value")
        flat: Any = raw[1:-1] if raw.startswith("'") else int(raw)
        return lambda e: field in e and e[field] == flat
    raise FilterError(f"cannot parse the filter clause {clause!r}")


def _attribute_predicate(match: re.Match[str]) -> Predicate:
    name, op, raw = match.group("name"), _OPS[match.group("op")], match.group("value")
    if match.group("type") == "String":
        if not raw.startswith("'"):
            raise FilterError(f"the string attribute {name} needs a quoted value")
        value: Any = raw[1:-1]
    else:
        if raw.startswith("'"):
            raise FilterError(f"the numeric attribute {name} takes an unquoted value")
        value = float(raw) if match.group("type") == "Double" else int(raw)

    def predicate(entity: dict[str, Any]) -> bool:
        for attribute in entity["_attributes"]:
            if attribute["Name"] == name:
                return bool(op(attribute["Value"], value))
        return False

    return predicate


def checksums(data: bytes, when: str) -> list[dict[str, str]]:
    """A product's `Checksum` list as the catalogue gives it: MD5, and SHA-256 standing in for the
    BLAKE3 CDSE lists (the client verifies the MD5)."""
    return [
        {"Value": hashlib.md5(data).hexdigest(), "Algorithm": "MD5", "ChecksumDate": when},
        {"Value": hashlib.sha256(data).hexdigest(), "Algorithm": "BLAKE3", "ChecksumDate": when},
    ]
